"""The size of an item as DynamoDB counts it, checked before every write (docs/operations.md#limits).

DynamoDB refuses an item over 400 KB with a ValidationException, which would be a 500: each item is
measured first and a larger one is answered 413 naming its largest attribute. The rules are AWS's
("Item sizes and formats"): an attribute is its name's UTF-8 bytes plus its value's; a string is its
UTF-8 bytes, a binary its bytes, a number about one byte per two significant digits plus one, a boolean
or null one byte, a list or map 3 bytes plus each element's size and one byte each (a map's keys
counted as names), a set the sum of its elements.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pynamodb.models import Model

from .errors import PayloadTooLarge
from .limits import ITEM_MAX_BYTES


def value_size(value: dict[str, Any]) -> int:
    """The bytes of one attribute value in DynamoDB's wire form ({"S": "..."}, {"N": "1"}, {"M": {...}}...)."""
    (kind, data), *_ = value.items()
    if kind == "S":
        return _utf8(data)
    if kind == "N":
        return _number(data)
    if kind == "B":
        return _binary(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8(v) for v in data)
    if kind == "NS":
        return sum(_number(v) for v in data)
    if kind == "BS":
        return sum(_binary(v) for v in data)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in data)
    if kind == "M":
        return 3 + sum(_utf8(k) + value_size(v) + 1 for k, v in data.items())
    raise ValueError(f"unknown attribute type {kind}")


def attribute_sizes(item: Model) -> dict[str, int]:
    """Each attribute's bytes (name and value), by its name in the table."""
    return {name: _utf8(name) + value_size(value) for name, value in item.serialize(null_check=False).items()}


def check(item: Model) -> None:
    """413 `item_too_large` naming the largest attribute when `item` is over DynamoDB's limit."""
    sizes = attribute_sizes(item)
    total = sum(sizes.values())
    if total <= ITEM_MAX_BYTES:
        return
    largest = max(sizes, key=sizes.__getitem__)
    field = _python_name(item, largest)
    value = getattr(item, field, None)
    if isinstance(value, dict) and value:  # a JSON attribute: name the part of it that takes the most
        part = max(value, key=lambda key: _utf8(json.dumps(value[key], ensure_ascii=False, default=str)))
        field = f"{field}.{part}"
    message = (
        f"{field} is too large to store: the record would take {total} bytes, more than the {ITEM_MAX_BYTES} "
        f"a record may hold ({largest} takes {sizes[largest]})"
    )
    raise PayloadTooLarge(
        message, details=[{"field": field, "message": message, "type": "item_too_large"}], code="item_too_large"
    )


def _python_name(item: Model, table_name: str) -> str:
    for name, attribute in item.get_attributes().items():
        if attribute.attr_name == table_name:
            return name
    return table_name


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _number(text: str) -> int:
    digits = text.lstrip("-").split("e")[0].split("E")[0].replace(".", "").strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def _binary(data: bytes | str) -> int:
    return len(data) if isinstance(data, bytes | bytearray) else len(base64.b64decode(data))
