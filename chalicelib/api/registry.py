"""The ML model registry's routes (model versions, training runs, importance: `chalicelib/registry/`) and monitoring's
(predictions and ground truth, performance, baselines, drift: `chalicelib/monitoring/`)."""

from __future__ import annotations

from chalice import Blueprint

from ..core.schemas import ListQuery, Page
from ..monitoring import baselines, detection, performance, predictions
from ..monitoring.schemas import (
    Baseline,
    BaselineCreate,
    DriftReport,
    GroundTruth,
    PerformanceQuery,
    PerformanceReport,
    Prediction,
    PredictionCreate,
    PredictionCreated,
)
from ..registry import importance, models, runs
from ..registry.schemas import (
    FeatureImportance,
    FeatureImportanceSet,
    MlModel,
    ModelCreate,
    ModelListQuery,
    ModelPatch,
    RunCreate,
    RunPatch,
    TrainingRun,
    TrainingRunDetail,
)
from ..tenancy.schemas import Role
from .http import Call, route

registry = Blueprint(__name__)
VERSION = "/v1/registry/models/{name}/{version}"
TAG = "registry"


# --- model versions ------------------------------------------------------------------------------------


@route(
    registry,
    "POST",
    "/v1/registry/models",
    role=Role.ADMIN,
    body=ModelCreate,
    status=201,
    response=MlModel,
    summary="Register a model version (status training)",
    tag=TAG,
    statuses=(409,),
)
def register_model(call: Call[ModelCreate, None]) -> MlModel:
    return models.register_model(call.tenant, call.body)


@route(
    registry,
    "GET",
    "/v1/registry/models",
    role=Role.READ,
    query=ModelListQuery,
    response=Page[MlModel],
    summary="Model versions, newest first, by name and status",
    tag=TAG,
)
def list_registry_models(call: Call[None, ModelListQuery]) -> Page[MlModel]:
    return models.list_models(call.tenant, call.query)


@route(
    registry,
    "GET",
    VERSION,
    role=Role.READ,
    response=MlModel,
    summary="A model version",
    tag=TAG,
    statuses=(404, 409),  # 409: a name several companies use
)
def get_registry_model(call: Call[None, None]) -> MlModel:
    return models.get_model(call.tenant, call.params["name"], call.params["version"])


@route(
    registry,
    "PATCH",
    VERSION,
    role=Role.ADMIN,
    body=ModelPatch,
    response=MlModel,
    summary="Record metrics or move the status (an illegal move is 409)",
    tag=TAG,
    statuses=(404, 409),
)
def patch_registry_model(call: Call[ModelPatch, None]) -> MlModel:
    return models.patch_model(call.tenant, call.params["name"], call.params["version"], call.body)


# --- training runs ---------------------------------------------------------------------------------------


@route(
    registry,
    "POST",
    f"{VERSION}/runs",
    role=Role.ADMIN,
    body=RunCreate,
    status=201,
    response=TrainingRunDetail,
    summary="Start a training run (the version moves to training)",
    tag=TAG,
    statuses=(404, 409),
)
def start_training_run(call: Call[RunCreate, None]) -> TrainingRunDetail:
    return runs.start_run(call.tenant, call.params["name"], call.params["version"], call.body)


@route(
    registry,
    "GET",
    f"{VERSION}/runs",
    role=Role.READ,
    query=ListQuery,
    response=Page[TrainingRun],
    summary="A version's training runs, newest first",
    tag=TAG,
    statuses=(404, 409),  # 409: a name several companies use
)
def list_training_runs(call: Call[None, ListQuery]) -> Page[TrainingRun]:
    return runs.list_runs(call.tenant, call.params["name"], call.params["version"], call.query)


@route(
    registry,
    "GET",
    "/v1/registry/runs/{run_id}",
    role=Role.READ,
    response=TrainingRunDetail,
    summary="A training run with its metric points over time",
    tag=TAG,
    statuses=(404,),
)
def get_training_run(call: Call[None, None]) -> TrainingRunDetail:
    return runs.get_run(call.tenant, call.params["run_id"])


