"""Customer use cases: write (an app may), read (only an admin may: it is personal data), erase."""

from __future__ import annotations

from pydantic import TypeAdapter, ValidationError

from ..core import clock, keys, persist, storage
from ..core.errors import ValidationFailed
from ..core.extensions import Erasure
from ..core.schemas import ClientId
from .schemas import Customer, CustomerPut
from .store import CustomerItem, owned_by


def put_customer(tenant_id: str, customer_id: str, body: CustomerPut) -> tuple[Customer, bool]:
    _check(customer_id)
    key = keys.customer(tenant_id, customer_id)
    existing = persist.find(CustomerItem, key)
    now = clock.iso(clock.now())
    owner = body.user_id or customer_id
    item = CustomerItem(
        key.pk,
        key.sk,
        customer_id=customer_id,
        user_id=owner,
        data=body.model_dump(mode="json", exclude={"user_id"}),
        created_at=existing.created_at if existing else now,
        updated_at=now,
        gsi2pk=keys.user_items(tenant_id, owner),
        gsi2sk=keys.customer_of_user(customer_id),
    )
    storage.commit([storage.Put(item)])
    return _view(item), existing is None


def get_customer(tenant_id: str, customer_id: str) -> Customer:
    _check(customer_id)
    return _view(persist.load(CustomerItem, keys.customer(tenant_id, customer_id), f"no customer {customer_id}"))


def records_of(tenant_id: str, user_id: str) -> list[CustomerItem]:
    """The customer records that belong to an end user (theirs by `user_id`, or whose id is theirs)."""
    owned = owned_by(tenant_id, user_id)
    direct = persist.find(CustomerItem, keys.customer(tenant_id, user_id))
    if direct is not None and all(item.customer_id != direct.customer_id for item in owned):
        owned.append(direct)
    return owned


def _check(customer_id: str) -> None:
    try:
        TypeAdapter(ClientId).validate_python(customer_id)
    except ValidationError:
        raise ValidationFailed.field("path.customer_id", "must be 1 to 128 printable characters", "pattern") from None


def _view(item: CustomerItem) -> Customer:
    return Customer.of(item, id=item.customer_id, **item.data)


def erase_user_data(erasure: Erasure) -> None:
    """The user's customer records, counted as `customers` (a user erasure, chalicelib/contributions.py)."""
    erasure.delete_counted(list(records_of(erasure.tenant_id, erasure.user_id)), "customers")
