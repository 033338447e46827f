"""Users' learned preferences per model and task (seed 002's ai_user_preferences), from their own counters.

The counters live in the user's partition (`TENANT#<t>#USER#<u>`, `PREF#<category>#<model>`) and move in
the transaction of each session and feedback (chalicelib/model_stats/counting.py), which also stamps the time of
the change into GSI1 (`...#PREFCHANGES#<day>#<shard>`). aggregate-metrics reads only the preferences
changed since its watermark and writes their derived fields (`derived`) back onto the same items.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import UpdateError

from ..core import counters, keys
from ..core.table import TableItem
from . import figures
from .store import UserPreferenceCounter


def derived_of(item: UserPreferenceCounter) -> dict[str, Any]:
    """Seed 002's preference fields, computed from the user's counts."""
    counts = {name: getattr(item, name) or 0 for name in counters.fields_of(UserPreferenceCounter)}
    return {
        "preference_score": figures.preference_score(counts),
        "total_interactions": int(counts["requests"] + counts["feedback"]),
        "total_uses": int(counts["requests"]),
        "likes": int(counts["likes"]),
        "dislikes": int(counts["dislikes"]),
        "regenerates": int(counts["regenerates"]),
        "skips": int(counts["skips"]),
        "average_quality_rating": figures.average_quality_rating(counts),  # seed 002: 1-5 from the user's star ratings
        "blended_quality_rating": figures.blended_quality_rating(counts),
        "total_ratings": int(counts["rating_count"]),
        "success_rate": figures.ratio(counts["successes"], counts["rated"]),
    }


def view(item: UserPreferenceCounter) -> dict[str, Any]:
    return {
        "user_id": item.user_id,
        "category_key": item.category_key,
        "model_id": item.model_id,
        **derived_of(item),
        "first_used_at": item.first_used_at,
        "last_used_at": item.last_used_at,
    }


def of_user(tenant_id: str, user_id: str, category_key: str | None = None) -> list[dict[str, Any]]:
    """One user's preferences, best first (seed 002's "user's preferred model for a task"): one Query."""
    prefix = keys.user_preference_prefix(category_key or None)
    found = UserPreferenceCounter.query(keys.user_partition(tenant_id, user_id), TableItem.sk.startswith(prefix))
    items = []
    for item in found:
        if item.category_key is None:  # counted before items carried who and what: the key says it
            item.category_key, item.model_id = keys.user_preference_of(item.sk)
            item.user_id = user_id
        items.append(view(item))
    items.sort(key=lambda v: (v["category_key"], -v["preference_score"], v["model_id"]))
    return items


def refresh_changed(tenant_id: str, since: str, days: Iterable[str]) -> dict[str, int]:
    """Write the derived fields of every preference changed from `since` (an ISO time, or a day) on, over `days`
    (the days from `since`'s to the last to look at)."""
    read = written = 0
    for day in days:
        for shard in range(counters.shard_count()):
            for item in UserPreferenceCounter.gsi1.query(
                keys.preference_changes(tenant_id, day, shard), TableItem.gsi1sk >= since
            ):
                read += 1
                if not isinstance(item, UserPreferenceCounter):
                    continue
                derived = derived_of(item)
                if item.derived != derived:
                    _set_derived(item, derived)
                    written += 1
    return {"preferences_read": read, "preferences_updated": written}


def _set_derived(item: UserPreferenceCounter, derived: dict[str, Any]) -> None:
    # A plain update beside the counters' transactional ADDs: it may meet one in flight and is then retried.
    for attempt in range(8):
        try:
            item.update(
                actions=[UserPreferenceCounter.derived.set(derived)],
                condition=UserPreferenceCounter.pk.exists(),  # never recreate an erased user's preference
                add_version_condition=False,
            )
            return
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return
            if exc.cause_response_code != "TransactionConflictException" or attempt == 7:
                raise
            time.sleep(0.01 * 2**attempt)
