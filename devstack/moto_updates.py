"""UpdateItem without moto's expression machinery for the updates the app sends: plain SET, ADD of numbers, REMOVE.

moto parses an UpdateExpression into a syntax tree and walks it once per validator and executor; a counter
update of a dozen ADDs is a tree of hundreds of nodes walked a dozen times, about 7 ms each, ten of them in
every feedback's transaction: most of the local stack's and the tests' time per request. The updates the app
builds through PynamoDB are flat (`SET #0 = :0, #1 = :1 ADD #2 :2 REMOVE #3`): each clause names one top-level
attribute and one value. Those are applied here directly, with the same checks: the condition (moto's own
parser), a missing name or value, a key attribute, the same attribute twice, ADD of a number to a number only
(a set, a nested path, a function or arithmetic keep moto's path, which also answers their errors), and an item
that would pass the size limit keeps moto's path too. The result is the item moto would have made; the stream
record and the indexes (devstack/moto_index.py wraps this) follow as before.
"""

from __future__ import annotations

import copy
import re
from typing import Any

_SECTION = re.compile(r"\b(SET|ADD|REMOVE|DELETE)\b", re.IGNORECASE)
_NAME = re.compile(r"^(#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*)$")
_VALUE = re.compile(r"^:[A-Za-z0-9_]+$")
_IF_NOT_EXISTS = re.compile(r"^if_not_exists\s*\(\s*(#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*)\s*,\s*(:[A-Za-z0-9_]+)\s*\)$")
_CLAUSE_COMMA = re.compile(r",(?![^()]*\))")  # a comma between clauses, not inside a function's parentheses
# Past this an update could reach DynamoDB's 400 KB item limit: moto's own path, which checks it, takes over.
_ROOMY_BYTES = 300 * 1024
SERVED = {"fast": 0, "moto": 0}
ENABLED = [True]  # tests switch it off to compare with moto's own path


def flat_clauses(expression: str) -> list[tuple[str, str, str | None]] | None:
    """(action, attribute token, value token) of each clause of a flat update, or None for anything else. A SET
    from `if_not_exists(<attribute>, :v)` is the action `SET_IF_NOT_EXISTS` with the value token `<attribute> :v`."""
    if any(ch in expression for ch in "[].+-") or expression.count("(") != expression.count("if_not_exists"):
        return None
    parts = _SECTION.split(expression)
    if parts[0].strip():
        return None
    clauses: list[tuple[str, str, str | None]] = []
    for keyword, body in zip(parts[1::2], parts[2::2], strict=True):
        action = keyword.upper()
        for clause in _CLAUSE_COMMA.split(body):
            clause = clause.strip()
            if action == "SET":
                target, _, value = clause.partition("=")
                target, value = target.strip(), value.strip()
                fallback = _IF_NOT_EXISTS.match(value)
                if fallback is not None:
                    if not _NAME.match(target):
                        return None
                    clauses.append(("SET_IF_NOT_EXISTS", target, f"{fallback.group(1)} {fallback.group(2)}"))
                    continue
            elif action == "ADD":
                target, _, value = clause.partition(" ")
                target, value = target.strip(), value.strip()
            elif action == "REMOVE":
                target, value = clause, ""
            else:
                return None
            if not _NAME.match(target) or (action != "REMOVE" and not _VALUE.match(value)):
                return None
            clauses.append((action, target, value or None))
    return clauses or None


