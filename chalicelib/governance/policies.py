"""Governance policies: each type's rules and thresholds checked when the policy is written, names unique."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import clock, keys, pagination, storage
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..core.ids import new_id
from ..core.query import all_items, page
from ..core.schemas import ListQuery, Page
from ..core.table import TableItem
from .schemas import Policy, PolicyCreate, PolicyPatch
from .store import PolicyItem, PolicyNameItem

WINDOWS = ("daily", "weekly", "monthly")
SEVERITIES = ("low", "medium", "high", "critical")
_SCORES = ("accuracy", "precision", "recall", "f1_score")
_ERRORS = ("mae", "rmse")
_DRIFT_METRICS = ("ks", "psi", "wasserstein", "chi_square", "jensen_shannon", "accuracy_drop", "rmse_increase")
_QUALITY = ("completeness", "validity", "consistency", "timeliness", "accuracy")

# Per checked type: the thresholds it knows (name -> (low, high) bounds), which of them must be given
# (one of them, or all), and the rules it knows (name -> kind).
THRESHOLDS: dict[str, dict[str, tuple[float, float | None]]] = {
    "performance": {**{f"min_{m}": (0.0, 1.0) for m in _SCORES}, **{f"max_{m}": (0.0, None) for m in _ERRORS}},
    "drift": {"max_drift_score": (0.0, None), **{f"max_{m}": (0.0, None) for m in _DRIFT_METRICS}},
    "fairness": {"max_disparity": (0.0, None)},
    "data_quality": {f"min_{m}": (0.0, 1.0) for m in _QUALITY},
}
THRESHOLDS["bias_detection"] = THRESHOLDS["fairness"]
_COMMON_RULES = {"model_name": "text", "model_version": "text", "severity": "severity"}
RULES: dict[str, dict[str, str]] = {
    "performance": {**_COMMON_RULES, "window": "window", "min_samples": "count"},
    "drift": {**_COMMON_RULES, "features": "texts", "drift_types": "texts"},
    "fairness": {
        **_COMMON_RULES,
        "segment_attribute": "text",
        "metric": "fair_metric",
        "window": "window",
        "min_samples": "count",
    },
    "data_quality": {"severity": "severity", "table": "text", "pipeline_name": "text", "column": "text"},
}
RULES["bias_detection"] = RULES["fairness"]
CHECKED = frozenset(THRESHOLDS)


def create_policy(tenant_id: str, data: PolicyCreate) -> Policy:
    rules, thresholds = validate(data.policy_type, data.rules, data.thresholds)
    now = clock.iso(clock.now())
    policy_id = new_id("pol")
    key, claim = keys.policy(tenant_id, policy_id), keys.policy_name_claim(tenant_id, data.policy_name)
    item = PolicyItem(
        key.pk,
        key.sk,
        id=policy_id,
        policy_name=data.policy_name,
        policy_type=data.policy_type,
        status=data.status,
        rules=rules,
        thresholds=thresholds,
        description=data.description,
        created_at=now,
        updated_at=now,
        version=1,
    )
    ops: list[storage.Op] = [
        storage.Put(PolicyNameItem(claim.pk, claim.sk, policy_id=policy_id), PolicyNameItem.pk.does_not_exist()),
        storage.Put(item, PolicyItem.pk.does_not_exist()),
    ]

    def attempt() -> None:
        try:
            storage.commit(ops)
        except storage.ConditionFailed as exc:
            if exc.failed:
                raise Conflict(f"a policy named {data.policy_name!r} already exists", code="policy_exists") from exc
            raise  # a concurrent transaction: retried

    storage.retrying(attempt, what="creating the policy")
    return view(item)


def get_policy(tenant_id: str, policy_id: str) -> Policy:
    return view(_load(tenant_id, policy_id))


def list_policies(tenant_id: str, query: ListQuery) -> Page[Policy]:
    state = pagination.decode(tenant_id, "policies", query.cursor) if query.cursor else {}
    found, last = page(
        PolicyItem,
        keys.governance_partition(tenant_id),
        limit=query.limit,
        after=state.get("k"),
        range_condition=TableItem.sk.startswith(keys.policy_prefix()),
    )
    cursor = pagination.encode(tenant_id, "policies", {"k": last}) if last else None
    return Page[Policy](items=[view(item) for item in found], next_cursor=cursor)


def patch_policy(tenant_id: str, policy_id: str, data: PolicyPatch) -> Policy:
    def attempt() -> PolicyItem:
        item = _load(tenant_id, policy_id)
        rules = data.rules if data.rules is not None else (item.rules or {})
        thresholds = data.thresholds if data.thresholds is not None else (item.thresholds or {})
        item.rules, item.thresholds = validate(item.policy_type, rules, thresholds)
        if data.status is not None:
            item.status = data.status
        if "description" in data.model_fields_set:
            item.description = data.description
        item.updated_at = clock.iso(clock.now())
        expected = item.version
        item.version = expected + 1
        storage.commit([storage.Put(item, PolicyItem.version == expected)])
        return item

    return view(storage.retrying(attempt, what="updating the policy"))


def active_policies(tenant_id: str) -> list[PolicyItem]:
    """Every active policy of a type Learnloop checks (one Query of the governance partition)."""
    found = all_items(PolicyItem, keys.governance_partition(tenant_id), TableItem.sk.startswith(keys.policy_prefix()))
    return [item for item in found if item.status == "active" and item.policy_type in CHECKED]


def validate(
    policy_type: str, rules: Mapping[str, Any], thresholds: Mapping[str, float]
) -> tuple[dict[str, Any], dict[str, float]]:
    """The rules and thresholds, checked against the type; 422 naming every field that is wrong."""
    details: list[dict[str, str]] = []

    def wrong(field: str, message: str) -> None:
        details.append({"field": field, "message": message, "type": "policy_invalid"})

    known = THRESHOLDS.get(policy_type)
    if known is not None:
        for name, value in thresholds.items():
            if name not in known:
                wrong(f"body.thresholds.{name}", f"is not a threshold of a {policy_type} policy; known: {', '.join(known)}")
                continue
            low, high = known[name]
            if value < low or (high is not None and value > high):
                wrong(f"body.thresholds.{name}", f"must be between {low} and {high}" if high is not None else f"must be >= {low}")
        if policy_type in ("performance", "fairness", "bias_detection") and not thresholds:
            wrong("body.thresholds", f"a {policy_type} policy needs one of: {', '.join(known)}")
        if policy_type in ("fairness", "bias_detection") and "max_disparity" not in thresholds:
            wrong("body.thresholds.max_disparity", "a fairness policy needs max_disparity")
        for name, value in rules.items():
            kind = RULES[policy_type].get(name)
            if kind is None:
                wrong(f"body.rules.{name}", f"is not a rule of a {policy_type} policy; known: {', '.join(RULES[policy_type])}")
            elif problem := _rule_problem(kind, value):
                wrong(f"body.rules.{name}", problem)
        if policy_type in ("fairness", "bias_detection") and "segment_attribute" not in rules:
            wrong("body.rules.segment_attribute", "a fairness policy needs the input attribute whose segments are compared")
    if details:
        raise ValidationFailed("invalid policy: " + "; ".join(f"{d['field']}: {d['message']}" for d in details), details=details)
    return dict(rules), dict(thresholds)


def _rule_problem(kind: str, value: Any) -> str | None:
    if kind == "text":
        return None if isinstance(value, str) and 0 < len(value) <= 200 else "must be a non-empty string"
    if kind == "texts":
        ok = isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
        return None if ok else "must be a non-empty list of strings"
    if kind == "window":
        return None if value in WINDOWS else f"must be one of {', '.join(WINDOWS)}"
    if kind == "severity":
        return None if value in SEVERITIES else f"must be one of {', '.join(SEVERITIES)}"
    if kind == "count":
        return None if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else "must be an integer >= 1"
    if kind == "fair_metric":
        return None if value in (*_SCORES, *_ERRORS) else f"must be one of {', '.join((*_SCORES, *_ERRORS))}"
    return "is not understood"


def _load(tenant_id: str, policy_id: str) -> PolicyItem:
    item = storage.get(PolicyItem, keys.policy(tenant_id, policy_id))
    if item is None:
        raise NotFound(f"no policy {policy_id}")
    return item


def view(item: PolicyItem) -> Policy:
    return Policy(
        id=item.id,
        policy_id=item.id,
        policy_name=item.policy_name,
        policy_type=item.policy_type,
        status=item.status,
        rules=item.rules or {},
        thresholds=item.thresholds or {},
        description=item.description,
        checked=item.policy_type in CHECKED,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
