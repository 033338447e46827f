"""Analytics windows: what `from`, `to` and `days` ask for, and how the counters answer it to the hour.

A date alone (`2026-12-01`) means the whole UTC day: as `from` its first instant, as `to` the end of that
day (both days included, as always). A timestamp (`2026-12-01T10:30:00Z`; without a zone, UTC) means that
instant, and a `to` timestamp is the end of the window, not included: the window is [from, to).

The export reads the sessions themselves and honours the instants exactly (at the millisecond of the
recorded `created_at`). The summary and the model rows read counters, which count whole hours: `from`
rounds down to its hour and `to` up to its hour (10:30 to 11:15 counts 10:00 to 12:00), and the answer
echoes the window used. Whole days of that window come from the day counters, the hours at its edges
(at most 23 at each end) from the hour counters, so a read costs the same whatever the volume.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..core import clock

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def hour_of(moment: datetime) -> str:
    """`yyyy-mm-ddThh`, the hourly counters' bucket (core.keys.hour_bucket of an ISO timestamp)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    floor = _floor_hour(moment)
    return floor if floor == moment else floor + HOUR


def _ceil_ms(moment: datetime) -> datetime:
    """The first millisecond at or after `moment`: recorded times are whole milliseconds (clock.iso)."""
    moment = moment.astimezone(UTC)
    rest = moment.microsecond % 1000
    return moment if not rest else moment + timedelta(microseconds=1000 - rest)


@dataclass(frozen=True)
class Split:
    """A window of whole hours as the counters read it: a run of whole days and runs of edge hours."""

    days: tuple[str, str] | None  # first and last whole day, both included
    hours: list[tuple[str, str]]  # runs of hours `yyyy-mm-ddThh`, first and last included


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC; `timed` when `from` or `to` was a timestamp (else whole days were asked)."""

    start: datetime
    end: datetime
    timed: bool

    @classmethod
    def of(cls, first: date | None, last: date | None, days: int | None, default_days: int) -> Window:
        """The window of a query: `first`/`last` are dates or (timezone-aware) datetimes, `days` the last N days."""
        today = clock.now().astimezone(UTC).date()
        timed = isinstance(first, datetime) or isinstance(last, datetime)
        if isinstance(last, datetime):
            end, last_day = last.astimezone(UTC), last.astimezone(UTC).date()
        else:
            last_day = last or today
            end = midnight(last_day) + DAY
        if isinstance(first, datetime):
            start = first.astimezone(UTC)
        elif first is not None:
            start = midnight(first)
        else:
            start = midnight(last_day - timedelta(days=(days or default_days) - 1))
        return cls(start, end, timed)

    @property
    def first_day(self) -> str:
        return self.start.date().isoformat()

    @property
    def last_day(self) -> str:
        """The day of the window's last instant (the day before `end` when it ends at midnight)."""
        return (self.end - timedelta(microseconds=1)).date().isoformat() if self.end > self.start else self.first_day

    def day_span(self) -> int:
        return (date.fromisoformat(self.last_day) - date.fromisoformat(self.first_day)).days + 1

    def to_the_hour(self) -> Window:
        """The window the counters count: `from` rounded down to its hour, `to` up to its hour."""
        return Window(_floor_hour(self.start), _ceil_hour(self.end), self.timed)

    def exact(self) -> tuple[str, str]:
        """[start, end) as recorded timestamps compare (clock.iso): `created_at >= start and created_at < end`."""
        return clock.iso(_ceil_ms(self.start)), clock.iso(_ceil_ms(self.end))

    def echo(self) -> tuple[str, str]:
        """`from` and `to` as the answer shows them: the days (both included) or the instants [from, to)."""
        if not self.timed:
            return self.first_day, self.last_day
        return clock.iso(self.start), clock.iso(self.end)

    def split(self) -> Split:
        """Whole days, and the hours before and after them (one run of at most 46 hours when no day is whole)."""
        window = self.to_the_hour()
        start, end = window.start, window.end
        if end <= start:
            return Split(None, [])
        first_whole = start.date() if start == midnight(start.date()) else start.date() + DAY
        last_whole = end.date() - DAY
        if first_whole > last_whole:
            return Split(None, [(hour_of(start), hour_of(end - HOUR))])
        hours = []
        if start < midnight(first_whole):
            hours.append((hour_of(start), hour_of(midnight(first_whole) - HOUR)))
        if end > midnight(end.date()):
            hours.append((hour_of(midnight(end.date())), hour_of(end - HOUR)))
        return Split((first_whole.isoformat(), last_whole.isoformat()), hours)
