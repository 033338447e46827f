"""Seed 000, a florist's AI design generator, driven through the public API.

The shop keeps its catalog (flowers, styles, arrangement types, occasions, budget tiers) and its
customers' dates and allergies in Learnloop, installs the five default style templates, fills the
default prompt templates from an order and generates a design brief for it; the florist rates each
design. The report shows what the shop looks at: the designs and their ratings, which catalog items
are used most, usage per day and model, and the designs good enough to train on. Then the images: designs drawn
by the offline image models (local:petal, local:sprig) through POST /v1/designs, each PNG read back through its
presigned link and checked against its stated size and sha256, rated 0.0-5.0, and which model routing now prefers.

    .venv/bin/python examples/florist_designs.py --url http://127.0.0.1:8000 --key <the root key make run prints>
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from _client import Client, arguments, new_tenant, table

T = TypeVar("T")
R = TypeVar("R")

CATEGORY = "floral_design"
CATALOG: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "flowers": {
        "garden-rose": ("Garden Rose", {"variety": "Rose", "color": "Blush", "seasonality": "summer", "price_range": "premium"}),
        "white-peony": ("White Peony", {"variety": "Peony", "color": "White", "seasonality": "spring", "price_range": "premium"}),
        "sunflower": (
            "Sunflower",
            {"variety": "Helianthus", "color": "Yellow", "seasonality": "summer", "price_range": "budget"},
        ),
        "eucalyptus": ("Eucalyptus", {"variety": "Foliage", "color": "Sage", "seasonality": "all year", "price_range": "budget"}),
        "tulip": ("Tulip", {"variety": "Tulip", "color": "Pink", "seasonality": "spring", "price_range": "standard"}),
    },
    "arrangement_types": {
        "wrapped-bouquet": ("Wrapped Bouquet", {"category": "Bouquet", "typical_size": "medium"}),
        "vase-arrangement": ("Vase Arrangement", {"category": "Arrangement", "typical_size": "large"}),
    },
    "occasions": {
        "wedding": ("Wedding", {"typical_colors": ["white", "blush"], "price_sensitivity": "low"}),
        "birthday": ("Birthday", {"typical_colors": ["yellow", "pink"], "price_sensitivity": "medium"}),
        "sympathy": ("Sympathy", {"typical_colors": ["white", "green"], "price_sensitivity": "medium"}),
    },
    "budget_tiers": {
        "budget": ("Budget", {"min_price": 25, "max_price": 45}),
        "standard": ("Standard", {"min_price": 45, "max_price": 90}),
        "premium": ("Premium", {"min_price": 90, "max_price": 250}),
    },
}
CUSTOMER = {
    "recipient_name": "Emma Hart",
    "birthday": "1990-04-12",
    "anniversary": "2018-06-30",
    "allergies": ["lilies"],
    "favorite_flowers": ["tulip", "white-peony"],
    "favorite_colors": ["pink", "white"],
    "budget_preference": "standard",
}
# Orders as the shop takes them: a template, the catalog items chosen, and the florist's rating of the design.
ORDERS: list[dict[str, Any]] = [
    {"customer": "cust-emma", "template": "bouquet-basic", "style": "romantic-classic", "flowers": ["white-peony", "tulip"],
     "occasion": "birthday", "arrangement": "wrapped-bouquet", "budget": "standard", "colors": "pink and white",
     "rating": 5, "aspect": "style", "text": "exactly her taste"},
    {"customer": "cust-liam", "template": "bouquet-basic", "style": "romantic-classic", "flowers": ["garden-rose", "white-peony"],
     "occasion": "wedding", "arrangement": "wrapped-bouquet", "budget": "premium", "colors": "blush and ivory",
     "rating": 5, "aspect": "quality", "text": "ready for the bride"},
    {"customer": "cust-noah", "template": "arrangement-modern", "style": "modern-minimalist", "flowers": ["tulip"],
     "occasion": "birthday", "arrangement": "vase-arrangement", "budget": "standard", "colors": "white and green",
     "container": "ceramic", "rating": 4, "aspect": "usefulness", "text": "good, simplify the greens"},
    {"customer": "cust-ava", "template": "style-specific", "style": "rustic-natural", "flowers": ["sunflower", "eucalyptus"],
     "occasion": "birthday", "arrangement": "wrapped-bouquet", "budget": "budget", "colors": "yellow and sage",
     "rating": 4, "aspect": "style", "text": "nice and loose"},
    {"customer": "cust-mia", "template": "arrangement-modern", "style": "elegant-formal", "flowers": ["garden-rose"],
     "occasion": "sympathy", "arrangement": "vase-arrangement", "budget": "premium", "colors": "white and deep green",
     "container": "glass", "rating": 2, "aspect": "accuracy", "text": "too festive for sympathy"},
    {"customer": "cust-leo", "template": "style-specific", "style": "tropical-vibrant", "flowers": ["sunflower"],
     "occasion": "sympathy", "arrangement": "vase-arrangement", "budget": "budget", "colors": "orange and lime",
     "rating": 1, "aspect": "accuracy", "text": "wrong mood entirely"},
    {"customer": "cust-emma", "template": "style-specific", "style": "spring-garden", "flowers": ["tulip", "eucalyptus"],
     "occasion": "birthday", "arrangement": "wrapped-bouquet", "budget": "standard", "colors": "pink and sage",
     "rating": 3, "aspect": "quality", "text": "fine"},
]  # fmt: skip


def parallel(work: Callable[[T], R], items: Iterable[T], workers: int = 4) -> list[R]:
    """The same call for several orders at once, as a busy shop makes them; answers in the items' order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, items))


