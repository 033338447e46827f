"""The single DynamoDB table: the PynamoDB base model every entity subclasses, its indexes, its binding.

Entities are subclasses declared in each capability's `store.py` with a discriminator
(`kind`); they never leave the storage modules. The table name, endpoint and region come
from settings when the first request needs them, never at import.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from pynamodb.attributes import (
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from . import faults, itemsize
from .settings import get_settings


def _json_utf8(self: JSONAttribute, value: Any) -> str | None:
    """JSON attributes as UTF-8 text, not `\\u` escapes: DynamoDB counts an item's bytes in UTF-8, and PynamoDB's
    `json.dumps` default tripled (or made six times larger) every non-ASCII character, so a customer record well
    under the body limit could pass DynamoDB's 400 KB. A lone surrogate (which UTF-8 cannot carry) stays escaped.
    Both forms read back the same."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


JSONAttribute.serialize = _json_utf8  # type: ignore[method-assign]


def string_list(*, null: bool = False, default: Callable[[], list[str]] | None = None) -> ListAttribute[str]:
    """A list of strings (pynamodb types `ListAttribute(of=UnicodeAttribute)` as a list of attributes, not of the
    strings it holds)."""
    attribute: Any = ListAttribute(of=UnicodeAttribute, null=null, default=default)
    return attribute


class _Gsi1(GlobalSecondaryIndex["TableItem"]):
    """Time-ordered listings: sessions of a tenant per month, the tenant index."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class _Gsi2(GlobalSecondaryIndex["TableItem"]):
    """Everything an end user owns, for per-user listings and deletion."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class _Gsi3(GlobalSecondaryIndex["TableItem"]):
    """Grouped listings: sessions of a task category per month."""

    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class TableItem(Model):
    """Base of every item: keys, the three generic GSIs, the discriminator and the TTL attribute."""

    class Meta:
        table_name = "learnloop"
        region = "us-east-1"
        host: str | None = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE
        connect_timeout_seconds = 2
        read_timeout_seconds = 10
        max_retry_attempts = 4
        max_pool_connections = 50

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute(attr_name="kind")
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    # DynamoDB deletes the item some time after this moment; readers filter what has expired but lingers.
    expires_at = TTLAttribute(null=True, attr_name="ttl")
    version = NumberAttribute(default=0)

    gsi1 = _Gsi1()
    gsi2 = _Gsi2()
    gsi3 = _Gsi3()

    def save(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """PutItem, once the item is known to fit DynamoDB's item limit (413 naming its largest attribute if not)."""
        itemsize.check(self)
        return super().save(*args, **kwargs)

    _binding: tuple[Any, ...] | None = None
    _bind_lock = threading.Lock()

    @classmethod
    def _get_connection(cls) -> TableConnection:
        # One connection (one botocore client) for every entity class, bound to the current settings.
        settings = get_settings()
        binding = (settings.table_name, settings.dynamodb_endpoint, settings.region, settings.chaos)
        base = TableItem
        if base._binding != binding or base._connection is None:
            with base._bind_lock:
                if base._binding != binding or base._connection is None:
                    base.Meta.table_name = settings.table_name
                    base.Meta.host = settings.dynamodb_endpoint
                    base.Meta.region = settings.region
                    base._connection = None
                    Model._get_connection.__func__(base)  # type: ignore[attr-defined]
                    made = TableItem._connection  # what the call above made
                    if settings.chaos and made is not None:
                        faults.install(made.connection.client)
                    base._binding = binding
        assert base._connection is not None
        return base._connection


def connection() -> TableConnection:
    return TableItem._get_connection()


def table_schema() -> dict[str, Any]:
    """Keys, attribute definitions and GSIs of the table, as the code expects them."""
    return dict(TableItem._get_schema())


def create_table(wait: bool = True) -> bool:
    """Create the table (and its TTL) when it does not exist; True when it was created."""
    TableItem._get_connection()
    if TableItem.exists():
        return False
    TableItem.create_table(wait=wait, billing_mode=PAY_PER_REQUEST_BILLING_MODE)
    return True


def reset_binding() -> None:
    """Forget the current connection (tests that swap the backing server call this)."""
    with TableItem._bind_lock:
        TableItem._connection = None
        TableItem._binding = None
