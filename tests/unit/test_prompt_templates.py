"""Templates: placeholders, rendering, and refusals that name what is wrong."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.prompts import templates

BOUQUET = "Create a beautiful {style} bouquet with {flowers} in {colors} colors for {occasion}"


def test_seed_000s_example_renders() -> None:
    values = {"style": "romantic", "flowers": "roses and peonies", "colors": "pink and white", "occasion": "wedding"}
    assert templates.render(BOUQUET, values) == (
        "Create a beautiful romantic bouquet with roses and peonies in pink and white colors for wedding"
    )
    assert templates.variables_of(BOUQUET) == ["style", "flowers", "colors", "occasion"]


def test_missing_variables_are_named() -> None:
    with pytest.raises(ValidationFailed) as raised:
        templates.render(BOUQUET, {"style": "rustic", "flowers": "", "colors": "red"})
    assert [d["field"] for d in raised.value.details] == ["body.variables.flowers", "body.variables.occasion"]


def test_braces_lists_and_unsafe_placeholders() -> None:
    assert templates.render("{{literal}} {x}", {"x": ["a", "b"]}) == "{literal} a, b"
    for bad in ("{x.__class__}", "{x[0]}", "{x!r}", "{x:>10}", "{", "{0}"):
        with pytest.raises(ValidationFailed):
            templates.variables_of(bad)
