"""Every route of the API, registered cheaply: a cold Lambda imports only the family of the request it serves.

Chalice must know every route once `app` is imported (API Gateway dispatches on them, `chalice package` describes
them), but importing a family's module imports its schemas and services, and importing all of them was most of every
cold start (about 1 s against boto3's 0.3 s on the 2-core machine). So `register(app)` registers each operation
of `OPERATIONS` with a view that imports its family's module, `chalicelib/api/<family>.py`, on the family's first
request; that module's `route()` declarations stay the one truth of each operation (role, body, query, answer, the
handler). The middleware and the request-serving machinery (http.py: authentication, storage, pydantic) are
imported on the first request of all, and `/openapi.json` imports every family (`load_all`).

`OPERATIONS` is written from those declarations: `UPDATE_ROUTE_TABLE=1 pytest tests/unit/test_route_table.py`
rewrites it, and that test fails while the table and the declarations differ. Its order is the document's.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalice import Chalice, Response

# The operations of each family, (method, path, operation id), families by name: the OpenAPI document's order.
# Written from the declarations (see above): do not edit by hand.
# fmt: off
OPERATIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "ai_config": (
        ("PUT", "/v1/config/{config_type}", "put_ai_config"),
        ("GET", "/v1/config/{config_type}", "get_ai_config"),
        ("GET", "/v1/config/{config_type}/versions", "list_ai_config_versions"),
        ("GET", "/v1/config/{config_type}/versions/{number}", "get_ai_config_version"),
        ("GET", "/v1/config/{config_type}/diff", "diff_ai_config"),
        ("POST", "/v1/config/{config_type}/rollback", "rollback_ai_config"),
    ),
    "alerts": (
        ("POST", "/v1/targets", "create_target"),
        ("GET", "/v1/targets", "list_targets"),
        ("GET", "/v1/targets/{target_id}", "get_target"),
        ("PATCH", "/v1/targets/{target_id}", "patch_target"),
        ("DELETE", "/v1/targets/{target_id}", "delete_target"),
        ("POST", "/v1/targets/{target_id}/evaluate", "evaluate_target"),
        ("GET", "/v1/targets/{target_id}/history", "target_history"),
        ("GET", "/v1/events", "list_events"),
        ("GET", "/v1/events/{event_id}", "get_event"),
    ),
    "analytics": (
        ("GET", "/v1/analytics/summary", "get_summary"),
        ("GET", "/v1/analytics/models", "get_model_periods"),
        ("GET", "/v1/analytics/export", "get_export"),
        ("GET", "/v1/analytics/reports/latest", "get_latest_report"),
        ("GET", "/v1/analytics/users/{user_id}/preferences", "get_user_preferences"),
        ("POST", "/v1/analytics/rebuild", "post_rebuild"),
    ),
    "assortment": (
        ("PUT", "/v1/catalog/{kind}/{item_id}", "put_catalog_item"),
        ("GET", "/v1/catalog/{kind}", "list_catalog_items"),
        ("GET", "/v1/catalog/{kind}/{item_id}", "get_catalog_item"),
        ("GET", "/v1/catalog-templates/{kind}", "list_catalog_templates"),
        ("POST", "/v1/catalog-templates/{kind}/install", "install_catalog_templates"),
        ("PUT", "/v1/customers/{customer_id}", "put_customer"),
        ("GET", "/v1/customers/{customer_id}", "get_customer"),
        ("DELETE", "/v1/users/{user_id}/data", "erase_user_data"),
        ("GET", "/v1/audit", "list_audit"),
    ),
    "catalog": (
        ("PUT", "/v1/models/{model_id}", "put_model"),
        ("GET", "/v1/models", "list_models"),
        ("GET", "/v1/models/{model_id}", "get_model"),
        ("DELETE", "/v1/models/{model_id}", "delete_model"),
        ("PUT", "/v1/tasks/{category_key}", "put_task_category"),
        ("GET", "/v1/tasks", "list_task_categories"),
        ("PUT", "/v1/tasks/{category_key}/models/{model_id}", "put_mapping"),
        ("GET", "/v1/tasks/{category_key}/models", "list_mappings"),
        ("POST", "/v1/route", "post_route"),
    ),
    "console": (
        ("GET", "/console", "get_console"),
        ("GET", "/console/{asset}", "get_console_asset"),
        ("GET", "/console/screens/{screen}", "get_console_screen"),
    ),
    "context": (
        ("PUT", "/v1/contexts/{user_id}/{store_id}", "put_context"),
        ("GET", "/v1/contexts", "list_contexts"),
        ("GET", "/v1/contexts/{user_id}/{store_id}", "get_context"),
        ("POST", "/v1/contexts/{user_id}/{store_id}/conversations", "add_conversation"),
        ("POST", "/v1/contexts/{user_id}/{store_id}/optimizations", "add_optimization"),
        ("POST", "/v1/contexts/{user_id}/{store_id}/prompt", "contextual_prompt"),
        ("POST", "/v1/patterns", "create_pattern"),
        ("GET", "/v1/patterns", "list_patterns"),
        ("POST", "/v1/patterns/match", "match_patterns"),
        ("GET", "/v1/patterns/{pattern_id}", "get_pattern"),
        ("POST", "/v1/patterns/{pattern_id}/outcome", "pattern_outcome"),
    ),
    "dashboard": (
        ("GET", "/dashboard", "get_dashboard"),
        ("GET", "/dashboard/{asset}", "get_dashboard_asset"),
    ),
    "designs": (
        ("POST", "/v1/designs", "post_design"),
        ("GET", "/v1/designs", "list_designs"),
        ("GET", "/v1/designs/ranked", "ranked_designs"),
        ("GET", "/v1/designs/{design_id}/thumbnail", "design_thumbnail"),
        ("GET", "/v1/designs/{design_id}", "get_design"),
        ("PATCH", "/v1/designs/{design_id}", "patch_design"),
        ("POST", "/v1/designs/{design_id}/feedback", "rate_design"),
    ),
    "experiments": (
        ("POST", "/v1/experiments", "create_experiment"),
        ("GET", "/v1/experiments", "list_experiments"),
        ("GET", "/v1/experiments/{experiment_id}", "get_experiment"),
        ("PATCH", "/v1/experiments/{experiment_id}", "patch_experiment"),
        ("POST", "/v1/experiments/{experiment_id}/variants", "add_variant"),
        ("POST", "/v1/experiments/{experiment_id}/assign", "assign"),
        ("GET", "/v1/experiments/{experiment_id}/results", "get_results"),
        ("POST", "/v1/experiments/{experiment_id}/optimize", "optimize"),
        ("GET", "/v1/experiments/{experiment_id}/history", "weight_history"),
    ),
    "generation": (
        ("POST", "/v1/generations", "post_generation"),
    ),
    "governance": (
        ("POST", "/v1/governance/policies", "create_governance_policy"),
        ("GET", "/v1/governance/policies", "list_governance_policies"),
        ("GET", "/v1/governance/policies/{policy_id}", "get_governance_policy"),
        ("PATCH", "/v1/governance/policies/{policy_id}", "patch_governance_policy"),
        ("GET", "/v1/governance/violations", "list_governance_violations"),
        ("GET", "/v1/governance/violations/{violation_id}", "get_governance_violation"),
        ("PATCH", "/v1/governance/violations/{violation_id}", "patch_governance_violation"),
    ),
    "health": (
        ("GET", "/health", "get_health"),
        ("GET", "/openapi.json", "get_openapi"),
    ),
    "learning": (
        ("POST", "/v1/registry/predictions/{prediction_id}/feedback", "give_prediction_feedback"),
        ("GET", "/v1/registry/predictions/{prediction_id}/feedback", "list_prediction_feedback"),
        ("GET", "/v1/registry/predictions/{prediction_id}/feedback/{feedback_id}", "get_prediction_feedback"),
        ("POST", "/v1/registry/predictions/{prediction_id}/feedback/{feedback_id}/process", "process_prediction_feedback"),
        ("GET", "/v1/registry/models/{name}/{version}/feedback", "list_model_feedback"),
        ("GET", "/v1/registry/models/{name}/{version}/feedback-quality", "get_model_feedback_quality"),
        ("PUT", "/v1/registry/deployments/{deployment_id}/challenger", "set_deployment_challenger"),
        ("GET", "/v1/registry/deployments/{deployment_id}/challenger", "get_deployment_challenger"),
        ("POST", "/v1/registry/deployments/{deployment_id}/challenger/assign", "assign_deployment_version"),
        ("POST", "/v1/registry/deployments/{deployment_id}/challenger/decision", "decide_deployment_challenger"),
        ("GET", "/v1/registry/deployments/{deployment_id}/health", "get_deployment_health"),
        ("GET", "/v1/registry/actions", "list_registry_actions"),
        ("GET", "/v1/registry/companies/{company_id}/performance", "get_company_performance"),
    ),
    "platform": (
        ("GET", "/v1/platform/settings", "get_platform_settings"),
        ("PUT", "/v1/platform/settings", "put_platform_settings"),
        ("GET", "/v1/tenants/{tenant_id}/status", "get_tenant_status"),
        ("POST", "/v1/tenants/{tenant_id}/suspend", "suspend_tenant"),
        ("POST", "/v1/tenants/{tenant_id}/resume", "resume_tenant"),
        ("POST", "/v1/tenants/{tenant_id}/recovery-key", "create_recovery_key"),
    ),
    "prompts": (
        ("PUT", "/v1/prompts/{name}", "put_prompt"),
        ("GET", "/v1/prompts", "list_prompts"),
        ("GET", "/v1/prompts/{name}", "get_prompt"),
        ("POST", "/v1/prompts/{name}/render", "render_prompt"),
    ),
    "registry": (
        ("POST", "/v1/registry/models", "register_model"),
        ("GET", "/v1/registry/models", "list_registry_models"),
        ("GET", "/v1/registry/models/{name}/{version}", "get_registry_model"),
        ("PATCH", "/v1/registry/models/{name}/{version}", "patch_registry_model"),
        ("POST", "/v1/registry/models/{name}/{version}/runs", "start_training_run"),
        ("GET", "/v1/registry/models/{name}/{version}/runs", "list_training_runs"),
        ("GET", "/v1/registry/runs/{run_id}", "get_training_run"),
        ("PATCH", "/v1/registry/runs/{run_id}", "patch_training_run"),
        ("POST", "/v1/registry/models/{name}/{version}/predictions", "record_model_prediction"),
        ("GET", "/v1/registry/predictions/{prediction_id}", "get_model_prediction"),
        ("PATCH", "/v1/registry/predictions/{prediction_id}", "record_model_ground_truth"),
        ("GET", "/v1/registry/models/{name}/{version}/performance", "get_model_performance"),
        ("PUT", "/v1/registry/models/{name}/{version}/feature-importance", "put_feature_importance"),
        ("GET", "/v1/registry/models/{name}/{version}/feature-importance", "list_feature_importance"),
        ("POST", "/v1/registry/models/{name}/{version}/baseline", "set_drift_baseline"),
        ("GET", "/v1/registry/models/{name}/{version}/drift", "get_model_drift"),
    ),
    "registry_operations": (
        ("POST", "/v1/registry/experiments", "create_registry_experiment"),
        ("GET", "/v1/registry/experiments", "list_registry_experiments"),
        ("PATCH", "/v1/registry/experiments/{experiment_name}", "patch_registry_experiment"),
        ("POST", "/v1/registry/pipelines", "create_data_pipeline"),
        ("GET", "/v1/registry/pipelines", "list_data_pipelines"),
        ("PATCH", "/v1/registry/pipelines/{name}", "patch_data_pipeline"),
        ("POST", "/v1/registry/pipelines/{name}/runs", "run_data_pipeline"),
        ("GET", "/v1/registry/pipelines/{name}/runs", "list_data_pipeline_runs"),
        ("GET", "/v1/registry/data-quality", "list_data_quality"),
        ("POST", "/v1/registry/deployments", "deploy_model"),
        ("GET", "/v1/registry/deployments", "list_model_deployments"),
        ("GET", "/v1/registry/deployments/{deployment_id}", "get_model_deployment"),
        ("PATCH", "/v1/registry/deployments/{deployment_id}", "rollback_deployment"),
    ),
    "scheduler": (
        ("GET", "/v1/scheduler/tasks", "list_tasks"),
        ("PUT", "/v1/scheduler/tasks/{name}", "put_task"),
        ("POST", "/v1/scheduler/tasks/{name}/run", "run_task"),
    ),
    "sdk_compat": (
        ("POST", "/openai/v1/chat/completions", "openai_chat_completions"),
        ("POST", "/openai/v1/images/generations", "openai_image_generations"),
        ("GET", "/openai/v1/models", "openai_models"),
        ("POST", "/openai/v1/feedback", "openai_feedback"),
    ),
    "sessions": (
        ("POST", "/v1/sessions", "create_session"),
        ("GET", "/v1/sessions", "list_sessions"),
        ("GET", "/v1/sessions/{session_id}", "get_session"),
        ("PATCH", "/v1/sessions/{session_id}", "patch_session"),
        ("POST", "/v1/sessions/{session_id}/feedback", "post_feedback"),
    ),
    "tenants": (
        ("POST", "/v1/tenants", "create_tenant"),
        ("GET", "/v1/tenants/me", "get_my_tenant"),
        ("GET", "/v1/me", "get_me"),
        ("PUT", "/v1/tenants/me/limits", "put_limits"),
        ("GET", "/v1/tenants/me/limits", "get_limits"),
        ("POST", "/v1/api-keys", "create_api_key"),
        ("GET", "/v1/api-keys", "list_api_keys"),
        ("DELETE", "/v1/api-keys/{key_id}", "revoke_api_key"),
    ),
    "training": (
        ("GET", "/v1/training/examples", "list_training_examples"),
        ("GET", "/v1/training/examples/{example_id}", "get_training_example"),
        ("PATCH", "/v1/training/examples/{example_id}", "patch_training_example"),
        ("POST", "/v1/training/datasets", "create_training_dataset"),
        ("GET", "/v1/training/datasets", "list_training_datasets"),
        ("GET", "/v1/training/datasets/{dataset_id}", "get_training_dataset"),
        ("GET", "/v1/training/datasets/{dataset_id}/download", "download_training_dataset"),
        ("POST", "/v1/training/jobs", "create_training_job"),
        ("GET", "/v1/training/jobs", "list_training_jobs"),
        ("GET", "/v1/training/jobs/{job_id}", "get_training_job"),
        ("POST", "/v1/training/jobs/{job_id}/cancel", "cancel_training_job"),
        ("POST", "/v1/training/jobs/{job_id}/experiment", "start_training_job_experiment"),
        ("POST", "/v1/retrain", "retrain_models"),
    ),
    "webhooks": (
        ("POST", "/v1/webhooks/endpoints", "create_webhook_endpoint"),
        ("GET", "/v1/webhooks/endpoints", "list_webhook_endpoints"),
        ("GET", "/v1/webhooks/endpoints/{endpoint_id}", "get_webhook_endpoint"),
        ("PATCH", "/v1/webhooks/endpoints/{endpoint_id}", "patch_webhook_endpoint"),
        ("DELETE", "/v1/webhooks/endpoints/{endpoint_id}", "delete_webhook_endpoint"),
        ("POST", "/v1/webhooks/endpoints/{endpoint_id}/rotate-secret", "rotate_webhook_secret"),
        ("GET", "/v1/webhooks/endpoints/{endpoint_id}/deliveries", "list_webhook_deliveries"),
        ("GET", "/v1/webhooks/deliveries/{delivery_id}", "get_webhook_delivery"),
        ("POST", "/v1/webhooks/deliveries/{delivery_id}/redeliver", "redeliver_webhook"),
    ),
}
# fmt: on


def register(app: Chalice) -> None:
    """The middleware and every operation's route on `app`, each importing what it serves on its first call."""
    app.register_middleware(_middleware, "http")
    for family, operations in OPERATIONS.items():
        for method, path, name in operations:
            app.route(path, methods=[method], name=name)(_view(family, name))


def load(family: str) -> ModuleType:
    """The family's module (`chalicelib/api/<family>.py`), imported once: its `route()` declarations are known after."""
    return importlib.import_module(f"{__package__}.{family}")


def load_all() -> None:
    for family in OPERATIONS:
        load(family)


def order() -> dict[str, int]:
    """Each operation id's place in the table: the OpenAPI document lists the operations in this order."""
    names = (name for operations in OPERATIONS.values() for _, _, name in operations)
    return {name: index for index, name in enumerate(names)}


def _view(family: str, name: str) -> Callable[..., Response]:
    def view(**params: str) -> Response:
        load(family)
        return _http().serve_operation(name, params)

    view.__name__ = name
    return view


@cache
def _http() -> ModuleType:
    from . import http  # deferred: cold start - the request-serving machinery imports auth, storage and pydantic

    return http


def _middleware(request: Any, get_response: Callable[[Any], Response]) -> Response:
    from .middleware import http_middleware  # deferred: cold start - the middleware imports logging and errors

    return http_middleware(request, get_response)
