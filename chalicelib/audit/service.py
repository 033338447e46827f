"""Record and list data access: exports, dataset downloads and customer reads, with the key and the time.

An entry that names an end user's record (a customer read) is also filed under that user (GSI2, `AUDIT#`), so
that erasing the user replaces the record's id in the entry by the user's keyed hash: the trail still says that
a key read that record then, and no longer who it was about.
"""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.update import Action

from ..core import clock, keys, storage
from ..core.extensions import Erasure
from ..core.ids import new_id
from ..core.schemas import Page
from ..tenancy.auth import Caller
from .schemas import AuditEntry, AuditQuery
from .store import AuditItem, entries_of_user, entries_page

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
    found, cursor = entries_page(tenant_id, query.action, query.limit, query.cursor)
    return Page[AuditEntry](items=[view(item) for item in found], next_cursor=cursor)


def pseudonymise_user(tenant_id: str, user_id: str, user_hash: str) -> int:
    """Replace the user's record ids in their entries by `erased:<keyed hash>` (and unfile them); answers how many."""
    n = 0
    for item in entries_of_user(tenant_id, user_id):
        actions: list[Action] = [AuditItem.target.set(ERASED + user_hash), AuditItem.gsi2pk.remove(), AuditItem.gsi2sk.remove()]
        try:
            storage.commit([storage.Update(AuditItem(item.pk, item.sk), actions, AuditItem.pk.exists())])
        except storage.ConditionFailed:
            continue
        n += 1
    return n


def view(item: AuditItem) -> AuditEntry:
    return AuditEntry.of(item, details=item.details or {})


def erase_user_data(erasure: Erasure) -> None:
    """The audit entries that named one of the user's records name it by the keyed hash from now on, counted as
    `audit_entries` (a user erasure, chalicelib/contributions.py: the last one)."""
    erasure.add_audit_entries(pseudonymise_user(erasure.tenant_id, erasure.user_id, erasure.user_hash))
