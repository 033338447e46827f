"""Every key of the single table is built here, and nowhere else.

Tenant items live under partition keys that start with `TENANT#<id>` (IAM's
`dynamodb:LeadingKeys` can then confine a tenant's credentials to its own items);
the few platform items (domain claims, the tenant index, root-scoped idempotency
records) start with `PLATFORM#`. `docs/data-model.md` lists each key and what reads it.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple


class Key(NamedTuple):
    pk: str
    sk: str


def _tenant(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


# --- tenancy -----------------------------------------------------------------------------------


def tenant(tenant_id: str) -> Key:
    return Key(_tenant(tenant_id), "TENANT")


def tenant_index(created_at: str, tenant_id: str) -> Key:
    """GSI1: every tenant, oldest first (the scheduler walks it)."""
    return Key("PLATFORM#TENANTS", f"{created_at}#{tenant_id}")


def tenant_index_partition() -> str:
    return "PLATFORM#TENANTS"


def domain_claim(domain: str) -> Key:
    return Key(f"PLATFORM#DOMAIN#{domain}", "DOMAIN")


def api_key(tenant_id: str, key_id: str) -> Key:
    return Key(_tenant(tenant_id), f"APIKEY#{key_id}")


def api_key_prefix() -> str:
    return "APIKEY#"


def rate_window(tenant_id: str, minute: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#RATE", f"MINUTE#{minute}")


# --- sessions and feedback ---------------------------------------------------------------------


def session(tenant_id: str, session_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#SESSION#{session_id}", "SESSION")


def session_partition(tenant_id: str, session_id: str) -> str:
    return session(tenant_id, session_id).pk


def feedback(tenant_id: str, session_id: str, user_id: str) -> Key:
    return Key(session_partition(tenant_id, session_id), f"FEEDBACK#{user_id}")


def feedback_prefix() -> str:
    return "FEEDBACK#"


def sessions_by_month(tenant_id: str, month: str) -> str:
    """GSI1 partition: a tenant's sessions of one month (YYYY-MM), sorted by `<created_at>#<id>`."""
    return f"{_tenant(tenant_id)}#SESSIONS#{month}"


def sessions_by_category(tenant_id: str, category_key: str, month: str) -> str:
    """GSI3 partition: a tenant's sessions of one task category and month."""
    return f"{_tenant(tenant_id)}#CATEGORY#{category_key}#{month}"


def user_items(tenant_id: str, user_id: str) -> str:
    """GSI2 partition: everything one end user owns (sessions, feedback, ...), for listing and deletion."""
    return f"{_tenant(tenant_id)}#USER#{user_id}"


def time_sort(created_at: str, item_id: str) -> str:
    return f"{created_at}#{item_id}"


# --- counters ----------------------------------------------------------------------------------


def counter(tenant_id: str, shard: int, name: str, bucket: str) -> Key:
    """One shard of a counter. Shards sit on distinct partitions so a hot counter spreads its writes."""
    return Key(f"{_tenant(tenant_id)}#COUNTER#{shard}", f"{name}#{bucket}")


def counter_partition(tenant_id: str, shard: int) -> str:
    return f"{_tenant(tenant_id)}#COUNTER#{shard}"


def counter_sort(name: str, bucket: str) -> str:
    return f"{name}#{bucket}"


# --- idempotency and scheduler -------------------------------------------------------------------


def idempotency(scope: str | None, client_key: str) -> Key:
    """A remembered request. `scope` is the tenant id, or None for the platform (root) scope."""
    owner = _tenant(scope) if scope else "PLATFORM"
    return Key(f"{owner}#IDEMPOTENCY#{_digest(client_key)}", "IDEMPOTENCY")


def task_state(tenant_id: str, task_name: str) -> Key:
    return Key(_tenant(tenant_id), f"TASK#{task_name}")


def task_state_prefix() -> str:
    return "TASK#"
