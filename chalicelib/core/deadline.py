"""Time budgets, declared in one place, and the deadline carried through a request or a scheduled task.

Every limit of time the service lives under is a setting (docs/operations.md has the table):

- an HTTP request answers within `request_budget_seconds` (API Gateway's 29 s integration timeout);
- a scheduled task ends within its Lambda's remaining time (`lambda_timeout_seconds` where no Lambda says);
- `deadline_margin_seconds` of either is kept back to record the outcome and answer;
- no provider call starts with less than `min_attempt_seconds` left.

A deadline is set around the work (`within`) and read where time is spent: a provider call's timeout is
the provider's own timeout or the time left, whichever is shorter; a loop over items calls `check()`.
What runs out is a `DeadlineExceeded` (504 over HTTP; a failed run for a task), never a killed Lambda.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from .errors import DeadlineExceeded
from .settings import get_settings


@dataclass(frozen=True)
class Deadline:
    ends_at: float  # time.monotonic() when the platform stops the work
    margin: float  # kept back to record the outcome and answer

    def left(self) -> float:
        """Seconds left for work: until the end, minus the margin (negative once past)."""
        return self.ends_at - self.margin - time.monotonic()


_current: ContextVar[Deadline | None] = ContextVar("learnloop_deadline", default=None)


def current() -> Deadline | None:
    return _current.get()


def left() -> float | None:
    """Seconds left for work under the current deadline; None when no deadline is set."""
    deadline = _current.get()
    return None if deadline is None else deadline.left()


@contextmanager
def within(seconds: float, *, margin: float | None = None) -> Iterator[Deadline]:
    """Run the block under a deadline `seconds` from now, or under the enclosing one when that ends sooner."""
    margin = get_settings().deadline_margin_seconds if margin is None else margin
    mine = Deadline(time.monotonic() + seconds, margin)
    enclosing = _current.get()
    chosen = enclosing if enclosing is not None and enclosing.left() <= mine.left() else mine
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


@contextmanager
def for_request() -> Iterator[Deadline]:
    """The deadline of an HTTP request: API Gateway's budget from now."""
    with within(get_settings().request_budget_seconds) as deadline:
        yield deadline


def enough_for_an_attempt() -> bool:
    """Whether a provider call may start: no deadline, or at least `min_attempt_seconds` left."""
    remaining = left()
    return remaining is None or remaining >= get_settings().min_attempt_seconds


def timeout_for(provider_timeout: float) -> float:
    """A call's timeout: the provider's own, or the time left when that is shorter (DeadlineExceeded when too little)."""
    remaining = left()
    if remaining is None:
        return provider_timeout
    if remaining < get_settings().min_attempt_seconds:
        raise DeadlineExceeded(f"{max(remaining, 0):.1f} s left: not enough for another call")
    return min(provider_timeout, remaining)


def check(doing: str) -> None:
    """Stop work that has no time left (between the items of a long task)."""
    remaining = left()
    if remaining is not None and remaining <= 0:
        raise DeadlineExceeded(f"out of time while {doing}")


def lock_seconds() -> int:
    """How long a scheduled task's lock holds: the Lambda's timeout plus the margin, so a killed run's lock goes stale
    before SQS redelivers its message (the queue's visibility timeout is longer)."""
    settings = get_settings()
    return int(settings.lambda_timeout_seconds + settings.task_lock_margin_seconds)


def reservation_seconds() -> int:
    """How long a budget reservation holds before it may be reclaimed: longer than any Lambda can run."""
    return lock_seconds()
