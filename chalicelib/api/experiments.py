"""Experiments: A/B tests of prompt and model variants, sticky assignment, results, the optimiser."""

from __future__ import annotations

from chalice import Blueprint

from ..core.schemas import ListQuery, Page
from ..experiments import assignment, optimization, results, service
from ..experiments.schemas import (
    AssignedVariant,
    AssignRequest,
    Experiment,
    ExperimentCreate,
    ExperimentListQuery,
    ExperimentPatch,
    Results,
    Variant,
    VariantCreate,
    WeightChange,
    WeightOptimization,
)
from ..tenancy.schemas import Role
from .http import Call, route

experiments = Blueprint(__name__)
TAG = "experiments"


@route(
    experiments,
    "POST",
    "/v1/experiments",
    role=Role.ADMIN,
    body=ExperimentCreate,
    status=201,
    response=Experiment,
    summary="Start an experiment with its variants",
    tag=TAG,
)
def create_experiment(call: Call[ExperimentCreate, None]) -> Experiment:
    return service.create_experiment(call.tenant, call.body)


@route(
    experiments,
    "GET",
    "/v1/experiments",
    role=Role.READ,
    query=ExperimentListQuery,
    response=Page[Experiment],
    summary="Experiments, newest first",
    tag=TAG,
)
def list_experiments(call: Call[None, ExperimentListQuery]) -> Page[Experiment]:
    return service.list_experiments(call.tenant, call.query)


@route(
    experiments,
    "GET",
    "/v1/experiments/{experiment_id}",
    role=Role.READ,
    response=Experiment,
    summary="An experiment with its variants' weights and traffic shares",
    tag=TAG,
    statuses=(404,),
)
def get_experiment(call: Call[None, None]) -> Experiment:
    return service.get_experiment(call.tenant, call.params["experiment_id"])


@route(
    experiments,
    "PATCH",
    "/v1/experiments/{experiment_id}",
    role=Role.ADMIN,
    body=ExperimentPatch,
    response=Experiment,
    summary="Pause, resume or stop (with a winner), or change variants' weights",
    tag=TAG,
    statuses=(404, 409),
)
def patch_experiment(call: Call[ExperimentPatch, None]) -> Experiment:
    return service.patch_experiment(call.tenant, call.params["experiment_id"], call.body)


@route(
    experiments,
    "POST",
    "/v1/experiments/{experiment_id}/variants",
    role=Role.ADMIN,
    body=VariantCreate,
    status=201,
    response=Variant,
    summary="Add a variant",
    tag=TAG,
    statuses=(404, 409),
)
def add_variant(call: Call[VariantCreate, None]) -> Variant:
    return service.add_variant(call.tenant, call.params["experiment_id"], call.body)


@route(
    experiments,
    "POST",
    "/v1/experiments/{experiment_id}/assign",
    role=Role.APP,
    body=AssignRequest,
    response=AssignedVariant,
    summary="The user's variant (sticky: the first assignment is kept)",
    tag=TAG,
    statuses=(404,),
)
def assign(call: Call[AssignRequest, None]) -> AssignedVariant:
    return assignment.assign(call.tenant, call.params["experiment_id"], call.body.user_id, call.body.context)


@route(
    experiments,
    "GET",
    "/v1/experiments/{experiment_id}/results",
    role=Role.READ,
    response=Results,
    summary="Per-variant figures, comparisons with the control, the SRM check",
    tag=TAG,
    statuses=(404,),
)
def get_results(call: Call[None, None]) -> Results:
    return results.get_results(call.tenant, call.params["experiment_id"])


@route(
    experiments,
    "POST",
    "/v1/experiments/{experiment_id}/optimize",
    role=Role.ADMIN,
    response=WeightOptimization,
    summary="Set the weights to the arms' Thompson probabilities now",
    tag=TAG,
    statuses=(404, 409),
)
def optimize(call: Call[None, None]) -> WeightOptimization:
    return optimization.optimize(call.tenant, call.params["experiment_id"], trigger="api")


@route(
    experiments,
    "GET",
    "/v1/experiments/{experiment_id}/history",
    role=Role.READ,
    query=ListQuery,
    response=Page[WeightChange],
    summary="Every change of weights, newest first, with its inputs",
    tag=TAG,
    statuses=(404,),
)
def weight_history(call: Call[None, ListQuery]) -> Page[WeightChange]:
    return service.weight_history(call.tenant, call.params["experiment_id"], call.query.limit, call.query.cursor)