def variables(order: dict[str, Any]) -> dict[str, str]:
    """The template's placeholders, filled from the order's catalog items."""
    names = {kind: {item_id: name for item_id, (name, _) in items.items()} for kind, items in CATALOG.items()}
    names["styles"] = {order["style"]: order["style"].replace("-", " ")}
    return {
        "style": names["styles"][order["style"]],
        "flowers": " and ".join(names["flowers"][f].lower() for f in order["flowers"]),
        "colors": order["colors"],
        "occasion": names["occasions"][order["occasion"]].lower(),
        "arrangement": names["arrangement_types"][order["arrangement"]].lower(),
        "container": order.get("container", "ceramic"),
    }


def design(app: Client, order: dict[str, Any]) -> dict[str, Any]:
    """Generate the design brief of an order, then record the florist's rating of it."""
    generation = app.post(
        "/v1/generations",
        {
            "user_id": order["customer"],
            "category_key": CATEGORY,
            "prompt_name": order["template"],
            "variables": variables(order),
            "features": {
                "occasion": order["occasion"],
                "budget_tier": order["budget"],
                "catalog": {
                    "styles": [order["style"]],
                    "flowers": order["flowers"],
                    "occasions": [order["occasion"]],
                    "arrangement_types": [order["arrangement"]],
                    "budget_tiers": [order["budget"]],
                },
            },
        },
    )
    feedback = app.post(
        f"/v1/sessions/{generation['session_id']}/feedback",
        {"user_id": "florist-jo", "rating": order["rating"], "aspect": order["aspect"], "text": order["text"]},
    )
    return {**generation, "quality_score": feedback["quality_score"]}


