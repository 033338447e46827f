"""Record and list data access: exports, dataset downloads and customer reads, with the key and the time.

An entry that names an end user's record (a customer read) is also filed under that user (GSI2, `AUDIT#`), so
that erasing the user replaces the record's id in the entry by the user's keyed hash: the trail still says that
a key read that record then, and no longer who it was about.
"""

from __future__ import annotations

from typing import Any

from ..core import clock, keys, pagination, storage
from ..core.ids import new_id
from ..core.query import page
from ..core.schemas import Page
from ..core.table import TableItem
from ..tenancy.auth import Caller
from .schemas import AuditEntry, AuditQuery
from .store import AuditItem

ERASED = "erased:"


def record(
    caller: Caller | None,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
    *,
    user_id: str | None = None,
) -> None:
    """Add an entry for `caller`'s access (filed under `user_id` too when it names that user's record)."""
    if caller is None or caller.tenant_id is None:
        return
    now = clock.iso(clock.now())
    entry_id = new_id("aud")
    key = keys.audit_entry(caller.tenant_id, now, entry_id)
    item = AuditItem(
        key.pk,
        key.sk,
        id=entry_id,
        action=action,
        key_id=caller.key_id,
        role=caller.role.value,
        target=target,
        details=details or {},
        created_at=now,
    )
    if user_id is not None:
        item.gsi2pk = keys.user_items(caller.tenant_id, user_id)
        item.gsi2sk = keys.time_sort(keys.audit_of_user() + now, entry_id)
    storage.commit([storage.Put(item)])


def list_entries(tenant_id: str, query: AuditQuery) -> Page[AuditEntry]:
    """The trail, newest first, `limit` at a time."""
    after = pagination.decode(tenant_id, "audit", query.cursor).get("k") if query.cursor else None
    found, last = page(
        AuditItem,
        keys.audit_entries(tenant_id),
        limit=query.limit,
        after=after,
        filter_condition=(AuditItem.action == query.action) if query.action else None,
        forward=False,
    )
    cursor = pagination.encode(tenant_id, "audit", {"k": last}) if last else None
    return Page[AuditEntry](items=[view(item) for item in found], next_cursor=cursor)


def pseudonymise_user(tenant_id: str, user_id: str, user_hash: str) -> int:
    """Replace the user's record ids in their entries by `erased:<keyed hash>` (and unfile them); answers how many."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.audit_of_user()))
    n = 0
    for item in found:
        if not isinstance(item, AuditItem):
            continue
        actions = [AuditItem.target.set(ERASED + user_hash), AuditItem.gsi2pk.remove(), AuditItem.gsi2sk.remove()]
        try:
            storage.commit([storage.Update(AuditItem(item.pk, item.sk), actions, AuditItem.pk.exists())])
        except storage.ConditionFailed:
            continue
        n += 1
    return n


def view(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        id=item.id,
        action=item.action,  # type: ignore[arg-type]
        key_id=item.key_id,
        role=item.role,
        target=item.target,
        details=item.details or {},
        created_at=item.created_at,
    )
