"""Webhook endpoints, secret rotation, the delivery log and redelivery."""

from __future__ import annotations

from chalice import Blueprint

from ..core.schemas import ListQuery, Page
from ..tenancy.schemas import Role
from ..webhooks import delivery, endpoints
from ..webhooks.schemas import Delivery, DeliveryQuery, Endpoint, EndpointCreate, EndpointPatch, SecretRotation
from .http import Call, route

webhooks = Blueprint(__name__)
TAG = "webhooks"


@route(
    webhooks,
    "POST",
    "/v1/webhooks/endpoints",
    role=Role.ADMIN,
    body=EndpointCreate,
    status=201,
    response=Endpoint,
    summary="Add a webhook endpoint; the answer holds its signing secret, shown only here",
    tag=TAG,
    statuses=(409,),
    secrets=("secret",),
)
def create_webhook_endpoint(call: Call[EndpointCreate, None]) -> Endpoint:
    return endpoints.create_endpoint(call.tenant, call.body)


@route(
    webhooks,
    "GET",
    "/v1/webhooks/endpoints",
    role=Role.ADMIN,
    query=ListQuery,
    response=Page[Endpoint],
    summary="Webhook endpoints (without secrets)",
    tag=TAG,
)
def list_webhook_endpoints(call: Call[None, ListQuery]) -> Page[Endpoint]:
    return endpoints.list_endpoints(call.tenant, call.query)


@route(
    webhooks,
    "GET",
    "/v1/webhooks/endpoints/{endpoint_id}",
    role=Role.ADMIN,
    response=Endpoint,
    summary="A webhook endpoint (without its secret)",
    tag=TAG,
    statuses=(404,),
)
def get_webhook_endpoint(call: Call[None, None]) -> Endpoint:
    return endpoints.get_endpoint(call.tenant, call.params["endpoint_id"])


@route(
    webhooks,
    "PATCH",
    "/v1/webhooks/endpoints/{endpoint_id}",
    role=Role.ADMIN,
    body=EndpointPatch,
    response=Endpoint,
    summary="Change an endpoint's URL or event types; enable or disable it",
    tag=TAG,
    statuses=(404,),
)
def patch_webhook_endpoint(call: Call[EndpointPatch, None]) -> Endpoint:
    return endpoints.patch_endpoint(call.tenant, call.params["endpoint_id"], call.body)


@route(
    webhooks,
    "DELETE",
    "/v1/webhooks/endpoints/{endpoint_id}",
    role=Role.ADMIN,
    status=204,
    summary="Delete a webhook endpoint (its pending deliveries fail)",
    tag=TAG,
    statuses=(404,),
)
def delete_webhook_endpoint(call: Call[None, None]) -> None:
    endpoints.delete_endpoint(call.tenant, call.params["endpoint_id"])


@route(
    webhooks,
    "POST",
    "/v1/webhooks/endpoints/{endpoint_id}/rotate-secret",
    role=Role.ADMIN,
    body=SecretRotation,
    response=Endpoint,
    summary="A new signing secret, shown only here; the previous one keeps signing for overlap_hours",
    tag=TAG,
    statuses=(404,),
    secrets=("secret",),
)
def rotate_webhook_secret(call: Call[SecretRotation, None]) -> Endpoint:
    return endpoints.rotate_secret(call.tenant, call.params["endpoint_id"], call.body)


@route(
    webhooks,
    "GET",
    "/v1/webhooks/endpoints/{endpoint_id}/deliveries",
    role=Role.ADMIN,
    query=DeliveryQuery,
    response=Page[Delivery],
    summary="The endpoint's delivery log, newest first: each attempt with its status code",
    tag=TAG,
    statuses=(404,),
)
def list_webhook_deliveries(call: Call[None, DeliveryQuery]) -> Page[Delivery]:
    return delivery.list_deliveries(call.tenant, call.params["endpoint_id"], call.query)


@route(
    webhooks,
    "GET",
    "/v1/webhooks/deliveries/{delivery_id}",
    role=Role.ADMIN,
    response=Delivery,
    summary="A delivery with its attempts",
    tag=TAG,
    statuses=(404,),
)
def get_webhook_delivery(call: Call[None, None]) -> Delivery:
    return delivery.get_delivery(call.tenant, call.params["delivery_id"])


@route(
    webhooks,
    "POST",
    "/v1/webhooks/deliveries/{delivery_id}/redeliver",
    role=Role.ADMIN,
    status=201,
    response=Delivery,
    summary="Send the delivery's event again, as a new delivery due now (same event id)",
    tag=TAG,
    statuses=(404, 409),
)
def redeliver_webhook(call: Call[None, None]) -> Delivery:
    return delivery.redeliver(call.tenant, call.params["delivery_id"])