def main(argv: Sequence[str]) -> int:
    options = arguments(__doc__.splitlines()[0], argv)
    admin = new_tenant(options.url, options.key, "Bloom Florist")
    app = admin.with_key(admin.post("/v1/api-keys", {"name": "shop backend", "role": "app"})["key"])
    read = admin.with_key(admin.post("/v1/api-keys", {"name": "shop dashboard", "role": "read"})["key"])

    # The shop's catalog: the default style templates, one style of its own, and its stock and price tiers.
    templates = read.items("/v1/catalog-templates/styles")
    installed = admin.post("/v1/catalog-templates/styles/install")
    print(f"Style templates installed: {installed['installed']}")
    print(
        table(
            [[t["name"], t["attributes"]["mood"], ", ".join(t["attributes"]["color_palette"])] for t in templates],
            ["style", "mood", "colour palette"],
        )
    )
    admin.put(
        "/v1/catalog/styles/spring-garden",
        {
            "name": "Spring Garden",
            "attributes": {
                "description": "Fresh spring flowers in natural arrangements",
                "color_palette": ["pink", "yellow", "white", "green"],
                "flowers": ["tulips", "daffodils", "cherry blossoms", "freesia"],
                "arrangement_style": "garden",
            },
        },
    )
    parallel(
        lambda entry: admin.put(f"/v1/catalog/{entry[0]}/{entry[1]}", {"name": entry[2], "attributes": entry[3]}),
        [(kind, item_id, name, attributes) for kind, items in CATALOG.items() for item_id, (name, attributes) in items.items()],
    )
    print("Catalog: 6 styles, " + ", ".join(f"{len(items)} {kind.replace('_', ' ')}" for kind, items in CATALOG.items()))
    app.put("/v1/customers/cust-emma", CUSTOMER)
    emma = admin.get("/v1/customers/cust-emma")
    print(f"Customer {emma['recipient_name']}: birthday {emma['birthday']}, allergic to {', '.join(emma['allergies'])}")

    # The default prompt templates, and the seed's own example of filling one.
    prompts = read.items("/v1/prompts")
    print("\nPrompt templates")
    print(
        table(
            [[p["name"], p["version"], p["category"], ", ".join(p["variables"])] for p in prompts],
            ["template", "version", "category", "variables"],
        )
    )
    example = {"style": "romantic", "flowers": "roses and peonies", "colors": "pink and white", "occasion": "wedding"}
    rendered = app.post("/v1/prompts/bouquet-basic/render", {"variables": example})["text"]
    assert rendered == "Create a beautiful romantic bouquet with roses and peonies in pink and white colors for wedding", rendered
    missing = app.call("POST", "/v1/prompts/bouquet-basic/render", json={"variables": {"style": "romantic"}}, expect=422)
    print(f"bouquet-basic: {rendered!r}; without flowers it answers 422: {missing['error']['message']}")

    # Design briefs are their own task: the thorough offline model first, the fast one as the alternative.
    admin.put(
        f"/v1/tasks/{CATEGORY}",
        {
            "category_name": "Floral design briefs",
            "description": "A design brief for an order: flowers, palette, arrangement and finishing touches",
            "required_capabilities": ["text_generation"],
            "default_priority": "quality",
            "default_complexity": "moderate",
            "typical_max_tokens": 400,
            "typical_temperature": 0.8,
        },
    )
    for model_id, score, rank in (("local:sage", 0.85, 1), ("local:swift", 0.6, 2)):
        admin.put(
            f"/v1/tasks/{CATEGORY}/models/{model_id}",
            {
                "suitability_score": score,
                "is_recommended": rank == 1,
                "priority_rank": rank,
                "recommended_for_priority": "quality",
            },
        )

    designs = parallel(lambda order: design(app, order), ORDERS)
    print("\nDesign generations")
    print(
        table(
            [
                [
                    order["customer"],
                    order["template"],
                    order["style"],
                    d["model_id"],
                    d["latency_ms"],
                    order["rating"],
                    order["aspect"],
                ]
                for order, d in zip(ORDERS, designs, strict=True)
            ],
            ["customer", "template", "style", "model", "ms", "stars", "rated for"],
        )
    )
    print(f"first brief: {designs[0]['output'][:110]!r}")

    # Usage counts, daily figures and training examples move with each write: nothing to wait for.
    styles = read.items("/v1/catalog/styles")
    flowers = read.items("/v1/catalog/flowers")
    print("\nCatalog usage (most used first)")
    print(
        table(
            [[item["kind"], item["name"], item["usage_count"]] for item in [*styles[:3], *flowers[:3]]],
            ["kind", "item", "designs"],
        )
    )
    style_uses = Counter(order["style"] for order in ORDERS)
    flower_uses = Counter(f for order in ORDERS for f in order["flowers"])
    assert {s["id"]: s["usage_count"] for s in styles} == {s["id"]: style_uses.get(s["id"], 0) for s in styles}, styles
    assert {f["id"]: f["usage_count"] for f in flowers} == {f["id"]: flower_uses.get(f["id"], 0) for f in flowers}, flowers

    daily = read.items("/v1/analytics/models", period="daily", category_key=CATEGORY)
    summary = read.get("/v1/analytics/summary", days=7)
    print("\nUsage analytics (per day and model)")
    print(
        table(
            [
                [
                    d["period_start"],
                    d["model_id"],
                    d["total_requests"],
                    d["total_tokens"],
                    d["total_cost_usd"],
                    d["average_quality_rating"],
                ]
                for d in daily
            ],
            ["date", "model", "generations", "tokens", "cost USD", "avg rating"],
        )
    )
    ratings = [order["rating"] for order in ORDERS]
    print(
        f"last 7 days: {summary['total_sessions']} designs, {summary['total_tokens']} tokens, ${summary['total_cost_usd']:.2f}, "
        f"average rating {summary['average_rating']:.2f}, {summary['success_rate']:.0%} rated 4 stars or more"
    )
    assert sum(d["total_requests"] for d in daily) == len(ORDERS), daily
    assert summary["total_sessions"] == len(ORDERS) and summary["rated_sessions"] == len(ORDERS), summary
    assert abs(summary["average_rating"] - sum(ratings) / len(ratings)) < 1e-9, summary

    # Designs rated 4 stars or more are the shop's training data (seed 000's ai_training_data, quality 0 to 1).
    examples = read.items("/v1/training/examples", category_key=CATEGORY, min_quality=0.75)
    print(f"\nTraining examples (quality >= 0.75): {len(examples)} of {len(designs)} designs")
    print(
        table([[e["session_id"], e["quality_score"], str(e["input"])[:60]] for e in examples], ["session", "quality", "prompt"])
    )
    assert len(examples) == sum(1 for r in ratings if r >= 4), examples
    image_designs(app, read)
    return 0


