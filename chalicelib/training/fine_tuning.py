"""Fine-tuning providers: the OpenAI API (files and fine-tuning jobs, through the SDK) and the offline `local` one.

A tuner submits a job (uploads the files, creates the provider's job), reads back its state and new
events, cancels it, and deletes the uploaded files once the job has finished. The SDK is imported
inside the calls; its errors become `ProviderError`s whose kind says whether a retry may help.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..core import clock
from ..core.settings import ProviderSettings, get_settings
from ..providers.base import ProviderError
from ..tenancy import platform
from . import formats

# OpenAI's minimum number of training examples.
OPENAI_MIN_EXAMPLES = 10
# How OpenAI's job statuses read in ours.
STATUS = {
    "validating_files": "pending",
    "queued": "pending",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}
TRANSIENT = frozenset({"rate_limited", "server_error", "timeout", "unavailable"})
EVENTS_PER_POLL = 50


@dataclass
class ProviderEvent:
    id: str
    created_at: str
    level: str
    message: str
    data: dict[str, Any] | None = None


@dataclass
class Snapshot:
    """What the provider says of a job now."""

    status: str  # ours: pending | running | succeeded | failed | cancelled
    provider_status: str
    fine_tuned_model: str | None = None
    error: dict[str, str] | None = None
    events: list[ProviderEvent] = field(default_factory=list)  # new since the last poll, oldest first
    progress: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None


@dataclass
class Submitted:
    provider_job_id: str
    files: dict[str, str]
    snapshot: Snapshot


def minimum_examples(provider: str) -> int:
    from .local_model import MIN_EXAMPLES

    return MIN_EXAMPLES if provider == "local" else OPENAI_MIN_EXAMPLES


def can_fine_tune(provider: str) -> bool:
    return provider == "local" or (get_settings().provider(provider) is not None and platform.provider_allowed(provider))


def tuner_for(provider: str) -> OpenAITuner:
    """The tuner of an OpenAI-compatible provider (the `local` provider trains in `jobs.py`)."""
    settings = get_settings().provider(provider)
    if settings is None:
        raise ProviderError("unavailable", f"provider {provider} has no credentials configured")
    return OpenAITuner(provider, settings)


class OpenAITuner:
    minimum_examples = OPENAI_MIN_EXAMPLES

    def __init__(self, name: str, settings: ProviderSettings) -> None:
        self.name = name
        self.settings = settings

    def _client(self) -> Any:
        from ..providers.openai_compat import OpenAICompatibleProvider  # deferred: cold start (the openai SDK)

        return OpenAICompatibleProvider(self.name, self.settings).client()

    def submit(self, job: Any, files: dict[str, bytes]) -> Submitted:
        client = self._client()
        uploaded: dict[str, str] = {}
        try:
            for split in ("train", "validation"):
                if files.get(split):
                    created = client.files.create(
                        file=(f"{job.id}-{split}.jsonl", files[split], "application/jsonl"), purpose="fine-tune"
                    )
                    uploaded[split] = created.id
            hyperparameters = {k: v for k, v in (job.hyperparameters or {}).items() if v is not None}
            method_type = "dpo" if job.format == formats.PREFERENCE else "supervised"
            arguments: dict[str, Any] = {
                "model": job.base_model.split(":", 1)[1],
                "training_file": uploaded["train"],
                "method": {"type": method_type, method_type: {"hyperparameters": hyperparameters}},
                "metadata": {"learnloop_job_id": job.id, "learnloop_dataset_id": job.dataset_id},
            }
            if "validation" in uploaded:
                arguments["validation_file"] = uploaded["validation"]
            if job.suffix:
                arguments["suffix"] = job.suffix
            # Never retried by the SDK: the create takes no idempotency key, so a retry could create a second job.
            # An unknown outcome is recovered by `find` (the job's metadata) before anything is submitted again.
            created_job = client.with_options(max_retries=0).fine_tuning.jobs.create(**arguments)
        except Exception as exc:
            self._delete(client, uploaded.values())
            raise _translate(exc) from exc
        return Submitted(created_job.id, uploaded, self._snapshot(created_job, []))

    def find(self, job: Any) -> Submitted | None:
        """The provider's job created for `job` by a submission whose answer was lost, found by its metadata; None."""
        try:
            page = self._client().fine_tuning.jobs.list(metadata={"learnloop_job_id": job.id}, limit=10)
        except Exception as exc:
            raise _translate(exc) from exc
        for remote in page.data:
            if (getattr(remote, "metadata", None) or {}).get("learnloop_job_id") == job.id:
                files = {"train": remote.training_file}
                if getattr(remote, "validation_file", None):
                    files["validation"] = remote.validation_file
                return Submitted(remote.id, files, self._snapshot(remote, []))
        return None

    def refresh(self, job: Any) -> Snapshot:
        client = self._client()
        try:
            remote = client.fine_tuning.jobs.retrieve(job.provider_job_id)
            page = client.fine_tuning.jobs.list_events(job.provider_job_id, limit=EVENTS_PER_POLL)
        except Exception as exc:
            raise _translate(exc) from exc
        fresh = []
        for event in page.data:  # newest first
            if event.id == job.last_provider_event:
                break
            fresh.append(event)
        return self._snapshot(remote, list(reversed(fresh)))

    def cancel(self, job: Any) -> Snapshot:
        try:
            remote = self._client().fine_tuning.jobs.cancel(job.provider_job_id)
        except Exception as exc:
            raise _translate(exc) from exc
        return self._snapshot(remote, [])

    def cleanup(self, job: Any) -> None:
        """Delete the uploaded files: the provider needs them only while it trains."""
        self._delete(self._client(), (job.provider_files or {}).values())

    @staticmethod
    def _delete(client: Any, file_ids: Any) -> None:
        for file_id in list(file_ids):
            try:
                client.files.delete(file_id)
            except Exception:  # noqa: BLE001 - best effort: a file left behind expires with the provider
                pass

    @staticmethod
    def _snapshot(remote: Any, events: list[Any]) -> Snapshot:
        status = STATUS.get(remote.status, "running")
        error = None
        if remote.error is not None and (remote.error.message or remote.error.code):
            # The provider's code, and our words: its message may echo a file's content or a credential.
            code = _code(remote.error.code)
            error = {"code": code, "message": f"the provider failed the job ({code})"}
        progress = None
        metrics: dict[str, Any] = {}
        for event in events:
            data = event.data if isinstance(event.data, dict) else None
            if data and "step" in data and data.get("total_steps"):
                step, total = int(data["step"]), int(data["total_steps"])
                progress = {"stage": "training", "done": step, "total": total, "percent": round(100.0 * step / total, 1)}
                metrics.update({k: v for k, v in data.items() if isinstance(v, int | float)})
        if status == "succeeded":
            progress = {"stage": "succeeded", "done": 1, "total": 1, "percent": 100.0}
        if getattr(remote, "trained_tokens", None):
            metrics["trained_tokens"] = remote.trained_tokens
        return Snapshot(
            status=status,
            provider_status=str(remote.status),
            fine_tuned_model=remote.fine_tuned_model,
            error=error,
            events=[
                ProviderEvent(
                    id=event.id,
                    created_at=_iso(event.created_at),
                    level=str(event.level or "info"),
                    message=str(event.message or "") if event.level != "error" else "the provider reported an error",
                    data=event.data if isinstance(event.data, dict) else None,
                )
                for event in events
            ],
            progress=progress,
            metrics=metrics or None,
        )


def _code(value: Any) -> str:
    """A provider's error code as a slug (`provider_error` when it has none or it is not one)."""
    text = str(value or "")
    return text if re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", text) else "provider_error"


def _iso(timestamp: Any) -> str:
    try:
        return clock.iso(datetime.fromtimestamp(float(timestamp), UTC))
    except (TypeError, ValueError):
        return clock.iso(clock.now())


def _translate(exc: BaseException) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    from ..providers.openai_compat import translate  # deferred: cold start (the openai SDK)

    return translate(exc)
