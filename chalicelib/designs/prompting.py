"""Seed 000's flow, user prompt -> style template -> prompt template -> model: the prompt a design is drawn from.

The catalog items a design names (its style, flowers, arrangement type, occasion, budget tier) are read from the
tenant's catalog and applied by name: the prompt template (`bouquet-basic` by default, chalicelib/prompts/) is
filled with their names and the style's palette, then the style template adds its description, mood, arrangement
and finishing touches, the budget tier its price range, and the customer's own words come last. An item the
tenant does not have is 422 naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..assortment import service as assortment
from ..assortment.schemas import CatalogItem
from ..core.errors import NotFound, ValidationFailed
from ..prompts import service as prompts
from .schemas import DesignCreate

KINDS = {"style": "styles", "flowers": "flowers", "arrangement_type": "arrangement_types", "occasion": "occasions",
         "budget_tier": "budget_tiers"}  # fmt: skip


@dataclass
class Composed:
    text: str
    prompt_version: int
    catalog: dict[str, list[str]] = field(default_factory=dict)  # features.catalog: usage counts move with it
    style_parameters: dict[str, Any] = field(default_factory=dict)


def compose(tenant_id: str, body: DesignCreate) -> Composed:
    style = _item(tenant_id, "style", body.style)
    flowers = [_item(tenant_id, "flowers", f, f"body.flowers.{i}") for i, f in enumerate(body.flowers)]
    arrangement = _item(tenant_id, "arrangement_type", body.arrangement_type)
    occasion = _item(tenant_id, "occasion", body.occasion)
    tier = _item(tenant_id, "budget_tier", body.budget_tier)
    attrs: dict[str, Any] = dict(style.attributes) if style else {}
    palette = [str(c) for c in attrs.get("color_palette") or []]
    occasion_colours = [str(c) for c in (occasion.attributes.get("typical_colors") or [])] if occasion else []  # type: ignore[union-attr]
    flower_names = [f.name.lower() for f in flowers if f] or [str(f) for f in attrs.get("flowers") or []][:2]
    values = {
        "style": style.name.lower() if style else "natural",
        "flowers": _joined(flower_names) or "seasonal flowers",
        "colors": body.colors or _joined(palette[:3] or occasion_colours[:3]) or "natural",
        "occasion": occasion.name.lower() if occasion else "any occasion",
        "arrangement": arrangement.name.lower() if arrangement else str(attrs.get("arrangement_style") or "hand-tied"),
        "container": body.container or "glass",
    }
    rendered = prompts.render(tenant_id, body.prompt_name, values, body.prompt_version)
    parts = [rendered.text]
    if style:
        touches = ", ".join(str(t) for t in attrs.get("flair_elements") or [])
        described = "; ".join(
            p
            for p in (
                str(attrs.get("description") or ""),
                f"mood {str(attrs['mood']).lower()}" if attrs.get("mood") else "",
                f"{attrs['arrangement_style']} arrangement" if attrs.get("arrangement_style") else "",
                f"finished with {touches}" if touches else "",
            )
            if p
        )
        parts.append(f"Style {style.name}: {described}" if described else f"Style {style.name}")
    if arrangement:
        parts.append(f"As a {arrangement.name.lower()}")
    if tier:
        low, high = tier.attributes.get("min_price"), tier.attributes.get("max_price")
        parts.append(
            f"For the {tier.name.lower()} budget" + (f" (${low}-${high})" if low is not None and high is not None else "")
        )
    if body.prompt:
        parts.append(f"Customer's request: {body.prompt}")
    chosen = {"style": style, "arrangement_type": arrangement, "occasion": occasion, "budget_tier": tier}
    refs = {KINDS[name]: [item.id] for name, item in chosen.items() if item}
    if flowers:
        refs["flowers"] = list(dict.fromkeys(f.id for f in flowers if f))
    parameters = {"color_palette": palette, "colors": values["colors"], "container": values["container"]}
    for name in ("mood", "arrangement_style", "flair_elements"):
        if attrs.get(name):
            parameters[name] = attrs[name]
    return Composed(". ".join(p.rstrip(". ") for p in parts) + ".", rendered.version, refs, parameters)


def _item(tenant_id: str, name: str, item_id: str | None, where: str | None = None) -> CatalogItem | None:
    if item_id is None:
        return None
    kind = KINDS[name]
    try:
        return assortment.get_item(tenant_id, kind, item_id)
    except NotFound:
        raise ValidationFailed.field(where or f"body.{name}", f"no {kind} item {item_id} in the catalog", "unknown") from None


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}" if names else ""
