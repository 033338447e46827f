"""The registry's operations side: ML experiments and deployments with rollback (`chalicelib/registry/`), data
pipelines and data quality (`chalicelib/pipelines/`)."""

from __future__ import annotations

from chalice import Blueprint

from ..companies.schemas import CompanyListQuery
from ..core.schemas import ListQuery, Page
from ..pipelines import definitions, quality
from ..pipelines import runs as pipeline_runs
from ..pipelines.schemas import (
    DataQuality,
    DataQualityQuery,
    Pipeline,
    PipelineCreate,
    PipelinePatch,
    PipelineRun,
    PipelineRunCreate,
)
from ..registry import deployments, experiments
from ..registry.schemas import (
    DeploymentCreate,
    DeploymentListQuery,
    DeploymentPatch,
    MlDeployment,
    MlExperiment,
    MlExperimentCreate,
    MlExperimentPatch,
)
from ..tenancy.schemas import Role
from .http import Call, route

registry_operations = Blueprint(__name__)
TAG = "registry"


# --- experiments -----------------------------------------------------------------------------------------


@route(
    registry_operations,
    "POST",
    "/v1/registry/experiments",
    role=Role.ADMIN,
    body=MlExperimentCreate,
    status=201,
    response=MlExperiment,
    summary="Record an ML experiment",
    tag=TAG,
    statuses=(409,),
)
def create_registry_experiment(call: Call[MlExperimentCreate, None]) -> MlExperiment:
    return experiments.create_experiment(call.tenant, call.body)


@route(
    registry_operations,
    "GET",
    "/v1/registry/experiments",
    role=Role.READ,
    query=CompanyListQuery,
    response=Page[MlExperiment],
    summary="ML experiments by name",
    tag=TAG,
)
def list_registry_experiments(call: Call[None, CompanyListQuery]) -> Page[MlExperiment]:
    return experiments.list_experiments(call.tenant, call.query)


@route(
    registry_operations,
    "PATCH",
    "/v1/registry/experiments/{experiment_name}",
    role=Role.ADMIN,
    body=MlExperimentPatch,
    response=MlExperiment,
    summary="Record results or move an ML experiment's status",
    tag=TAG,
    statuses=(404, 409),
)
def patch_registry_experiment(call: Call[MlExperimentPatch, None]) -> MlExperiment:
    return experiments.patch_experiment(call.tenant, call.params["experiment_name"], call.body)


# --- pipelines and data quality ----------------------------------------------------------------------------


@route(
    registry_operations,
    "POST",
    "/v1/registry/pipelines",
    role=Role.ADMIN,
    body=PipelineCreate,
    status=201,
    response=Pipeline,
    summary="Define a data pipeline over the tenant's own data",
    tag=TAG,
    statuses=(409,),
)
def create_data_pipeline(call: Call[PipelineCreate, None]) -> Pipeline:
    return definitions.create_pipeline(call.tenant, call.body)


@route(
    registry_operations,
    "GET",
    "/v1/registry/pipelines",
    role=Role.READ,
    query=CompanyListQuery,
    response=Page[Pipeline],
    summary="Data pipelines by name",
    tag=TAG,
)
def list_data_pipelines(call: Call[None, CompanyListQuery]) -> Page[Pipeline]:
    return definitions.list_pipelines(call.tenant, call.query)


@route(
    registry_operations,
    "PATCH",
    "/v1/registry/pipelines/{name}",
    role=Role.ADMIN,
    body=PipelinePatch,
    response=Pipeline,
    summary="Pause or resume a pipeline",
    tag=TAG,
    statuses=(404, 409),
)
def patch_data_pipeline(call: Call[PipelinePatch, None]) -> Pipeline:
    return definitions.patch_pipeline(call.tenant, call.params["name"], call.body)


@route(
    registry_operations,
    "POST",
    "/v1/registry/pipelines/{name}/runs",
    role=Role.ADMIN,
    body=PipelineRunCreate,
    status=201,
    response=PipelineRun,
    summary="Run a pipeline now",
    tag=TAG,
    statuses=(404, 409),
)
def run_data_pipeline(call: Call[PipelineRunCreate, None]) -> PipelineRun:
    return pipeline_runs.run_pipeline(call.tenant, call.params["name"])


@route(
    registry_operations,
    "GET",
    "/v1/registry/pipelines/{name}/runs",
    role=Role.READ,
    query=ListQuery,
    response=Page[PipelineRun],
    summary="A pipeline's runs, newest first",
    tag=TAG,
    statuses=(404, 409),  # 409: a name several companies use
)
def list_data_pipeline_runs(call: Call[None, ListQuery]) -> Page[PipelineRun]:
    return pipeline_runs.list_runs(call.tenant, call.params["name"], call.query)


@route(
    registry_operations,
    "GET",
    "/v1/registry/data-quality",
    role=Role.READ,
    query=DataQualityQuery,
    response=Page[DataQuality],
    summary="The latest data-quality figures, by table",
    tag=TAG,
)
def list_data_quality(call: Call[None, DataQualityQuery]) -> Page[DataQuality]:
    return quality.list_quality(call.tenant, call.query)


# --- deployments -----------------------------------------------------------------------------------------


@route(
    registry_operations,
    "POST",
    "/v1/registry/deployments",
    role=Role.ADMIN,
    body=DeploymentCreate,
    status=201,
    response=MlDeployment,
    summary="Deploy a version to an environment (the active one is superseded)",
    tag=TAG,
    statuses=(404, 409),
)
def deploy_model(call: Call[DeploymentCreate, None]) -> MlDeployment:
    return deployments.deploy(call.tenant, call.body)


@route(
    registry_operations,
    "GET",
    "/v1/registry/deployments",
    role=Role.READ,
    query=DeploymentListQuery,
    response=Page[MlDeployment],
    summary="Deployments, newest first, by model and environment",
    tag=TAG,
)
def list_model_deployments(call: Call[None, DeploymentListQuery]) -> Page[MlDeployment]:
    return deployments.list_deployments(call.tenant, call.query)


@route(
    registry_operations,
    "GET",
    "/v1/registry/deployments/{deployment_id}",
    role=Role.READ,
    response=MlDeployment,
    summary="A deployment",
    tag=TAG,
    statuses=(404,),
)
def get_model_deployment(call: Call[None, None]) -> MlDeployment:
    return deployments.get_deployment(call.tenant, call.params["deployment_id"])


@route(
    registry_operations,
    "PATCH",
    "/v1/registry/deployments/{deployment_id}",
    role=Role.ADMIN,
    body=DeploymentPatch,
    response=MlDeployment,
    summary="Roll back: the previous deployment is active again",
    tag=TAG,
    statuses=(404, 409),
)
def rollback_deployment(call: Call[DeploymentPatch, None]) -> MlDeployment:
    return deployments.patch_deployment(call.tenant, call.params["deployment_id"], call.body)
