"""Pattern conditions as data: equality, comparisons, membership, operators; refused when malformed."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.patterns import conditions
from chalicelib.patterns.service import estimate


@pytest.mark.parametrize(
    ("condition", "facts", "expected"),
    [
        ({"hasShortDescriptions": True, "productCount": ">10"}, {"hasShortDescriptions": True, "productCount": 15}, True),
        ({"hasShortDescriptions": True, "productCount": ">10"}, {"hasShortDescriptions": True, "productCount": 10}, False),
        ({"hasShortDescriptions": True}, {"hasShortDescriptions": 1}, False),
        ({"productCount": ">=10"}, {"productCount": 10}, True),
        ({"productCount": "<3"}, {"productCount": "2"}, False),
        ({"platform": ["shopify", "woocommerce"]}, {"platform": "shopify"}, True),
        ({"platform": ["shopify"]}, {"platform": "wix"}, False),
        ({"productCount": {"gt": 5, "lte": 20}}, {"productCount": 20}, True),
        ({"productCount": {"gt": 5, "lte": 20}}, {"productCount": 21}, False),
        ({"tags": {"contains": "sale"}}, {"tags": ["new", "sale"]}, True),
        ({"theme": {"not_in": ["dawn"]}}, {"theme": "sense"}, True),
        ({"coupon": {"exists": False}}, {}, True),
        ({"coupon": {"exists": True}}, {}, False),
        ({"productCount": ">10"}, {}, False),
        ({"name": "x"}, {"name": "x"}, True),
        ({}, {"anything": 1}, True),
    ],
)
def test_conditions(condition: dict, facts: dict, expected: bool) -> None:
    conditions.validate(condition)
    assert conditions.holds(condition, facts) is expected


@pytest.mark.parametrize("bad", [{"n": {"between": [1, 2]}}, {"n": {}}, {"n": {"in": "abc"}}, {"n": {"gt": "ten"}}])
def test_malformed_conditions_name_the_fact(bad: dict) -> None:
    with pytest.raises(ValidationFailed) as raised:
        conditions.validate(bad)
    assert raised.value.details[0]["field"] == "body.conditions.n"


def test_success_rate_shrinks_toward_the_prior() -> None:
    assert estimate(0.85, 0, 0) == 0.85
    assert estimate(0.85, 0, 5) == pytest.approx(5 * 0.85 / 10)
    assert estimate(0.85, 100, 0) == pytest.approx((4.25 + 100) / 105)
