"""Labels and values as the registry reads them: a label in canonical text, a prediction given as an object read as
its value, a number that must be finite. Model versions (their positive class), predictions and data quality all
compare labels through these, so `1`, `1.0` and `"1"` are one label everywhere."""

from __future__ import annotations

import math
from typing import Any

_OBJECT_KEYS = ("label", "class", "value", "prediction")


def canonical_label(value: Any) -> str:
    """A label as text: `true`/`false` for booleans, integral numbers without `.0`, strings as given."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        if not value or len(value) > 100:
            raise ValueError("a label must be 1 to 100 characters")
        return value
    raise ValueError("must be a label: a string, a number or a boolean")


def unwrap(value: Any) -> Any:
    """A prediction given as an object (seed: {"prediction": "expense", "confidence": 0.95}) read as its value."""
    if isinstance(value, dict):
        for key in _OBJECT_KEYS:
            if key in value:
                return value[key]
        raise ValueError(f"an object prediction needs one of {', '.join(_OBJECT_KEYS)}")
    return value


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a finite number")
    return float(value)
