"""Data quality: rules checked on records, figures per (table, column), their thresholds and status.

- completeness: records where the column is present (not null) / records evaluated;
- validity: present values that pass the column's rules (type, min, max, allowed, pattern) / present values;
- consistency: present values of the column's most common JSON type / present values;
- timeliness: present timestamps at most `max_age_days` old / present values;
- accuracy: present values equal to their reference / present values that have one. The reference is another column
  of the same record (`compare_to`: a prediction's `actual_value`, its ground truth) or reference values looked up
  by a key column (`reference: {key, values}`); labels are compared in canonical form (1, 1.0 and "1" are one label),
  numbers within `tolerance`.

A figure passes at or above its threshold (default 0.95), is a warning within `warning_margin` (default
0.05) below it, and fails further below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..companies import scope
from ..core import clock, keys, storage, userpatterns
from ..core.schemas import Page
from ..registry import labels
from . import store
from .schemas import DataQuality, DataQualityQuery
from .store import DataQualityItem

DEFAULT_THRESHOLD = 0.95
DEFAULT_MARGIN = 0.05
MAX_ISSUES = 5
_ABSENT = object()
_VALUE_RULES = ("type", "min", "max", "allowed", "pattern")
_PROBLEM_KINDS = (
    ("is not of type", "wrong type"),
    ("minimum", "below minimum"),
    ("maximum", "above maximum"),
    ("allowed", "not allowed"),
    ("does not match", "pattern mismatch"),
    ("not a number", "not a number"),
)


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (`input_data.amount`), or _ABSENT. A path the record lacks is looked up in
    its `input_data` too, so a prediction's features can be named directly (`amount`)."""
    found = _walk(record, path)
    if found is _ABSENT and isinstance(record.get("input_data"), Mapping):
        return _walk(record["input_data"], path)
    return found


