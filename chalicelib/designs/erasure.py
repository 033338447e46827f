"""Erasing an end user's designs and their ratings of designs, each removal counted exactly once.

Both are found under the user on GSI2 (`keys.user_items`). A rating leaves its design's exact mean in the same
transaction that deletes it (its thousandths off the sum, one off the count), conditioned on the rating being the one
read, so a retry or a concurrent replacement never takes a rating away twice. The caller's bookkeeping (the
erasure's running totals) commits with each removal. The images of the user's designs are the images of their
sessions, which the session erasure deletes from S3.
"""

from __future__ import annotations

from ..core import keys, persist, storage
from ..core.extensions import Erasure
from .store import DesignItem, DesignRatingItem, designs_of_user, ratings_of_user


def erase_user(tenant_id: str, user_id: str, ratings_counted: list[storage.Op], designs_counted: list[storage.Op]) -> None:
    """Remove the user's ratings of designs (every design's mean adjusted), then the user's own designs."""
    for rating in ratings_of_user(tenant_id, user_id):
        _erase_rating(tenant_id, rating, ratings_counted)
    for found in designs_of_user(tenant_id, user_id):
        try:
            storage.commit([storage.Delete(DesignItem(found.pk, found.sk), DesignItem.pk.exists()), *designs_counted])
        except storage.ConditionFailed:
            pass  # an earlier, interrupted run deleted (and counted) it


def _erase_rating(tenant_id: str, found: DesignRatingItem, counted: list[storage.Op]) -> None:
    def attempt() -> None:
        rating = persist.find(DesignRatingItem, keys.Key(found.pk, found.sk))
        if rating is None:
            return  # already gone, already counted
        ops: list[storage.Op] = [
            storage.Delete(DesignRatingItem(rating.pk, rating.sk), DesignRatingItem.updated_at == rating.updated_at)
        ]
        design = persist.find(DesignItem, keys.design(tenant_id, rating.design_id))
        if design is not None:
            ops.append(
                storage.Update(
                    DesignItem(design.pk, design.sk),
                    [DesignItem.rating_milli_sum.add(-int(rating.rating_milli)), DesignItem.rating_count.add(-1)],
                    DesignItem.pk.exists(),
                )
            )
        storage.commit(ops + counted)

    persist.retrying(attempt, what="erasing a design rating")


def erase_user_data(erasure: Erasure) -> None:
    """The user's ratings of designs and their designs, counted as `design_ratings` and `designs` (a user erasure,
    chalicelib/contributions.py)."""
    erase_user(erasure.tenant_id, erasure.user_id, [erasure.count("design_ratings")], [erasure.count("designs")])
