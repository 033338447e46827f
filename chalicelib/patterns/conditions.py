"""Pattern conditions: data, evaluated safely (never with eval).

A condition maps a fact's name to what the fact must be:

| condition | holds when the fact |
| --- | --- |
| `true`, `3`, `"shopify"`, `null` | equals it |
| `">10"`, `">=10"`, `"<3"`, `"<=3"`, `"==5"`, `"!=5"` | is a number that compares so |
| `["a", "b"]` | is one of them |
| `{"gt": 10}`, `gte`, `lt`, `lte`, `eq`, `ne`, `{"in": [...]}`, `not_in`, `{"contains": x}`, `{"exists": true}` | meets all |

A fact that is missing meets no condition (except `{"exists": false}`).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..core.errors import ValidationFailed

_COMPARISON = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
_NAMED = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "ne": "!="}
_MISSING = object()


def validate(conditions: Mapping[str, Any]) -> None:
    """422 naming the first condition that is not in the language above."""
    for fact, condition in conditions.items():
        if isinstance(condition, dict):
            unknown = set(condition) - {*_NAMED, "in", "not_in", "contains", "exists"}
            if unknown or not condition:
                raise ValidationFailed.field(
                    f"body.conditions.{fact}", f"unknown operator(s) {sorted(unknown) or '(none)'}", "condition"
                )
            for name in ("in", "not_in"):
                if name in condition and not isinstance(condition[name], list):
                    raise ValidationFailed.field(f"body.conditions.{fact}", f"{name} needs a list", "condition")
            for name in _NAMED:
                if name in condition and not _is_number(condition[name]) and name not in ("eq", "ne"):
                    raise ValidationFailed.field(f"body.conditions.{fact}", f"{name} needs a number", "condition")


def holds(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    return all(_meets(facts.get(fact, _MISSING), condition) for fact, condition in conditions.items())


def _meets(value: Any, condition: Any) -> bool:
    if isinstance(condition, dict):
        return all(_operator(value, name, operand) for name, operand in condition.items())
    if value is _MISSING:
        return False
    if isinstance(condition, list):
        return any(_equal(value, option) for option in condition)
    if isinstance(condition, str):
        match = _COMPARISON.match(condition)
        if match:
            return _is_number(value) and _OPERATORS[match.group(1)](float(value), float(match.group(2)))
    return _equal(value, condition)


def _operator(value: Any, name: str, operand: Any) -> bool:
    if name == "exists":
        return (value is not _MISSING) == bool(operand)
    if value is _MISSING:
        return False
    if name == "in":
        return any(_equal(value, option) for option in operand)
    if name == "not_in":
        return not any(_equal(value, option) for option in operand)
    if name == "contains":
        return isinstance(value, list | str) and operand in value
    symbol = _NAMED[name]
    if symbol in ("==", "!="):
        return _equal(value, operand) == (symbol == "==")
    return _is_number(value) and _OPERATORS[symbol](float(value), float(operand))


def _equal(value: Any, expected: Any) -> bool:
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    if _is_number(value) and _is_number(expected):
        return float(value) == float(expected)
    return bool(value == expected)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
