"""Helpers shared by the registry and governance API tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, Tenant

EXPENSES = {
    "model_name": "expense_classifier",
    "model_version": "v1.0",
    "model_type": "classification",
    "algorithm": "random_forest",
    "hyperparameters": {"n_estimators": 200, "max_depth": 12},
    "feature_columns": ["amount", "category", "vendor"],
    "target_column": "expense_type",
}
CASHFLOW = {
    "model_name": "cashflow_prediction",
    "model_version": "v1",
    "model_type": "regression",
    "algorithm": "xgboost",
    "hyperparameters": {"eta": 0.1},
    "feature_columns": ["month", "receivables"],
    "target_column": "net_cash",
}


def register(api: Api, tenant: Tenant, spec: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    reply = api.post("/v1/registry/models", {**(spec or EXPENSES), **changes}, key=tenant.admin)
    assert reply.status == 201, reply.body
    return reply.body


def path(model: dict[str, Any], suffix: str = "") -> str:
    return f"/v1/registry/models/{model['model_name']}/{model['model_version']}{suffix}"


def activate(api: Api, tenant: Tenant, model: dict[str, Any]) -> None:
    reply = api.patch(path(model), {"status": "active"}, key=tenant.admin)
    assert reply.status == 200, reply.body


def predict(
    api: Api, tenant: Tenant, model: dict[str, Any], prediction: Any, input_data: dict[str, Any] | None = None, **extra: Any
) -> str:
    kind = "regression" if model["model_type"] in ("regression", "forecast") else "classification"
    body = {
        "prediction_type": extra.pop("prediction_type", kind),
        "input_data": input_data or {},
        "prediction": prediction,
        **extra,
    }
    reply = api.post(path(model, "/predictions"), body, key=tenant.app)
    assert reply.status == 201, reply.body
    return str(reply.body["prediction_id"])


def truth(api: Api, tenant: Tenant, prediction_id: str, actual: Any) -> dict[str, Any]:
    reply = api.patch(f"/v1/registry/predictions/{prediction_id}", {"actual_value": actual}, key=tenant.app)
    assert reply.status == 200, reply.body
    return reply.body


def labelled(
    api: Api, tenant: Tenant, model: dict[str, Any], pairs: list[tuple[Any, Any]], input_data: dict[str, Any] | None = None
) -> None:
    """One prediction with its ground truth per (actual, predicted) pair."""
    for actual, predicted in pairs:
        truth(api, tenant, predict(api, tenant, model, predicted, input_data), actual)
