"""Calendar periods of the roll-ups: ISO weeks (Monday to Sunday), calendar months, all time (UTC days)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

PERIOD_TYPES = ("daily", "weekly", "monthly", "all_time")
ALL_TIME_START = "all"  # the key's period start of the all-time roll-up


def start_of(period_type: str, day: str) -> str:
    d = date.fromisoformat(day)
    if period_type == "daily":
        return day
    if period_type == "weekly":
        return (d - timedelta(days=d.weekday())).isoformat()
    if period_type == "monthly":
        return d.replace(day=1).isoformat()
    return ALL_TIME_START


def end_of(period_type: str, start: str) -> str:
    d = date.fromisoformat(start)
    if period_type == "daily":
        return start
    if period_type == "weekly":
        return (d + timedelta(days=6)).isoformat()
    following = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return (following - timedelta(days=1)).isoformat()


def days(first: str, last: str) -> list[str]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [(a + timedelta(days=i)).isoformat() for i in range((b - a).days + 1)]


def starts_between(period_type: str, first_day: str, last_day: str) -> list[str]:
    """Every period start whose period overlaps [first_day, last_day]."""
    out: list[str] = []
    start = start_of(period_type, first_day)
    while start <= last_day:
        out.append(start)
        start = (date.fromisoformat(end_of(period_type, start)) + timedelta(days=1)).isoformat()
    return out


def runs(wanted: Iterable[str]) -> list[tuple[str, str]]:
    """Sorted days grouped into runs of consecutive days: [(first, last), ...]."""
    out: list[tuple[str, str]] = []
    for day in sorted(set(wanted)):
        if out and date.fromisoformat(out[-1][1]) + timedelta(days=1) == date.fromisoformat(day):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def previous_day(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def shift(day: str, n: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=n)).isoformat()
