"""The model catalog, task categories, model-task mappings and routing."""

from __future__ import annotations

from chalice import Blueprint

from ..catalog import service
from ..catalog.schemas import Mapping, MappingPut, Model, ModelPut, ModelQuery, TaskCategory, TaskPut
from ..core.schemas import ListQuery, Page
from ..routing import service as routing
from ..routing.schemas import RouteAnswer, RouteBody
from ..tenancy.schemas import Role
from .http import Call, Reply, route

catalog = Blueprint(__name__)


@route(
    catalog,
    "PUT",
    "/v1/models/{model_id}",
    role=Role.ADMIN,
    body=ModelPut,
    response=Model,
    summary="Add or replace a model of the catalog",
    tag="catalog",
    statuses=(201,),
)
def put_model(call: Call[ModelPut, None]) -> Reply:
    model, created = service.put_model(call.tenant, call.params["model_id"], call.body)
    return Reply(model, 201 if created else 200)


@route(
    catalog,
    "GET",
    "/v1/models",
    role=Role.READ,
    query=ModelQuery,
    response=Page[Model],
    summary="The catalog's models",
    tag="catalog",
)
def list_models(call: Call[None, ModelQuery]) -> Page[Model]:
    return service.list_models(call.tenant, call.query)


@route(
    catalog, "GET", "/v1/models/{model_id}", role=Role.READ, response=Model, summary="One model", tag="catalog", statuses=(404,)
)
def get_model(call: Call[None, None]) -> Model:
    return service.get_model(call.tenant, call.params["model_id"])


@route(
    catalog,
    "DELETE",
    "/v1/models/{model_id}",
    role=Role.ADMIN,
    status=204,
    summary="Deprecate a model: routing never selects it again",
    tag="catalog",
    statuses=(404,),
)
def delete_model(call: Call[None, None]) -> None:
    service.deprecate_model(call.tenant, call.params["model_id"])


@route(
    catalog,
    "PUT",
    "/v1/tasks/{category_key}",
    role=Role.ADMIN,
    body=TaskPut,
    response=TaskCategory,
    summary="Add or replace a task category",
    tag="catalog",
    statuses=(201,),
)
def put_task_category(call: Call[TaskPut, None]) -> Reply:
    task, created = service.put_task(call.tenant, call.params["category_key"], call.body)
    return Reply(task, 201 if created else 200)


@route(
    catalog,
    "GET",
    "/v1/tasks",
    role=Role.READ,
    query=ListQuery,
    response=Page[TaskCategory],
    summary="The task categories",
    tag="catalog",
)
def list_task_categories(call: Call[None, ListQuery]) -> Page[TaskCategory]:
    return service.list_tasks(call.tenant, call.query)


@route(
    catalog,
    "PUT",
    "/v1/tasks/{category_key}/models/{model_id}",
    role=Role.ADMIN,
    body=MappingPut,
    response=Mapping,
    summary="How suitable a model is for a task, with its live stats",
    tag="catalog",
    statuses=(201, 404),
)
def put_mapping(call: Call[MappingPut, None]) -> Reply:
    mapping, created = service.put_mapping(call.tenant, call.params["category_key"], call.params["model_id"], call.body)
    return Reply(mapping, 201 if created else 200)


@route(
    catalog,
    "GET",
    "/v1/tasks/{category_key}/models",
    role=Role.READ,
    query=ListQuery,
    response=Page[Mapping],
    summary="The task's model mappings with their live stats",
    tag="catalog",
    statuses=(404,),
)
def list_mappings(call: Call[None, ListQuery]) -> Page[Mapping]:
    return service.list_mappings(call.tenant, call.params["category_key"], call.query)


@route(
    catalog,
    "POST",
    "/v1/route",
    role=Role.APP,
    body=RouteBody,
    response=RouteAnswer,
    summary="The model that serves this task best for its cost, and why",
    tag="routing",
)
def post_route(call: Call[RouteBody, None]) -> RouteAnswer:
    return routing.route(call.tenant, call.body, call.caller.limits if call.caller else None)
