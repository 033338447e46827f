"""Violations: opened once per breach (a deterministic id and a conditional put), then moved through their life cycle."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pynamodb.expressions.update import Action

from ..core import clock, extensions, keys, persist, storage
from ..core.errors import Conflict
from ..core.schemas import Page
from ..events import hooks as alert_hooks
from .schemas import Violation, ViolationChange, ViolationPatch, ViolationQuery
from .store import PolicyItem, ViolationItem, violations_page

# The life cycle as data. A resolved or false-positive violation can be reopened.
MOVES: Mapping[str, frozenset[str]] = {
    "open": frozenset({"investigating", "resolved", "false_positive"}),
    "investigating": frozenset({"open", "resolved", "false_positive"}),
    "resolved": frozenset({"open"}),
    "false_positive": frozenset({"open"}),
}
CLOSED = frozenset({"resolved", "false_positive"})
VIOLATION_TYPES = {
    "performance": "performance",
    "drift": "drift",
    "fairness": "fairness",
    "bias_detection": "bias",
    "data_quality": "data_quality",
}
MAX_HISTORY = 50


@dataclass(frozen=True)
class Breach:
    """A policy's threshold passed by one figure in one window. `direction` is `min` when the figure must
    stay at or above the threshold, `max` when at or below it."""

    policy: PolicyItem
    metric: str
    value: float
    threshold: float
    direction: str
    window: str
    description: str
    subject: str = ""
    model_id: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def violation_id(self) -> str:
        """The same breach (policy, model, subject, metric, window) always gets the same id."""
        parts = (self.policy.id, self.model_id or "", self.subject, self.metric, self.window)
        return "vio_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:26]


def severity(value: float, threshold: float, direction: str) -> str:
    """How far past its threshold a figure is, relative to the threshold: under 10 % low, under 25 % medium,
    under 50 % high, else critical."""
    gap = (threshold - value) if direction == "min" else (value - threshold)
    relative = gap / max(abs(threshold), 1e-9)
    if relative >= 0.5:
        return "critical"
    if relative >= 0.25:
        return "high"
    if relative >= 0.1:
        return "medium"
    return "low"


def open_violations(tenant_id: str, breaches: list[Breach]) -> int:
    """Open a violation for every breach that has none yet; the number opened now. A breach that already has
    its violation only refreshes the violation's `latest_value` when the figure moved (its `value` stays the
    one that opened it)."""
    unique = {breach.violation_id: breach for breach in breaches}
    if not unique:
        return 0
    wanted = {vid: keys.violation(tenant_id, vid) for vid in unique}
    existing = storage.get_many(wanted.values())
    opened = 0
    for vid, breach in unique.items():
        found = existing.get(wanted[vid])
        if found is None and storage.retrying(functools.partial(_open, tenant_id, breach), what="opening a violation"):
            opened += 1
            for follower in extensions.installed().violation_followers():  # the policy's actions (learning)
                follower(tenant_id, breach)
        elif isinstance(found, ViolationItem) and found.latest_value != breach.value:
            _refresh(found, breach.value)
    return opened


def _refresh(item: ViolationItem, value: float) -> None:
    """Record the breached figure as it is now (last writer wins: it is the latest check's figure)."""
    now = clock.iso(clock.now())
    actions: list[Action] = [ViolationItem.latest_value.set(value), ViolationItem.latest_at.set(now)]
    try:
        storage.commit([storage.Update(ViolationItem(item.pk, item.sk), actions, ViolationItem.pk.exists())])
    except storage.ConditionFailed:
        pass  # a concurrent check refreshed it: the figure is recorded either way


def _open(tenant_id: str, breach: Breach) -> bool:
    item = _item(tenant_id, breach)
    try:  # the event `governance.violation_opened` commits with the violation: one violation, one event
        storage.commit([storage.Put(item, ViolationItem.pk.does_not_exist()), *alert_hooks.violation_opened(tenant_id, item)])
        return True
    except storage.ConditionFailed as exc:
        if exc.conflict:
            raise  # a concurrent transaction: retried
        return False  # another check opened it between our read and our write: still exactly one


def list_violations(tenant_id: str, query: ViolationQuery) -> Page[Violation]:
    found, cursor = violations_page(tenant_id, query.status, query.limit, query.cursor)
    return Page[Violation](items=[view(item) for item in found], next_cursor=cursor)


def get_violation(tenant_id: str, violation_id: str) -> Violation:
    return view(_load(tenant_id, violation_id))


def patch_violation(tenant_id: str, violation_id: str, data: ViolationPatch, by: str | None) -> Violation:
    def attempt() -> ViolationItem:
        item = _load(tenant_id, violation_id)
        current = item.status
        if data.status != current and data.status not in MOVES[current]:
            options = ", ".join(sorted(MOVES[current]))
            raise Conflict(
                f"violation {violation_id} cannot move from {current} to {data.status}; from {current} it can move to: {options}",
                code="illegal_transition",
                details=[{"field": "body.status", "from": current, "to": data.status, "allowed": sorted(MOVES[current])}],
            )
        now = clock.iso(clock.now())
        if data.status != current:
            history = list(item.status_history or [])
            history.append({"from_status": current, "to_status": data.status, "at": now, "by": by})
            item.status_history = history[-MAX_HISTORY:]
            item.status = data.status
            item.gsi3pk = keys.violations_by_status(tenant_id, data.status)
            if data.status in CLOSED:
                item.resolved_at, item.resolved_by = now, by
            else:
                item.resolved_at = item.resolved_by = None
        if data.resolution is not None:
            item.resolution = data.resolution
        item.updated_at = now
        storage.commit([persist.bump(item)])
        return item

    return view(persist.retrying(attempt, what="updating the violation"))


def _item(tenant_id: str, breach: Breach) -> ViolationItem:
    now = clock.iso(clock.now())
    vid = breach.violation_id
    key = keys.violation(tenant_id, vid)
    sort = keys.time_sort(now, vid)
    policy = breach.policy
    return ViolationItem(
        key.pk,
        key.sk,
        id=vid,
        policy_id=policy.id,
        policy_name=policy.policy_name,
        policy_type=policy.policy_type,
        violation_type=VIOLATION_TYPES.get(policy.policy_type, policy.policy_type),
        severity=(policy.rules or {}).get("severity") or severity(breach.value, breach.threshold, breach.direction),
        status="open",
        description=breach.description,
        details={**breach.details, "direction": breach.direction},
        model_id=breach.model_id,
        model_name=breach.model_name,
        model_version=breach.model_version,
        subject=breach.subject or None,
        metric=breach.metric,
        value=breach.value,
        latest_value=breach.value,
        latest_at=now,
        threshold=breach.threshold,
        window=breach.window,
        status_history=[{"from_status": None, "to_status": "open", "at": now, "by": None}],
        opened_at=now,
        updated_at=now,
        version=1,
        gsi1pk=keys.violations(tenant_id),
        gsi1sk=sort,
        gsi3pk=keys.violations_by_status(tenant_id, "open"),
        gsi3sk=sort,
    )


def _load(tenant_id: str, violation_id: str) -> ViolationItem:
    return persist.load(ViolationItem, keys.violation(tenant_id, violation_id), f"no violation {violation_id}")


def view(item: ViolationItem) -> Violation:
    return Violation.of(
        item,
        violation_id=item.id,
        details=item.details or {},
        latest_value=item.latest_value if item.latest_value is not None else item.value,
        latest_at=item.latest_at or item.opened_at,
        status_history=[ViolationChange(**change) for change in item.status_history or []],
    )
