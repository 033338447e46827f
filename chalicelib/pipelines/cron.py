"""Cron schedules as pure functions: reading an expression (UTC) and computing its occurrences.

No I/O and no clock: every function that needs a moment is given it (`now`, `created`), so the schedule's arithmetic
is tested with plain datetimes and the task that acts on it (`schedules.py`) decides what "now" is.

cronsim is imported inside the functions: a request that validates no schedule does not load it (cold start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

# The nicknames cron users write, as the five fields cronsim reads.
ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# Whether an expression reads does not depend on the moment it starts from: any fixed moment does.
_ANY_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


def check(expression: str) -> str:
    """The expression, its whitespace collapsed, when cron can read it; ValueError saying why otherwise."""
    from cronsim import CronSim, CronSimError

    text = " ".join(expression.split())
    try:
        CronSim(ALIASES.get(text.lower(), text), _ANY_MOMENT)
    except CronSimError as exc:
        raise ValueError(
            f"{expression!r} is not a cron expression ({exc}): five fields, minute hour day-of-month month "
            "day-of-week, in UTC (for example '0 2 * * *'), or @hourly, @daily, @weekly, @monthly, @yearly"
        ) from None
    return text


def next_after(expression: str, moment: datetime) -> datetime:
    """The first occurrence strictly after `moment` (ValueError for what cron cannot read)."""
    from cronsim import CronSim, CronSimError

    try:
        return next(CronSim(ALIASES.get(expression.lower(), expression), moment.replace(second=0, microsecond=0)))
    except CronSimError as exc:
        raise ValueError(f"{expression!r} is not a cron expression ({exc})") from None


def first_after(expression: str | None, created: datetime) -> datetime | None:
    """A new schedule's first occurrence: the first after the pipeline was created (None without a schedule)."""
    return next_after(expression, created) if expression else None


@dataclass(frozen=True)
class Occurrence:
    """Where a schedule stands at `now`: the occurrence that is due (or next), whether it has come, and the one
    after `now` that the schedule moves to once `due` is claimed."""

    due: datetime
    following: datetime
    has_come: bool


def occurrence(expression: str, next_run: datetime | None, created: datetime, now: datetime) -> Occurrence:
    """The schedule's state at `now`. `next_run` is the occurrence stored with the schedule (None for one stored
    before occurrences were: its first after `created`). Occurrences missed in between are one, not a burst: the
    schedule moves straight to the first occurrence after `now`. ValueError for what cron cannot read."""
    due = next_run or next_after(expression, created)
    following = next_after(expression, now)
    return Occurrence(due=due, following=following, has_come=due <= now)
