"""Retraining's analysis of high- against low-rated sessions, and its deterministic prompt rewrite."""

from __future__ import annotations

import statistics

import pytest

from chalicelib.prompts import templates
from chalicelib.training.analysis import analyse, cohen_d
from chalicelib.training.assembly import Candidate
from chalicelib.training.retrain import rewrite


def rated(n: int, quality: float, variant: str, model: str, style: str, width: int, text: str) -> Candidate:
    return Candidate(
        session_id=f"ses_{n}",
        user_id=f"u{n}",
        category_key="ai_resize",
        created_at=f"2026-11-01T00:00:{n:02d}.000Z",
        quality=quality,
        experiment_id="exp_1",
        variant_id=variant,
        model_id=model,
        features={"style": style, "width": width},
        input_text=text,
    )


def test_what_separates_high_from_low() -> None:
    found = [rated(n, 1.0, "enhanced", "local:sage", "romantic", 1080, "golden ratio layout with logo") for n in range(6)]
    found += [rated(10 + n, 0.0, "original", "local:swift", "modern", 640, "plain layout") for n in range(4)]
    found += [rated(20, 0.5, "original", "local:swift", "modern", 800, "plain layout")]  # 3 stars: neither
    found += [rated(21, 0.0, "enhanced", "local:sage", "romantic", 700, "golden ratio layout")]
    p = analyse(found)
    assert (p.sessions, p.high, p.low) == (12, 6, 5)
    variants = {g.value: g for g in p.by_variant}
    assert variants["enhanced"].sessions == 7 and variants["enhanced"].high == 6 and variants["enhanced"].experiment_id == "exp_1"
    assert variants["enhanced"].high_rate == pytest.approx(6 / 7) and variants["original"].high_rate == 0.0
    assert [g.value for g in p.by_model] == ["local:sage", "local:swift"]
    style = next(f for f in p.features if f.feature == "style")
    assert (style.kind, style.best_value, style.worst_value) == ("categorical", "romantic", "modern")
    assert style.effect == pytest.approx(6 / 7)
    width = next(f for f in p.features if f.feature == "width")
    assert width.kind == "numeric" and width.mean_high == 1080 and width.mean_low == pytest.approx((640 * 4 + 700) / 5)
    assert width.effect > 1
    assert {t.term for t in p.top_terms} >= {"golden", "ratio", "logo"}
    assert "plain" not in {t.term for t in p.top_terms}
    assert p.insights and "6 of 12" in p.insights[0]


def test_cohen_d_against_its_formula() -> None:
    a, b = [3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 2.5]
    pooled = (((len(a) - 1) * statistics.variance(a) + (len(b) - 1) * statistics.variance(b)) / (len(a) + len(b) - 2)) ** 0.5
    assert cohen_d(a, b) == pytest.approx((statistics.mean(a) - statistics.mean(b)) / pooled)
    assert cohen_d([1.0, 1.0], [1.0, 1.0]) == 0.0
    assert cohen_d([2.0, 2.0], [1.0, 1.0]) == 10.0


def test_nothing_rated_gives_empty_patterns() -> None:
    p = analyse([])
    assert (p.sessions, p.high_rate, p.by_model) == (0, None, [])


def test_the_rewrite_keeps_the_template_valid() -> None:
    base = "Resize the design to {width}x{height}."
    text = rewrite(base, ["logo", "margins"], [("style", "ro{man}tic")])
    assert text is not None and text.startswith(base)
    assert "Mention logo and margins" in text
    assert templates.variables_of(text) == ["width", "height"]  # the feature value's braces were escaped
    assert "ro{man}tic" in templates.render(text, {"width": 1, "height": 2})
    assert rewrite(base, [], []) is None
