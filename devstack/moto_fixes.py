"""Three fixes that make moto's DynamoDB behave like DynamoDB under concurrency.

1. moto serves requests on many threads but its backend has no lock, so two conditional
   writes can both pass their check. Every backend call now runs under one lock, and so does
   each whole request with the writing of its answer: moto answers an UpdateItem's
   `ReturnValues` from the live stored item after the backend call returned, so without it
   two concurrent ADDs could both answer the later total (two callers, one sequence number).
   Each request is atomic, as a DynamoDB item write is.
2. moto's TransactWriteItems deep-copies every table it touches to roll back, which costs
   O(table) per transaction and, on rollback, restores the whole table, undoing other
   requests' writes. It now keeps an undo log of the items it touched.
3. moto adds and subtracts numbers by parsing a value without a "." as an int, so an ADD meeting a number
   written in exponent notation (`4e-05`, a tiny cost; `-2.7e-17`, a float difference) failed with a 500;
   DynamoDB reads both. Numbers are now parsed as decimals whenever they are not plain integers.

Flat updates (plain SET, ADD of numbers, REMOVE: every update the app sends) skip moto's expression machinery
(devstack/moto_updates.py).

Queries are indexed (devstack/moto_index.py), and an answer's attribute values, already in DynamoDB's JSON
form, are not walked again by moto's shape serializer. Used by the local stack and by the tests; production
talks to DynamoDB itself.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

LOCK = threading.RLock()
_state = {"patched": False, "writes": 0}
_READS = {"get_item", "query", "scan", "describe_table", "list_tables", "get_table", "batch_get_item", "transact_get_items"}


def writes_seen() -> int:
    """How many write calls the backend has served."""
    return _state["writes"]


def harden() -> None:
    if _state["patched"]:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    from . import moto_index, moto_updates

    moto_updates.install()  # flat updates without moto's expression machinery; wrapped by the index below
    moto_index.install()  # indexed queries, touched items reported; its backend patch is locked below like the rest
    _fast_attribute_values()
    _exact_number_arithmetic()
    DynamoHandler.call_action = _locked(DynamoHandler.call_action, counts_write=False)  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    for name, member in list(vars(DynamoDBBackend).items()):
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        setattr(DynamoDBBackend, name, _locked(member, counts_write=name not in _READS))
    _state["patched"] = True


def _number(text: str) -> int | Decimal:
    """A DynamoDB number as moto stores it (its text), read the way DynamoDB does: exponents included."""
    return int(text) if text.lstrip("-").isdigit() else Decimal(text)


def _exact_number_arithmetic() -> None:
    from moto.dynamodb.models.dynamo_type import DDBType, DynamoType

    add, subtract = DynamoType.__add__, DynamoType.__sub__

    def __add__(self: Any, other: Any) -> Any:
        if self.type == other.type == DDBType.NUMBER:
            return DynamoType({DDBType.NUMBER: f"{_number(self.value) + _number(other.value)}"})
        return add(self, other)

    def __sub__(self: Any, other: Any) -> Any:
        if self.type == other.type == DDBType.NUMBER:
            return DynamoType({DDBType.NUMBER: f"{_number(self.value) - _number(other.value)}"})
        return subtract(self, other)

    DynamoType.__add__ = __add__  # type: ignore[method-assign]
    DynamoType.__sub__ = __sub__  # type: ignore[method-assign]


def _plain_json(value: Any) -> bool:
    """An AttributeValue already in DynamoDB's JSON form, with no binary (whose encoding the serializer owns)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    kind, inner = next(iter(value.items()))
    if kind in ("S", "N", "BOOL", "NULL", "SS", "NS"):
        return True
    if kind == "M":
        return isinstance(inner, dict) and all(_plain_json(v) for v in inner.values())
    if kind == "L":
        return isinstance(inner, list) and all(_plain_json(v) for v in inner)
    return False


def _fast_attribute_values() -> None:
    """moto serialises each answer by walking botocore's shapes member by member: for an item of a few hundred
    attributes (a counter row), hundreds of milliseconds. An AttributeValue moto holds is already in DynamoDB's JSON
    form, so the JSON serializer now copies it as it is (binaries still go the long way)."""
    from moto.core.serialize import BaseJSONSerializer

    walk = BaseJSONSerializer._serialize

    def serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name == "AttributeValue" and _plain_json(value):
            serialized[self.get_serialized_name(shape, key)] = value
            return
        walk(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize = serialize  # type: ignore[method-assign]


def _locked(function: Callable[..., Any], *, counts_write: bool) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        with LOCK:
            if counts_write:
                _state["writes"] += 1
            return function(*args, **kwargs)

    return call


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models.dynamo_type import DynamoType

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo: list[tuple[Any, Any, Any, Any]] = []
    targets: set[tuple[str, str]] = set()

    def remember(table_name: str, key: dict[str, Any]) -> None:
        table = self.get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        current = table.get_item(hash_value, range_value)
        undo.append((table, hash_value, range_value, copy.deepcopy(current)))

    def rollback() -> None:
        from .moto_index import touched

        for table, hash_value, range_value, previous in reversed(undo):
            if range_value is None:
                if previous is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = previous
            elif previous is None:
                table.items[hash_value].pop(range_value, None)
                if not table.items[hash_value]:
                    table.items.pop(hash_value, None)
            else:
                table.items[hash_value][range_value] = previous
            touched(table, hash_value, range_value)

    errors: list[tuple[Any, Any, Any]] = []
    for item in transact_items:
        original_item = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            target = (str(table_name), str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)
            current = self.get_item(table_name, key)
            if condition is not None:
                if not get_filter_expression(condition, names, values).expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                remember(table_name, key)
            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            rollback()
            raise
        except ConditionalCheckFailed as exc:
            errors.append(("ConditionalCheckFailed", str(exc.message), original_item))
        except Exception as exc:  # noqa: BLE001 - moto reports every other failure as a cancellation reason
            errors.append((type(exc).__name__, str(exc), original_item))
    if any(code is not None for code, _, _ in errors):
        rollback()
        raise TransactionCanceledException(errors)
