"""The cron arithmetic of pipeline schedules: pure functions of the expression and the moments they are given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.pipelines import cron

CREATED = datetime(2026, 5, 20, 1, 10, 30, tzinfo=UTC)


def test_expressions_are_read_or_refused_whatever_the_clock() -> None:
    assert cron.check(" 0  2 * * * ") == "0 2 * * *"
    assert cron.check("@Daily") == "@Daily"
    for wrong in ("daily", "61 * * * *", "0 2 * *"):
        with pytest.raises(ValueError, match="is not a cron expression"):
            cron.check(wrong)


def test_a_new_schedule_starts_at_its_first_occurrence_after_creation() -> None:
    assert cron.first_after("0 2 * * *", CREATED) == datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
    assert cron.first_after(None, CREATED) is None


def test_an_occurrence_comes_once_and_missed_ones_become_one() -> None:
    before = cron.occurrence("0 2 * * *", None, CREATED, datetime(2026, 5, 20, 1, 59, 59, tzinfo=UTC))
    assert before == cron.Occurrence(
        due=datetime(2026, 5, 20, 2, 0, tzinfo=UTC), following=datetime(2026, 5, 20, 2, 0, tzinfo=UTC), has_come=False
    )
    on_time = cron.occurrence(
        "0 2 * * *", datetime(2026, 5, 20, 2, 0, tzinfo=UTC), CREATED, datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
    )
    assert on_time.has_come and on_time.following == datetime(2026, 5, 21, 2, 0, tzinfo=UTC)
    # Three days without a tick: the stored occurrence is due, and the schedule moves past all the missed ones.
    late = cron.occurrence("0 2 * * *", datetime(2026, 5, 20, 2, 0, tzinfo=UTC), CREATED, datetime(2026, 5, 23, 9, 0, tzinfo=UTC))
    assert late == cron.Occurrence(
        due=datetime(2026, 5, 20, 2, 0, tzinfo=UTC), following=datetime(2026, 5, 24, 2, 0, tzinfo=UTC), has_come=True
    )
    with pytest.raises(ValueError):
        cron.occurrence("daily", None, CREATED, CREATED)