def install() -> None:
    """Patch moto's backend (call before devstack/moto_index.py wraps it)."""
    from moto.dynamodb.models import DynamoDBBackend

    moto_update = DynamoDBBackend.update_item
    if getattr(moto_update, "_learnloop_flat", False):
        return

    def update_item(
        self: Any,
        table_name: str,
        key: dict[str, dict[str, Any]],
        update_expression: str,
        expression_attribute_names: dict[str, Any],
        expression_attribute_values: dict[str, Any],
        attribute_updates: dict[str, Any] | None = None,
        expected: dict[str, Any] | None = None,
        condition_expression: str | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> Any:
        arguments = (table_name, key, update_expression, expression_attribute_names, expression_attribute_values)
        options: dict[str, Any] = {
            "attribute_updates": attribute_updates,
            "expected": expected,
            "condition_expression": condition_expression,
            "return_values_on_condition_check_failure": return_values_on_condition_check_failure,
        }
        applied = None
        if ENABLED[0] and update_expression and not attribute_updates and not expected:
            applied = _apply_flat(self, *arguments, condition_expression, return_values_on_condition_check_failure)
        if applied is None:
            SERVED["moto"] += 1
            return moto_update(self, *arguments, **options)
        SERVED["fast"] += 1
        return applied

    update_item._learnloop_flat = True  # type: ignore[attr-defined]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


def _name(token: str, names: dict[str, str]) -> str | None:
    return names.get(token) if token.startswith("#") else token


def _apply_flat(
    backend: Any,
    table_name: str,
    key: dict[str, dict[str, Any]],
    expression: str,
    names: dict[str, str] | None,
    values: dict[str, dict[str, Any]] | None,
    condition: str | None,
    return_values_on_condition_check_failure: str | None,
) -> Any:
    """The updated item, or None when moto's own path must answer (anything not flat, or an error to report)."""
    from moto.dynamodb.comparisons import create_condition_expression_parser
    from moto.dynamodb.exceptions import ConditionalCheckFailed
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    clauses = flat_clauses(expression)
    if clauses is None:
        return None
    names, values = names or {}, values or {}
    table = backend.get_table(table_name)
    keys = {table.hash_key_attr, table.range_key_attr}
    if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
        return None
    resolved: list[tuple[str, str, Any]] = []
    sources: dict[str, str] = {}  # SET_IF_NOT_EXISTS: the attribute whose value it keeps when there is one
    for action, target, value in clauses:
        name = _name(target, names)
        if action == "SET_IF_NOT_EXISTS":
            assert value is not None
            source_token, value = value.split(" ")
            source = _name(source_token, names)
            if source is None:
                return None
            sources[name or ""] = source
        if name is None or name in keys or (value is not None and value not in values):
            return None
        resolved.append((action, name, DynamoType(values[value]) if value is not None else None))
    if len({name for _, name, _ in resolved}) != len(resolved):
        return None  # the same attribute twice: moto answers DynamoDB's "overlapping paths" error
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    item = table.get_item(hash_value, range_value)
    for action, name, value in resolved:
        current = item.attrs.get(name) if item is not None else None
        if action == "ADD" and (value.type != "N" or (current is not None and current.type != "N")):
            return None  # sets, and ADD to a non-number (moto's error), keep moto's path
    if item is not None and item.size() > _ROOMY_BYTES:
        return None
    if sum(len(str(value.value)) for _, _, value in resolved if value is not None) > _ROOMY_BYTES // 2:
        return None
    if condition and not create_condition_expression_parser(condition, names, values).parse().expr(item):
        if return_values_on_condition_check_failure == "ALL_OLD" and item is not None:
            raise ConditionalCheckFailed(item=item.to_json()["Attributes"])
        raise ConditionalCheckFailed
    original = copy.deepcopy(item) if table.stream_shard is not None else None
    if item is None:
        data = {table.hash_key_attr: key[table.hash_key_attr]}
        if table.range_key_attr:
            data[table.range_key_attr] = key[table.range_key_attr]
        table.put_item(data)
        item = table.get_item(hash_value, range_value)
    assert isinstance(item, Item)
    before = {name: item.attrs.get(source) for name, source in sources.items()}  # read before any clause writes
    for action, name, value in resolved:
        if action == "SET":
            item.attrs[name] = value
        elif action == "SET_IF_NOT_EXISTS":
            item.attrs[name] = copy.deepcopy(before[name]) if before[name] is not None else value
        elif action == "REMOVE":
            item.attrs.pop(name, None)
        else:
            current = item.attrs.get(name) or DynamoType({"N": "0"})  # moto's ADD to nothing adds to zero
            item.attrs[name] = current + value
    if table.stream_shard is not None:
        table.stream_shard.add(original, item)
    return item
