"""Erase everything Learnloop keeps about one end user, idempotently and safe to retry halfway.

Privacy knows no capability's items: it asks each capability to erase its own (the user erasures of
chalicelib/contributions.py, `core.extensions.UserEraser`), in their declared order: the user's ratings of designs
(each design's mean loses them) and their designs, the user's sessions (with all the feedback on them, every counter
taken back, and their images deleted from S3), the feedback the user gave on other sessions, their context windows and
model preferences (their own partition), the stored answers of their Idempotency-Keys (privacy's own step: core's
records), their customer records, their experiment assignments, the feedback they gave on registry predictions (its
counts taken back from the quality series), their training examples (datasets that held them are rebuilt without them;
the models trained on those are named, and each local fine-tuned one is rebuilt from the rebuilt dataset or retired),
the stored exports that held their data (deleted), and the audit entries that named one of their records (which then
name it by the keyed hash). Every removal commits with an ADD to the erasure's running totals
(`TENANT#<t>#ERASURE#<keyed hash>`), so the answer counts each item once however many times the
request is retried or resumed. The record names the user only by the keyed hash (core/pseudonyms.py):
an HMAC with a server-side secret, which nobody without the secret can test a guessed id against.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..core import clock, extensions, keys, pseudonyms, storage
from ..core.errors import ValidationFailed
from ..core.schemas import ClientId
from ..core.table import TableItem
from .schemas import Deleted, ErasureReport, ModelAction
from .store import ErasureItem, replays_of_user

_BATCH = 90


def erase_user(tenant_id: str, user_id: str) -> ErasureReport:
    try:
        TypeAdapter(ClientId).validate_python(user_id)
    except ValidationError:
        raise ValidationFailed.field("path.user_id", "must be 1 to 128 printable characters", "pattern") from None
    user_hash = pseudonyms.user_hash(tenant_id, user_id)
    key = keys.erasure(tenant_id, user_hash)
    now = clock.iso(clock.now())
    _start(key, user_hash, now)
    _migrate_legacy(tenant_id, user_id, key)
    erasure = Erasure(tenant_id, user_id, user_hash, key)
    for eraser in extensions.installed().user_erasers():
        eraser(erasure)
    final = ErasureItem(key.pk, key.sk)
    final.update(actions=[ErasureItem.finished_at.set(clock.iso(clock.now()))], add_version_condition=False)
    return _report(final, user_id)


@dataclass(frozen=True)
class Erasure:
    """One user's erasure in progress (`core.extensions.Erasure`): its record's running totals and lists."""

    tenant_id: str
    user_id: str
    user_hash: str
    key: keys.Key

    def count(self, total: str, n: int = 1) -> storage.Update:
        return _count(self.key, total, n)

    def counts(self, totals: dict[str, int]) -> storage.Update:
        return _counts(self.key, totals)

    def delete_counted(self, items: list[TableItem], total: str, per_item: dict[str, int] | None = None) -> None:
        _delete_counted(self.key, items, total, per_item)

    def note(self, field: str, values: Iterable[str]) -> None:
        wanted = sorted(set(values))
        if field == "exports":
            if wanted:
                self._update([ErasureItem.exports.add(set(wanted))])
            return
        self._update([getattr(ErasureItem, field).set(sorted(set(_existing(self.key, field)) | set(wanted)))])

    def noted(self, field: str) -> list[str]:
        return _existing(self.key, field)

    def model_actions(self) -> dict[str, str]:
        item = storage.get(ErasureItem, self.key)
        return dict(item.models or {}) if item else {}

    def record_model_action(self, model_id: str, action: str) -> None:
        self._update([ErasureItem.models.set({**self.model_actions(), model_id: action})])

    def add_audit_entries(self, n: int) -> None:
        self._update([ErasureItem.audit_entries.add(n)])

    def _update(self, actions: list[Any]) -> None:
        ErasureItem(self.key.pk, self.key.sk).update(actions=actions, add_version_condition=False)


def erase_replays(erasure: extensions.Erasure) -> None:
    """The stored answers of Idempotency-Keys whose requests named the user (a generation's output, say), counted
    as `replays` (privacy's own user erasure: the records are core's)."""
    erasure.delete_counted(replays_of_user(erasure.tenant_id, erasure.user_id), "replays")


def _start(key: keys.Key, user_hash: str, now: str) -> None:
    record = ErasureItem(key.pk, key.sk)
    record.update(
        actions=[
            ErasureItem.kind.set(ErasureItem),
            ErasureItem.user_hash.set(user_hash),
            ErasureItem.started_at.set(ErasureItem.started_at | now),
            ErasureItem.runs.add(1),
        ],
        add_version_condition=False,
    )


def _migrate_legacy(tenant_id: str, user_id: str, key: keys.Key) -> None:
    """A record of an erasure from before the keyed hash, under the raw id: its totals move here, then it goes."""
    legacy = storage.get(ErasureItem, keys.legacy_erasure(tenant_id, user_id))
    if legacy is None or legacy.pk == key.pk:
        return
    counted = [name for name in Deleted.model_fields if name not in ("exports", "audit_entries")]
    actions: list[Any] = [getattr(ErasureItem, name).add(int(getattr(legacy, name) or 0)) for name in counted]
    actions += [
        ErasureItem.runs.add(int(legacy.runs or 0)),
        ErasureItem.started_at.set(legacy.started_at or clock.iso(clock.now())),
    ]
    storage.commit(
        [
            storage.Delete(ErasureItem(legacy.pk, legacy.sk), ErasureItem.pk.exists()),
            storage.Update(ErasureItem(key.pk, key.sk), actions),
        ]
    )


def _counts(key: keys.Key, fields: dict[str, int]) -> storage.Update:
    """One update adding to several totals (a transaction may touch the erasure's record once)."""
    actions = [getattr(ErasureItem, name).add(n) for name, n in fields.items() if n]
    return storage.Update(ErasureItem(key.pk, key.sk), [*actions, ErasureItem.kind.set(ErasureItem)])


def _count(key: keys.Key, field: str, n: int = 1) -> storage.Update:
    return storage.Update(ErasureItem(key.pk, key.sk), [getattr(ErasureItem, field).add(n), ErasureItem.kind.set(ErasureItem)])


def _delete_counted(key: keys.Key, items: list[Any], field: str, per_item: dict[str, int] | None = None) -> None:
    """Delete `items` in transactions that add to the erasure's total of `field` (one per item, or per `per_item` sk)."""
    for start in range(0, len(items), _BATCH):
        chunk = items[start : start + _BATCH]
        n = len(chunk) if per_item is None else sum(per_item.get(item.sk, 0) for item in chunk)
        ops: list[storage.Op] = [storage.Delete(type(item)(item.pk, item.sk), type(item).pk.exists()) for item in chunk]
        if n:
            ops.append(_count(key, field, n))
        try:
            storage.commit(ops)
        except storage.ConditionFailed:
            # Some were already deleted by an earlier, interrupted run: delete the rest one by one, counting each.
            for item in chunk:
                single: list[storage.Op] = [storage.Delete(type(item)(item.pk, item.sk), type(item).pk.exists())]
                weight = 1 if per_item is None else per_item.get(item.sk, 0)
                try:
                    storage.commit(single + ([_count(key, field, weight)] if weight else []))
                except storage.ConditionFailed:
                    pass


def _existing(key: keys.Key, field: str) -> list[str]:
    item = storage.get(ErasureItem, key)
    return list(getattr(item, field) or []) if item else []


def _report(item: ErasureItem, user_id: str) -> ErasureReport:
    counts = {name: int(getattr(item, name) or 0) for name in Deleted.model_fields if name != "exports"}
    return ErasureReport(
        id=user_id,
        user_id=user_id,
        deleted=Deleted(**counts, exports=len(item.exports or ())),
        affected_datasets=list(item.affected_datasets or []),
        affected_models=list(item.affected_models or []),
        models=[ModelAction(model_id=m, action=a) for m, a in sorted((item.models or {}).items())],
        started_at=item.started_at,
        finished_at=item.finished_at,
        runs=int(item.runs or 0),
    )
