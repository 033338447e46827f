"""The one clock of the service, so that tests can move time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

_frozen: datetime | None = None
_request = threading.local()  # one request's own moment (the local stack's demo and test clock)


def now() -> datetime:
    moment = getattr(_request, "moment", None)
    if moment is not None:
        return moment
    return _frozen if _frozen is not None else datetime.now(UTC)


def wall() -> datetime:
    """The real time, whatever `frozen` or `at` say: when a write actually happens (processing time), which the
    aggregation's watermark follows, as opposed to the time the event is recorded at."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds, as the API writes timestamps: 2026-11-21T23:04:05.123Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def day_of(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def days_between(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Stop the clock at `moment` for the current thread only (one request of the local stack)."""
    previous = getattr(_request, "moment", None)
    _request.moment = moment
    try:
        yield
    finally:
        _request.moment = previous


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Stop the clock at `moment` (tests only)."""
    global _frozen
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