def image_designs(app: Client, read: Client) -> None:
    """Designs drawn by the offline image models (`local:petal`, `local:sprig`) through POST /v1/designs: each stored
    PNG is read back through its presigned link and checked against the size and sha256 the design states; the
    florist rates them 0.0-5.0, and routing for image_social moves to the better model."""
    import hashlib

    import requests

    rows, ratings = [], {"local:petal": 4.5, "local:sprig": 1.5}  # petal paints the colours asked for; sprig its own
    for i in range(8):
        model = "local:petal" if i % 2 == 0 else "local:sprig"
        order = ORDERS[i % len(ORDERS)]
        made = app.post("/v1/designs", {"user_id": "florist-anna", "style": order["style"], "flowers": order["flowers"],
                                        "colors": order["colors"], "size": "256x256", "model_id": model})  # fmt: skip
        (image,) = made["images"]
        png = requests.get(image["url"], timeout=30).content
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the PNG's IHDR
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and (width, height) == (image["width"], image["height"]), image
        assert hashlib.sha256(png).hexdigest() == image["sha256"] and len(png) == image["bytes"], image
        rated = app.post(f"/v1/designs/{made['id']}/feedback",
                         {"user_id": "florist-anna", "rating": ratings[model], "feedback_type": "style"})  # fmt: skip
        link = image["url"].split("?", 1)[0]
        rows.append([made["id"], model, f"{width}x{height}", f"{len(png):,} B", image["sha256"][:12], rated["quality_rating"],
                     link[-48:]])  # fmt: skip
    print(f"\nImage designs: {len(rows)} PNGs stored, each read back through its link with the size and sha256 stated")
    print(table(rows, ["design", "model", "size", "bytes", "sha256", "rating", "image link (presigned, expires)"]))
    means = {m: [r[5] for r in rows if r[1] == m] for m in ratings}
    print("mean rating per model: " + ", ".join(f"{m} {sum(v) / len(v):.1f} over {len(v)}" for m, v in means.items()))
    routed = app.post("/v1/route", {"category_key": "image_social", "user_id": "florist-new"})
    print(f"routing now prefers {routed['selected']['model_id']} for image_social")
    listed = read.items("/v1/designs")
    assert len([d for d in listed if d["images"]]) == len(rows), listed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