@route(
    registry,
    "PATCH",
    "/v1/registry/runs/{run_id}",
    role=Role.ADMIN,
    body=RunPatch,
    response=TrainingRunDetail,
    summary="Record a run's metrics, logs or end",
    tag=TAG,
    statuses=(404, 409),
)
def patch_training_run(call: Call[RunPatch, None]) -> TrainingRunDetail:
    return runs.patch_run(call.tenant, call.params["run_id"], call.body)


# --- predictions and performance ---------------------------------------------------------------------------


@route(
    registry,
    "POST",
    f"{VERSION}/predictions",
    role=Role.APP,
    body=PredictionCreate,
    status=201,
    response=PredictionCreated,
    summary="Record a prediction",
    tag=TAG,
    statuses=(404, 409),
)
def record_model_prediction(call: Call[PredictionCreate, None]) -> PredictionCreated:
    return predictions.record_prediction(call.tenant, call.params["name"], call.params["version"], call.body)


@route(
    registry,
    "GET",
    "/v1/registry/predictions/{prediction_id}",
    role=Role.READ,
    response=Prediction,
    summary="A prediction with its ground truth",
    tag=TAG,
    statuses=(404,),
)
def get_model_prediction(call: Call[None, None]) -> Prediction:
    return predictions.get_prediction(call.tenant, call.params["prediction_id"])


@route(
    registry,
    "PATCH",
    "/v1/registry/predictions/{prediction_id}",
    role=Role.APP,
    body=GroundTruth,
    response=Prediction,
    summary="Record a prediction's ground truth (is_correct or error)",
    tag=TAG,
    statuses=(404,),
)
def record_model_ground_truth(call: Call[GroundTruth, None]) -> Prediction:
    return predictions.record_ground_truth(call.tenant, call.params["prediction_id"], call.body)


@route(
    registry,
    "GET",
    f"{VERSION}/performance",
    role=Role.READ,
    query=PerformanceQuery,
    response=PerformanceReport,
    summary="Metrics per window with their trend",
    tag=TAG,
    statuses=(404, 409),  # 409: a name several companies use
)
def get_model_performance(call: Call[None, PerformanceQuery]) -> PerformanceReport:
    return performance.performance(call.tenant, call.params["name"], call.params["version"], call.query)


@route(
    registry,
    "PUT",
    f"{VERSION}/feature-importance",
    role=Role.ADMIN,
    body=FeatureImportanceSet,
    response=FeatureImportance,
    summary="Set a method's feature importance (answered ranked)",
    tag=TAG,
    statuses=(404, 409),  # 409: a name several companies use
)
def put_feature_importance(call: Call[FeatureImportanceSet, None]) -> FeatureImportance:
    return importance.set_importance(call.tenant, call.params["name"], call.params["version"], call.body)


@route(
    registry,
    "GET",
    f"{VERSION}/feature-importance",
    role=Role.READ,
    query=ListQuery,
    response=Page[FeatureImportance],
    summary="Feature importance of every method, ranked",
    tag=TAG,
    statuses=(404, 409),  # 409: a name several companies use
)
def list_feature_importance(call: Call[None, ListQuery]) -> Page[FeatureImportance]:
    return importance.list_importance(call.tenant, call.params["name"], call.params["version"], call.query)


# --- drift -----------------------------------------------------------------------------------------------


@route(
    registry,
    "POST",
    f"{VERSION}/baseline",
    role=Role.ADMIN,
    body=BaselineCreate,
    status=201,
    response=Baseline,
    summary="Set the drift baseline (given samples or a window of predictions)",
    tag=TAG,
    statuses=(404, 409),
)
def set_drift_baseline(call: Call[BaselineCreate, None]) -> Baseline:
    return baselines.set_baseline(call.tenant, call.params["name"], call.params["version"], call.body)


@route(
    registry,
    "GET",
    f"{VERSION}/drift",
    role=Role.READ,
    query=ListQuery,
    response=Page[DriftReport],
    summary="The latest drift report of each feature and test",
    tag=TAG,
    statuses=(404, 409),  # 409: a name several companies use
)
def get_model_drift(call: Call[None, ListQuery]) -> Page[DriftReport]:
    return detection.latest(call.tenant, call.params["name"], call.params["version"], call.query)
