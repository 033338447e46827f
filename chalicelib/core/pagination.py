"""Opaque list cursors: signed, bound to the tenant, so a cursor can neither be forged nor reused elsewhere."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import ValidationFailed
from .settings import get_settings

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


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
    return data["s"]


def in_order(
    owner: str, listing: str, items: Sequence[T], limit: int, cursor: str | None, identity: Callable[[T], str]
) -> tuple[list[T], str | None]:
    """A page of a list computed in memory (a catalog, the scheduler's tasks), in the list's own order.

    The cursor names the last item given out and the position after it: the next page resumes right after
    that item wherever it now stands (an item added or removed before it neither repeats nor skips one),
    or at the position if the item has gone. No cursor when nothing follows.
    """
    start = 0
    if cursor:
        state = decode(owner, listing, cursor)
        after, position = state.get("a"), state.get("p")
        if not isinstance(after, str) or not isinstance(position, int) or position < 0:
            raise ValidationFailed.field("query.cursor", "is not a cursor that this list gave out", "cursor_invalid")
        ids = [identity(item) for item in items]
        start = ids.index(after) + 1 if after in ids else min(position, len(items))
    found = list(items[start : start + limit])
    more = start + limit < len(items)
    return found, encode(owner, listing, {"a": identity(found[-1]), "p": start + len(found)}) if more and found else None
