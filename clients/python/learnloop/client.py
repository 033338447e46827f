"""The Learnloop client: one method per API call, answers as typed models, lists as iterators over every page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, TypeVar
from urllib.parse import quote

from . import models
from ._transport import Transport

M = TypeVar("M", bound=models.ApiModel)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Learnloop:
    """`Learnloop(api_key=..., base_url=...)`; both default to `LEARNLOOP_API_KEY` and `LEARNLOOP_BASE_URL`.

    Every POST carries an Idempotency-Key (made here unless given) that its retries send again, so a retry never writes
    twice; 429, 503, timeouts and connection errors are retried `max_retries` times with backoff, honouring Retry-After.
    """

    def __init__(self, api_key: str | None = None, base_url: str | None = None, **transport: Any) -> None:
        key = api_key or os.environ.get("LEARNLOOP_API_KEY")
        if not key:
            raise ValueError("give api_key or set LEARNLOOP_API_KEY")
        self.base_url = (base_url or os.environ.get("LEARNLOOP_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.transport = Transport(self.base_url, key, **transport)

    # --- sessions and feedback -----------------------------------------------------------------------------------

    def create_session(
        self,
        user_id: str,
        category_key: str,
        input: Any,  # noqa: A002
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> models.SessionCreated:
        """Record an AI call made outside (fields: output, model_id, project_id, experiment_id, variant_id, features,
        target, processing_time_ms)."""
        body = {"user_id": user_id, "category_key": category_key, "input": input, **_given(fields)}
        return self._post("/v1/sessions", body, models.SessionCreated, idempotency_key)

    def get_session(self, session_id: str) -> models.SessionDetail:
        return self._get(f"/v1/sessions/{_p(session_id)}", models.SessionDetail)

    def update_session(self, session_id: str, **fields: Any) -> models.Session:
        """output, corrected_output, manual_corrections."""
        answer = self.transport.request("PATCH", f"/v1/sessions/{_p(session_id)}", json=_given(fields))
        return models.Session.model_validate(answer.json())

    def sessions(self, *, page_size: int = 50, **filters: Any) -> Iterator[models.Session]:
        """Every session matching the filters (user_id, category_key, experiment_id, from_, to), newest first."""
        return self._pages("/v1/sessions", models.Session, page_size, filters)

    def feedback(
        self, session_id: str, user_id: str, *, idempotency_key: str | None = None, **signals: Any
    ) -> models.FeedbackRecorded:
        """rating (1-5), thumbs, feedback_type, helpful, aspect, text; a second from the same user replaces the first."""
        body = {"user_id": user_id, **_given(signals)}
        return self._post(f"/v1/sessions/{_p(session_id)}/feedback", body, models.FeedbackRecorded, idempotency_key)

    # --- experiments ---------------------------------------------------------------------------------------------

    def create_experiment(
        self, name: str, variants: list[dict[str, Any]], *, idempotency_key: str | None = None, **fields: Any
    ) -> models.Experiment:
        body = {"name": name, "variants": variants, **_given(fields)}
        return self._post("/v1/experiments", body, models.Experiment, idempotency_key)

    def experiments(self, *, page_size: int = 50, **filters: Any) -> Iterator[models.Experiment]:
        return self._pages("/v1/experiments", models.Experiment, page_size, filters)

    def assign(self, experiment_id: str, user_id: str, context: dict[str, Any] | None = None) -> models.AssignedVariant:
        """The user's sticky variant."""
        body = _given({"user_id": user_id, "context": context})
        return self._post(f"/v1/experiments/{_p(experiment_id)}/assign", body, models.AssignedVariant, None)

    def experiment_results(self, experiment_id: str) -> models.Results:
        return self._get(f"/v1/experiments/{_p(experiment_id)}/results", models.Results)

    # --- generations and routing ---------------------------------------------------------------------------------

    def generate(self, user_id: str, category_key: str, *, idempotency_key: str | None = None, **fields: Any) -> models.Generated:
        """Route, render, call with fallbacks, record (fields: prompt, prompt_name, variables, experiment_id, model_id,
        priority, complexity, max_tokens, temperature, output_type...)."""
        body = {"user_id": user_id, "category_key": category_key, **_given(fields)}
        return self._post("/v1/generations", body, models.Generated, idempotency_key)

    def route(self, category_key: str, **fields: Any) -> models.RouteAnswer:
        return self._post("/v1/route", {"category_key": category_key, **_given(fields)}, models.RouteAnswer, None)

    # --- analytics -----------------------------------------------------------------------------------------------

    def summary(self, *, days: int | None = None, from_: str | None = None, to: str | None = None) -> models.Summary:
        answer = self.transport.request("GET", "/v1/analytics/summary", params={"days": days, "from": from_, "to": to})
        return models.Summary.model_validate(answer.json())

    # --- training ------------------------------------------------------------------------------------------------

    def training_examples(self, *, page_size: int = 50, **filters: Any) -> Iterator[models.TrainingExample]:
        """category_key, min_quality, validated."""
        return self._pages("/v1/training/examples", models.TrainingExample, page_size, filters)

    def create_dataset(self, days: int, min_rating: int, *, idempotency_key: str | None = None, **fields: Any) -> models.Dataset:
        body = {"days": days, "min_rating": min_rating, **_given(fields)}
        return self._post("/v1/training/datasets", body, models.Dataset, idempotency_key)

    def create_training_job(
        self, dataset_id: str, base_model: str, *, idempotency_key: str | None = None, **fields: Any
    ) -> models.TrainingJob:
        body = {"dataset_id": dataset_id, "base_model": base_model, **_given(fields)}
        return self._post("/v1/training/jobs", body, models.TrainingJob, idempotency_key)

    def get_training_job(self, job_id: str) -> models.TrainingJob:
        return self._get(f"/v1/training/jobs/{_p(job_id)}", models.TrainingJob)

    # --- the ML registry -----------------------------------------------------------------------------------------

    def register_model(
        self,
        model_name: str,
        model_version: str,
        model_type: str,
        algorithm: str,
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> models.RegistryModel:
        body = {
            "model_name": model_name,
            "model_version": model_version,
            "model_type": model_type,
            "algorithm": algorithm,
            **_given(fields),
        }
        return self._post("/v1/registry/models", body, models.RegistryModel, idempotency_key)

    def registry_models(self, *, page_size: int = 50, **filters: Any) -> Iterator[models.RegistryModel]:
        """model_name, status."""
        return self._pages("/v1/registry/models", models.RegistryModel, page_size, filters)

    def record_prediction(
        self,
        model_name: str,
        model_version: str,
        prediction_type: str,
        input_data: dict[str, Any],
        prediction: Any,
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> models.PredictionCreated:
        body = {"prediction_type": prediction_type, "input_data": input_data, "prediction": prediction, **_given(fields)}
        path = f"/v1/registry/models/{_p(model_name)}/{_p(model_version)}/predictions"
        return self._post(path, body, models.PredictionCreated, idempotency_key)

    # --- plumbing ------------------------------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any], model: type[M], idempotency_key: str | None) -> M:
        answer = self.transport.request("POST", path, json=body, idempotency_key=idempotency_key)
        return model.model_validate(answer.json())

    def _get(self, path: str, model: type[M]) -> M:
        return model.model_validate(self.transport.request("GET", path).json())

    def _pages(self, path: str, model: type[M], page_size: int, filters: dict[str, Any]) -> Iterator[M]:
        """Every item of a list, page after page (`limit`, `cursor`), fetched as the iteration reaches it."""
        params = {("from" if k == "from_" else k): _query(v) for k, v in filters.items() if v is not None}
        cursor: str | None = None
        while True:
            page = self.transport.request("GET", path, params={**params, "limit": page_size, "cursor": cursor}).json()
            for item in page["items"]:
                yield model.model_validate(item)
            cursor = page.get("next_cursor")
            if not cursor:
                return


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _p(part: str) -> str:
    return quote(part, safe="")


def _query(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else value
