"""Opaque list cursors: signed, bound to the tenant, so a cursor can neither be forged nor reused elsewhere."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from .errors import ValidationFailed
from .settings import get_settings

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes) -> bytes:
    return hmac.new(get_settings().cursor_key(), payload, hashlib.sha256).digest()[:18]


def encode(owner: str, listing: str, state: dict[str, Any]) -> str:
    payload = json.dumps({"o": owner, "l": listing, "s": state}, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_sign(payload))}"


def decode(owner: str, listing: str, cursor: str) -> dict[str, Any]:
    """The state a previous page left; 422 naming `cursor` for anything this list did not give out."""
    try:
        body, signature = cursor.split(".", 1)
        payload = _unb64(body)
        valid = hmac.compare_digest(_unb64(signature), _sign(payload))
        data = json.loads(payload) if valid else None
    except (ValueError, json.JSONDecodeError):
        data = None
    if not data or data.get("o") != owner or data.get("l") != listing or not isinstance(data.get("s"), dict):
        raise ValidationFailed.field("query.cursor", "is not a cursor that this list gave out", "cursor_invalid")
    return data["s"]  # type: ignore[no-any-return]
