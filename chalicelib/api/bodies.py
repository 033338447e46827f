"""Request bodies parsed within what storage can hold: DynamoDB's numbers and nesting, never a 500 later.

A body is parsed once here, before its pydantic model sees it. DynamoDB stores numbers of at most 38 significant
digits between 1E-130 and 9.9999999999999999999999999999999999999E+125 in magnitude and nests maps and lists at
most 32 levels deep; JSON allows more (an integer of 5,000 digits, 1e308, `NaN`, a thousand nested lists), and each of
those used to surface as a 500 from the storage layer, after the work was done. Each is answered here as a 400 or a
422 naming the field.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..core.errors import BadRequest, ValidationFailed
from ..core.limits import BODY_MAX_DEPTH as MAX_DEPTH
from ..core.limits import NUMBER_MAX_DIGITS as MAX_DIGITS
from ..core.limits import NUMBER_MAX_MAGNITUDE as MAX_MAGNITUDE
from ..core.limits import NUMBER_MIN_MAGNITUDE as MIN_MAGNITUDE


class _Unstorable:
    """A number JSON allows and DynamoDB cannot hold, kept as its text until its field is known."""

    def __init__(self, text: str, why: str) -> None:
        self.text, self.why = text, why


def _integer(text: str) -> int | _Unstorable:
    digits = len(text.lstrip("-").lstrip("0")) or 1
    if digits > MAX_DIGITS:
        return _Unstorable(text, f"an integer of {digits} digits; at most {MAX_DIGITS} are stored")
    return int(text)


def _real(text: str) -> float | _Unstorable:
    value = float(text)
    if math.isinf(value) or abs(value) > MAX_MAGNITUDE:
        return _Unstorable(text, f"{text[:40]} is out of range; numbers are stored up to 9.99e125 in magnitude")
    if value != 0 and abs(value) < MIN_MAGNITUDE:
        return _Unstorable(text, f"{text[:40]} is out of range; non-zero numbers are stored from 1e-130 in magnitude")
    return value


def _constant(text: str) -> _Unstorable:
    return _Unstorable(text, f"{text} is not a number JSON allows")


def load_object(text: str) -> dict[str, Any]:
    """The body as a JSON object; a 400 if it is not JSON, a 422 naming the field of an unstorable value."""
    try:
        payload = json.loads(text, parse_int=_integer, parse_float=_real, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError:
        raise BadRequest(f"the body nests too deep; at most {MAX_DEPTH} levels are accepted") from None
    if not isinstance(payload, dict):
        raise ValidationFailed.field("body", "must be a JSON object", "model_type")
    _check(payload, "body", 0)
    return payload


def _check(value: Any, where: str, depth: int) -> None:
    if isinstance(value, _Unstorable):
        raise ValidationFailed.field(where, value.why, "number_out_of_range")
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:
        raise ValidationFailed.field(where, f"nests too deep; at most {MAX_DEPTH} levels are accepted", "too_deep")
    if isinstance(value, dict):
        for key, item in value.items():
            _check(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{where}.{index}", depth + 1)
