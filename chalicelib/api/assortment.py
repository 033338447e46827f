"""The tenant's own catalog (flowers, styles, ...), customers, the erasure of a user's data and the audit trail."""

from __future__ import annotations

from chalice import Blueprint

from ..assortment import service as items
from ..assortment.schemas import CatalogItem, CatalogItemPut, Installed
from ..audit import service as audit
from ..audit.schemas import AuditEntry, AuditQuery
from ..core.schemas import ListQuery, Page
from ..customers import service as customers
from ..customers.schemas import Customer, CustomerPut
from ..privacy import service as privacy
from ..privacy.schemas import ErasureReport
from ..tenancy.schemas import Role
from .http import Call, Reply, route

assortment = Blueprint(__name__)


@route(
    assortment,
    "PUT",
    "/v1/catalog/{kind}/{item_id}",
    role=Role.ADMIN,
    body=CatalogItemPut,
    response=CatalogItem,
    summary="Add or replace an item of the tenant's catalog",
    tag="domain catalog",
    statuses=(201,),
)
def put_catalog_item(call: Call[CatalogItemPut, None]) -> Reply:
    item, created = items.put_item(call.tenant, call.params["kind"], call.params["item_id"], call.body)
    return Reply(item, 201 if created else 200)


@route(
    assortment,
    "GET",
    "/v1/catalog/{kind}",
    role=Role.READ,
    query=ListQuery,
    response=Page[CatalogItem],
    summary="The items of a kind, most used first",
    tag="domain catalog",
)
def list_catalog_items(call: Call[None, ListQuery]) -> Page[CatalogItem]:
    return items.list_items(call.tenant, call.params["kind"], call.query)


@route(
    assortment,
    "GET",
    "/v1/catalog/{kind}/{item_id}",
    role=Role.READ,
    response=CatalogItem,
    summary="One item",
    tag="domain catalog",
    statuses=(404,),
)
def get_catalog_item(call: Call[None, None]) -> CatalogItem:
    return items.get_item(call.tenant, call.params["kind"], call.params["item_id"])


@route(
    assortment,
    "GET",
    "/v1/catalog-templates/{kind}",
    role=Role.READ,
    query=ListQuery,
    response=Page[CatalogItem],
    summary="Default items a tenant may install (the default style templates)",  # seed 000's style templates
    tag="domain catalog",
)
def list_catalog_templates(call: Call[None, ListQuery]) -> Page[CatalogItem]:
    return items.templates(call.tenant, call.params["kind"], call.query)


@route(
    assortment,
    "POST",
    "/v1/catalog-templates/{kind}/install",
    role=Role.ADMIN,
    response=Installed,
    summary="Install the default items of a kind (those the tenant lacks)",
    tag="domain catalog",
    statuses=(404,),
)
def install_catalog_templates(call: Call[None, None]) -> Installed:
    return items.install_templates(call.tenant, call.params["kind"])


@route(
    assortment,
    "PUT",
    "/v1/customers/{customer_id}",
    role=Role.APP,
    body=CustomerPut,
    status=201,
    response=Customer,
    summary="Create or replace a customer record",
    tag="customers",
    statuses=(200,),
)
def put_customer(call: Call[CustomerPut, None]) -> Reply:
    customer, created = customers.put_customer(call.tenant, call.params["customer_id"], call.body)
    return Reply(customer, 201 if created else 200)


@route(
    assortment,
    "GET",
    "/v1/customers/{customer_id}",
    role=Role.ADMIN,
    response=Customer,
    summary="A customer record (personal data: admins only)",
    tag="customers",
    statuses=(404,),
)
def get_customer(call: Call[None, None]) -> Customer:
    customer = customers.get_customer(call.tenant, call.params["customer_id"])
    audit.record(call.caller, "customer_read", customer.customer_id, user_id=customer.user_id)
    return customer


@route(
    assortment,
    "DELETE",
    "/v1/users/{user_id}/data",
    role=Role.ADMIN,
    response=ErasureReport,
    summary="Erase everything kept about an end user; safe to retry",
    tag="privacy",
)
def erase_user_data(call: Call[None, None]) -> ErasureReport:
    return privacy.erase_user(call.tenant, call.params["user_id"])


@route(
    assortment,
    "GET",
    "/v1/audit",
    role=Role.ADMIN,
    query=AuditQuery,
    response=Page[AuditEntry],
    summary="The audit trail of data access: exports, dataset downloads, customer reads (key, time), newest first",
    tag="privacy",
)
def list_audit(call: Call[None, AuditQuery]) -> Page[AuditEntry]:
    return audit.list_entries(call.tenant, call.query)
