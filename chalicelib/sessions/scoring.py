"""From feedback signals to quality scores, successes and the counts they add.

The rules of API.md: a rating r scores (r - 1) / 4; thumbs up, like and helpful score 1;
thumbs down, dislike and not-helpful 0; regenerate 0.1; several signals average; skip (or
a correction) alone carries no score. A feedback is *rated* when it carries a rating, a
thumbs, a helpful flag or a like/dislike/regenerate, and a *success* when it has a rating
of 4 or more, thumbs up, like or helpful. A session's quality is the mean of its feedback's
scores, multiplied by 0.9 for each manual correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

CORRECTION_FACTOR = 0.9
REGENERATE_SCORE = 0.1


class Signals(Protocol):
    """A feedback's signals, read only (a stored feedback item or a request body)."""

    @property
    def rating(self) -> float | None: ...
    @property
    def thumbs(self) -> str | None: ...
    @property
    def feedback_type(self) -> str | None: ...
    @property
    def helpful(self) -> bool | None: ...


def signal_scores(fb: Signals) -> list[float]:
    scores: list[float] = []
    if fb.rating is not None:
        scores.append((fb.rating - 1) / 4)
    if fb.thumbs is not None:
        scores.append(1.0 if fb.thumbs == "up" else 0.0)
    if fb.feedback_type in ("like", "dislike", "regenerate"):
        scores.append({"like": 1.0, "dislike": 0.0, "regenerate": REGENERATE_SCORE}[fb.feedback_type])
    if fb.helpful is not None:
        scores.append(1.0 if fb.helpful else 0.0)
    return scores


def quality_score(fb: Signals) -> float | None:
    scores = signal_scores(fb)
    return sum(scores) / len(scores) if scores else None


def is_rated(fb: Signals) -> bool:
    return bool(signal_scores(fb))


def is_success(fb: Signals) -> bool:
    return (fb.rating is not None and fb.rating >= 4) or fb.thumbs == "up" or fb.feedback_type == "like" or fb.helpful is True


@dataclass(frozen=True)
class Contribution:
    """What one feedback adds to its session's and its day's counts."""

    feedback: int = 0
    rated: int = 0
    successes: int = 0
    rating_count: int = 0
    rating_sum: float = 0  # stars: whole numbers (a stored rating reads back as an int)
    rating_sq_sum: float = 0
    quality_count: int = 0
    quality_sum: float = 0.0
    likes: int = 0
    dislikes: int = 0
    regenerates: int = 0
    skips: int = 0

    @classmethod
    def of(cls, fb: Signals | None) -> Contribution:
        if fb is None:
            return cls()
        quality = quality_score(fb)
        return cls(
            feedback=1,
            rated=int(is_rated(fb)),
            successes=int(is_success(fb)),
            rating_count=int(fb.rating is not None),
            rating_sum=fb.rating or 0,
            rating_sq_sum=(fb.rating or 0) ** 2,
            quality_count=int(quality is not None),
            quality_sum=quality or 0.0,
            likes=int(fb.feedback_type == "like" or fb.thumbs == "up"),
            dislikes=int(fb.feedback_type == "dislike" or fb.thumbs == "down"),
            regenerates=int(fb.feedback_type == "regenerate"),
            skips=int(fb.feedback_type == "skip"),
        )

    def minus(self, other: Contribution) -> dict[str, float]:
        return {name: getattr(self, name) - getattr(other, name) for name in self.__dataclass_fields__}


def session_quality(quality_sum: float, quality_count: int, corrections: int) -> float | None:
    if quality_count <= 0:
        return None
    mean = min(1.0, max(0.0, quality_sum / quality_count))
    return mean * CORRECTION_FACTOR**corrections