def _walk(node: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def is_missing(value: Any) -> bool:
    return value is _ABSENT or value is None


def set_path(record: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path; like `get_path`, a path found only in `input_data` is set there."""
    *parents, leaf = path.split(".")
    node = record
    if (
        _walk(record, path) is _ABSENT
        and isinstance(record.get("input_data"), dict)
        and _walk(record["input_data"], path) is not _ABSENT
    ):
        node = record["input_data"]
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return clock.parse_iso(value)
    except ValueError:
        return None


def problems(value: Any, rule: Mapping[str, Any]) -> list[str]:
    """What is wrong with a present value under a column rule (empty when it is valid)."""
    found: list[str] = []
    kind = rule.get("type")
    if kind is not None:
        ok = {
            "number": json_type(value) == "number",
            "integer": json_type(value) == "number" and float(value).is_integer(),
            "timestamp": parse_time(value) is not None,
        }.get(kind, json_type(value) == kind)
        if not ok:
            found.append(f"{value!r} is not of type {kind}")
    if json_type(value) == "number":
        if rule.get("min") is not None and value < rule["min"]:
            found.append(f"{value!r} is below the minimum {rule['min']}")
        if rule.get("max") is not None and value > rule["max"]:
            found.append(f"{value!r} is above the maximum {rule['max']}")
    elif rule.get("min") is not None or rule.get("max") is not None:
        if kind is None:
            found.append(f"{value!r} is not a number")
    if rule.get("allowed") is not None and value not in rule["allowed"]:
        found.append(f"{value!r} is not one of the allowed values")
    if rule.get("pattern") is not None and not (isinstance(value, str) and userpatterns.fullmatch(rule["pattern"], value)):
        found.append(f"{value!r} does not match {rule['pattern']}")
    return found


@dataclass
class ColumnTally:
    """What a run saw of one (table, column)."""

    records: int = 0
    present: int = 0
    valid: int = 0
    timely: int = 0
    referenced: int = 0  # present values with a reference (ground truth or reference value)
    accurate: int = 0
    types: Counter[str] = field(default_factory=Counter)
    issues: Counter[str] = field(default_factory=Counter)

    def see(self, value: Any, rule: Mapping[str, Any], now: datetime, record: Mapping[str, Any] | None = None) -> list[str]:
        self.records += 1
        if is_missing(value):
            if rule.get("required"):
                self.issues["missing"] += 1
                return ["is missing"]
            return []
        self.present += 1
        if rule.get("accuracy") and record is not None:
            expected = reference_of(record, rule["accuracy"])
            if not is_missing(expected):
                self.referenced += 1
                self.accurate += int(same(value, expected, float(rule["accuracy"].get("tolerance") or 0.0)))
        self.types[json_type(value)] += 1
        wrong = problems(value, rule)
        if not wrong:
            self.valid += 1
        for problem in wrong:
            self.issues[_kind_of(problem)] += 1
        if rule.get("max_age_days") is not None:
            moment = parse_time(value)
            if moment is not None and (now - moment).total_seconds() <= float(rule["max_age_days"]) * 86400:
                self.timely += 1
            else:
                self.issues["stale"] += 1
                wrong.append(f"{value!r} is older than {rule['max_age_days']} days")
        return wrong


@dataclass(frozen=True)
class Figure:
    table_name: str
    column_name: str
    quality_metric: str
    metric_value: float
    threshold: float
    status: str
    records: int
    issues: list[str]
    recommendations: list[str]


def reference_of(record: Mapping[str, Any], rule: Mapping[str, Any]) -> Any:
    """The value a record's column should have: its `compare_to` column, or its key's reference value."""
    if rule.get("compare_to"):
        return get_path(record, rule["compare_to"])
    reference = rule.get("reference") or {}
    key = get_path(record, reference.get("key", ""))
    if is_missing(key) or isinstance(key, dict | list):
        return _ABSENT
    values = reference.get("values") or {}
    try:
        return values.get(labels.canonical_label(key), _ABSENT)
    except ValueError:
        return _ABSENT


def same(value: Any, expected: Any, tolerance: float = 0.0) -> bool:
    """Equal as the registry compares predictions: numbers within `tolerance`, labels in canonical form."""
    try:
        value, expected = labels.unwrap(value), labels.unwrap(expected)
    except ValueError:
        return bool(value == expected)
    if json_type(value) == "number" and json_type(expected) == "number":
        return abs(float(value) - float(expected)) <= tolerance
    try:
        return labels.canonical_label(value) == labels.canonical_label(expected)
    except ValueError:
        return bool(value == expected)


def status_of(value: float, threshold: float, margin: float = DEFAULT_MARGIN) -> str:
    return "pass" if value >= threshold else "warning" if value >= threshold - margin else "fail"


def figures(
    table: str, column: str, tally: ColumnTally, rule: Mapping[str, Any], thresholds: Mapping[Any, float], margin: float
) -> list[Figure]:
    """The quality figures of one column: completeness always, the others when they can be measured."""
    if tally.records == 0:
        return []
    limits = {**thresholds, **(rule.get("thresholds") or {})}
    measured: list[tuple[str, float, list[str], list[str]]] = []
    missing = tally.records - tally.present
    measured.append(
        (
            "completeness",
            tally.present / tally.records,
            [f"{missing} of {tally.records} records lack {column}"] if missing else [],
            [f"fill {column} at the source or drop the records that lack it"] if missing else [],
        )
    )
    if tally.present:
        if any(rule.get(name) is not None for name in _VALUE_RULES):
            bad = tally.present - tally.valid
            issues = [f"{n} x {kind}" for kind, n in tally.issues.most_common(MAX_ISSUES) if kind not in ("missing", "stale")]
            measured.append(
                (
                    "validity",
                    tally.valid / tally.present,
                    issues,
                    [f"fix or filter the {bad} invalid values of {column}"] if bad else [],
                )
            )
        dominant, count = tally.types.most_common(1)[0]
        other = tally.present - count
        measured.append(
            (
                "consistency",
                count / tally.present,
                [f"{other} values are not {dominant}: {dict(tally.types)}"] if other else [],
                [f"store {column} with one type ({dominant})"] if other else [],
            )
        )
        if tally.referenced:
            wrong = tally.referenced - tally.accurate
            against = rule["accuracy"].get("compare_to") or f"the reference values of {rule['accuracy']['reference']['key']}"
            measured.append(
                (
                    "accuracy",
                    tally.accurate / tally.referenced,
                    [f"{wrong} of {tally.referenced} values differ from {against}"] if wrong else [],
                    [f"correct the {wrong} inaccurate values of {column} at the source"] if wrong else [],
                )
            )
        if rule.get("max_age_days") is not None:
            stale = tally.present - tally.timely
            measured.append(
                (
                    "timeliness",
                    tally.timely / tally.present,
                    [f"{stale} values are older than {rule['max_age_days']} days"] if stale else [],
                    ["refresh the source more often"] if stale else [],
                )
            )
    found = []
    for metric, value, issues, advice in measured:
        threshold = float(limits.get(metric, DEFAULT_THRESHOLD))
        found.append(
            Figure(table, column, metric, value, threshold, status_of(value, threshold, margin), tally.records, issues, advice)
        )
    return found


def _kind_of(problem: str) -> str:
    for marker, kind in _PROBLEM_KINDS:
        if marker in problem:
            return kind
    return "invalid"


# --- storage -------------------------------------------------------------------------------------


def store_ops(
    tenant_id: str, found: list[Figure], pipeline_name: str, run_id: str, measured_at: str, company_id: str | None = None
) -> list[storage.Op]:
    """Each figure becomes the latest of its (table, column, metric)."""
    ops: list[storage.Op] = []
    for figure in found:
        key = keys.data_quality(tenant_id, figure.table_name, figure.column_name, figure.quality_metric, company_id)
        item = DataQualityItem(
            key.pk,
            key.sk,
            id=quality_id(figure.table_name, figure.column_name, figure.quality_metric, company_id),
            table_name=figure.table_name,
            column_name=figure.column_name,
            quality_metric=figure.quality_metric,
            metric_value=figure.metric_value,
            threshold=figure.threshold,
            status=figure.status,
            records=figure.records,
            issues=figure.issues,
            recommendations=figure.recommendations,
            pipeline_name=pipeline_name,
            run_id=run_id,
            company_id=company_id,
            measured_at=measured_at,
        )
        ops.append(storage.Put(item))
    return ops


def list_quality(tenant_id: str, query: DataQualityQuery) -> Page[DataQuality]:
    listing = f"data-quality:{query.table or ''}:{query.company_id or ''}"
    condition = scope.condition(DataQualityItem.company_id, query.company_id)
    found, cursor = store.quality_page(tenant_id, query.table, condition, listing, query.limit, query.cursor)
    return Page[DataQuality](items=[view(item) for item in found], next_cursor=cursor)


def quality_id(table: str, column: str, metric: str, company_id: str | None = None) -> str:
    """The id of a (table, column, metric) figure (a company's pipelines' own): the same for every run that measures it."""
    return f"dq_{keys.key_part(table)}.{keys.key_part(column)}.{metric}{keys.of_company(company_id)}"


def figure_view(
    figure: Figure, *, run_id: str, pipeline_name: str, measured_at: str, company_id: str | None = None
) -> DataQuality:
    return DataQuality.of(
        figure,
        id=quality_id(figure.table_name, figure.column_name, figure.quality_metric, company_id),
        company_id=company_id,
        pipeline_name=pipeline_name,
        run_id=run_id,
        measured_at=measured_at,
    )


def view(item: DataQualityItem) -> DataQuality:
    return DataQuality.of(item, issues=item.issues or [], recommendations=item.recommendations or [])
