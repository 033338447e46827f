"""Quality scores, successes and contributions, straight from API.md's rules."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chalicelib.sessions import scoring


@dataclass
class Fb:
    rating: int | None = None
    thumbs: str | None = None
    feedback_type: str | None = None
    helpful: bool | None = None


@pytest.mark.parametrize(("rating", "score"), [(1, 0.0), (2, 0.25), (3, 0.5), (4, 0.75), (5, 1.0)])
def test_a_rating_scores_r_minus_one_over_four(rating: int, score: float) -> None:
    assert scoring.quality_score(Fb(rating=rating)) == score


def test_signals_average() -> None:
    assert scoring.quality_score(Fb(rating=5, thumbs="down")) == 0.5
    assert scoring.quality_score(Fb(feedback_type="regenerate", helpful=True)) == pytest.approx(0.55)
    assert scoring.quality_score(Fb(feedback_type="skip")) is None
    assert scoring.quality_score(Fb(feedback_type="correction")) is None


def test_rated_and_success() -> None:
    assert not scoring.is_rated(Fb(feedback_type="skip"))
    assert scoring.is_rated(Fb(feedback_type="regenerate")) and not scoring.is_success(Fb(feedback_type="regenerate"))
    assert scoring.is_success(Fb(rating=4)) and not scoring.is_success(Fb(rating=3))
    assert scoring.is_success(Fb(helpful=True)) and not scoring.is_success(Fb(helpful=False))
    assert scoring.is_success(Fb(rating=1, thumbs="up"))


def test_a_replacement_moves_counts_by_the_difference() -> None:
    up, down = scoring.Contribution.of(Fb(thumbs="up")), scoring.Contribution.of(Fb(thumbs="down"))
    delta = down.minus(up)
    assert delta["feedback"] == 0 and delta["rated"] == 0
    assert delta["successes"] == -1 and delta["likes"] == -1 and delta["dislikes"] == 1
    assert scoring.Contribution.of(None).minus(scoring.Contribution.of(None)) == dict.fromkeys(delta, 0)
    rated = scoring.Contribution.of(Fb(rating=3))
    assert (rated.rating_sum, rated.rating_sq_sum, rated.quality_sum) == (3, 9, 0.5)


def test_session_quality_is_the_mean_reduced_by_corrections() -> None:
    assert scoring.session_quality(1.5, 2, 0) == 0.75
    assert scoring.session_quality(1.5, 2, 1) == pytest.approx(0.675)
    assert scoring.session_quality(0, 0, 3) is None
