"""Erase everything Learnloop keeps about one end user, idempotently and safe to retry halfway.

In order: the user's ratings of designs (each design's mean loses them) and their designs, the user's sessions (with all
the feedback on them, every counter taken back, and their images deleted from S3), the
feedback the user gave on other sessions, their context windows and model preferences (their
own partition), their customer records, their experiment assignments, the feedback they gave on registry
predictions (its counts taken back from the quality series), their training examples
(datasets that held them are rebuilt without them; the models trained on those are named, and
each local fine-tuned one is rebuilt from the rebuilt dataset or retired), the stored exports that
held their data (deleted), and the audit entries that named one of their records (which then name
it by the keyed hash). Every removal commits with an ADD to the erasure's running totals
(`TENANT#<t>#ERASURE#<keyed hash>`), so the answer counts each item once however many times the
request is retried or resumed. The record names the user only by the keyed hash (core/pseudonyms.py):
an HMAC with a server-side secret, which nobody without the secret can test a guessed id against.
"""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..core import clock, keys, pseudonyms, storage
from ..core.errors import ValidationFailed
from ..core.schemas import ClientId
from ..core.table import TableItem
from ..images import storage as image_storage
from ..sessions import erasure as sessions_erasure
from .schemas import Deleted, ErasureReport, ModelAction
from .store import ErasureItem

# The training capability's eraser: `erase_user(tenant_id, user_id, counted) -> dict` with `affected_datasets` and
# `affected_models` (each example's deletion commits with `counted`, the erasure's running total).
TRAINING_ERASER = "chalicelib.training.erasure"
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

    # Their ratings of designs first (each design's mean loses the rating once), then their designs; the designs'
    # images are their sessions' images, deleted with the sessions below.
    from ..designs.erasure import erase_user as erase_designs

    erase_designs(tenant_id, user_id, [_count(key, "design_ratings")], [_count(key, "designs")])

    for session_id in sessions_erasure.sessions_of(tenant_id, user_id):
        # The session's images leave S3 first (deleting twice is harmless); they are counted with the session's removal.
        stored = _images_of(tenant_id, session_id)
        image_storage.delete(stored)
        counted = _counts(key, {"sessions": 1, "images": len(stored)})
        sessions_erasure.erase_session(tenant_id, session_id, [_count(key, "feedback")], [counted])
    for session_id in sessions_erasure.feedback_given_by(tenant_id, user_id):
        sessions_erasure.erase_feedback(tenant_id, session_id, user_id, [_count(key, "feedback")])

    partition = list(TableItem.query(keys.user_partition(tenant_id, user_id), consistent_read=True))
    contexts = [item for item in partition if item.sk.startswith(keys.context_prefix())]
    stores = {item.sk.split("#")[1] for item in contexts}
    windows = {keys.context_window(tenant_id, user_id, store).sk: 1 for store in stores}
    _delete_counted(key, contexts, "contexts", per_item=windows)
    _delete_counted(key, [item for item in partition if item.sk.startswith(keys.user_preference_prefix())], "preferences")

    # Stored answers of Idempotency-Keys whose requests named the user (a generation's output, say).
    replays = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.IDEMPOTENCY_OF_USER))
    _delete_counted(key, list(replays), "replays")

    from ..customers.service import records_of

    _delete_counted(key, records_of(tenant_id, user_id), "customers")

    from ..experiments.assignment import erase_user as erase_assignments

    erase_assignments(tenant_id, user_id, [_count(key, "assignments")])

    from ..learning.feedback import erase_user as erase_prediction_feedback

    erase_prediction_feedback(tenant_id, user_id, [_count(key, "prediction_feedback")])

    trained = _erase_training(tenant_id, user_id, [_count(key, "training_examples")])
    # The models are on the record before any is rebuilt: a retry cut off halfway rebuilds the rest.
    ErasureItem(key.pk, key.sk).update(
        actions=[
            ErasureItem.affected_datasets.set(
                sorted(set(_existing(key, "affected_datasets")) | set(trained.get("affected_datasets", [])))
            ),
            ErasureItem.affected_models.set(
                sorted(set(_existing(key, "affected_models")) | set(trained.get("affected_models", [])))
            ),
        ],
        add_version_condition=False,
    )
    _rebuild_models(tenant_id, key)

    from ..analytics.export import erase_user as erase_exports

    for export_id in erase_exports(tenant_id, user_id):
        ErasureItem(key.pk, key.sk).update(actions=[ErasureItem.exports.add({export_id})], add_version_condition=False)

    from ..audit.service import pseudonymise_user

    pseudonymised = pseudonymise_user(tenant_id, user_id, user_hash)
    final = ErasureItem(key.pk, key.sk)
    final.update(
        actions=[
            ErasureItem.audit_entries.add(pseudonymised),
            ErasureItem.finished_at.set(clock.iso(clock.now())),
        ],
        add_version_condition=False,
    )
    return _report(final, user_id)


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


def _rebuild_models(tenant_id: str, key: keys.Key) -> None:
    """Rebuild or retire each local model the user's lines trained that is not done yet; each outcome is recorded."""
    for model_id in _existing(key, "affected_models"):
        item = storage.get(ErasureItem, key)
        done = dict(item.models or {}) if item else {}
        if model_id in done:
            continue
        action = _training().rebuild_model(tenant_id, model_id)
        if action is not None:
            done[model_id] = action
            ErasureItem(key.pk, key.sk).update(actions=[ErasureItem.models.set(done)], add_version_condition=False)


def _images_of(tenant_id: str, session_id: str) -> list[dict[str, Any]]:
    """The S3 references of the images a session's output holds (none for a text session)."""
    from ..sessions.store import SessionItem

    session = storage.get(SessionItem, keys.session(tenant_id, session_id))
    return (image_storage.refs_of(session.output) or []) if session is not None else []


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


def _training() -> Any:
    return importlib.import_module(TRAINING_ERASER)


def _erase_training(tenant_id: str, user_id: str, counted: list[storage.Op]) -> dict[str, Any]:
    return _training().erase_user(tenant_id, user_id, counted)  # type: ignore[no-any-return]


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
