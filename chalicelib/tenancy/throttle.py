"""Failed authentication throttled per source IP: a fixed one-minute window, like `ratelimit.py`'s.

Each failure is counted with an atomic ADD on the source's minute item (`PLATFORM#AUTHFAIL#<digest of the IP>`),
shared by every Lambda. Once a source has failed `auth_failures_per_minute` times in a minute, the Lambda that
saw it remembers the source as blocked until the minute ends, and answers its requests 429 with Retry-After
before reading anything from the table. Another Lambda learns of the block at that source's next failure (one
more read and write at most); a source is blocked for every key it sends, good ones included, until the minute ends.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from ..core import clock, keys
from ..core.errors import RateLimited
from . import platform
from .store import AuthFailureWindow

_blocked: dict[str, str] = {}  # source -> the minute it is blocked in
_lock = threading.Lock()
MAX_REMEMBERED = 10_000


def _minute() -> tuple[str, int]:
    now = clock.now()
    return now.strftime("%Y-%m-%dT%H:%M"), 60 - now.second


def check(source: str | None) -> None:
    """429 when `source` has failed too often this minute (no table read)."""
    if not source:
        return
    minute, left = _minute()
    with _lock:
        blocked = _blocked.get(source) == minute
    if blocked:
        raise RateLimited("too many failed authentications from this address; retry later", retry_after=left)


def failed(source: str | None) -> None:
    """Count one failed authentication of `source`; past the limit, block it for the rest of the minute."""
    if not source:
        return
    minute, _ = _minute()
    key = keys.auth_failures(source, minute)
    window = AuthFailureWindow(key.pk, key.sk)
    window.update(
        actions=[
            AuthFailureWindow.failures.add(1),
            AuthFailureWindow.kind.set(AuthFailureWindow),
            AuthFailureWindow.expires_at.set(clock.now() + timedelta(minutes=10)),
        ],
        add_version_condition=False,
    )
    if int(window.failures) >= platform.current().auth_failures_per_minute:
        with _lock:
            if len(_blocked) >= MAX_REMEMBERED:
                _blocked.clear()
            _blocked[source] = minute


def forget() -> None:
    """Forget every block this process remembers."""
    with _lock:
        _blocked.clear()
