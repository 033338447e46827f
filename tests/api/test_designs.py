"""Seed 000's designs: a design is an image generation with its catalog context; the prompt goes user prompt ->
style template -> prompt template -> model; favourites and approvals; 0.0-5.0 ratings with their feedback types
moving the session's feedback (and so routing) and the design's exact mean; lists filtered and paged."""

from __future__ import annotations

import io
from typing import Any

import requests

from chalicelib.designs.service import stars_of
from chalicelib.providers import compose
from tests.conftest import Api, Tenant, make_tenant

SMALL = {"size": "256x256"}


def catalog(api: Api, tenant: Tenant) -> None:
    assert api.post("/v1/catalog-templates/styles/install", key=tenant.admin).status in (200, 201)
    for kind, item_id, name, attributes in (
        ("flowers", "white-peony", "White Peony", {"color": "White"}),
        ("flowers", "garden-rose", "Garden Rose", {"color": "Blush"}),
        ("occasions", "wedding", "Wedding", {"typical_colors": ["white", "blush"]}),
        ("occasions", "birthday", "Birthday", {"typical_colors": ["yellow", "pink"]}),
        ("arrangement_types", "vase-arrangement", "Vase Arrangement", {"category": "Arrangement"}),
        ("budget_tiers", "premium", "Premium", {"min_price": 90, "max_price": 250}),
    ):
        assert api.put(f"/v1/catalog/{kind}/{item_id}", {"name": name, "attributes": attributes}, key=tenant.admin).status in (
            200,
            201,
        )


def design(api: Api, tenant: Tenant, **body: Any) -> dict[str, Any]:
    reply = api.post("/v1/designs", {"user_id": "florist-1", **SMALL, **body}, key=tenant.app)
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def test_a_design_is_drawn_from_the_style_template_the_catalog_and_the_prompt_template(api: Api, tenant: Tenant) -> None:
    catalog(api, tenant)
    made = design(
        api,
        tenant,
        prompt="she loves peonies",
        style="romantic-classic",
        flowers=["white-peony", "garden-rose"],
        occasion="wedding",
        arrangement_type="vase-arrangement",
        budget_tier="premium",
        model_id="local:petal",
    )
    assert made["prompt"] == (
        "Create a beautiful romantic classic bouquet with white peony and garden rose in blush, ivory and soft pink colors "
        "for wedding. Style Romantic Classic: Traditional romantic bouquets with roses and soft colors; mood romantic; "
        "round hand-tied arrangement; finished with satin ribbon, baby's breath. As a vase arrangement. "
        "For the premium budget ($90-$250). Customer's request: she loves peonies."
    )
    assert (made["prompt_name"], made["prompt_version"], made["user_prompt"]) == ("bouquet-basic", 1, "she loves peonies")
    assert (made["style"], made["flowers"], made["occasion"], made["arrangement_type"], made["budget_tier"]) == (
        "romantic-classic", ["white-peony", "garden-rose"], "wedding", "vase-arrangement", "premium",
    )  # fmt: skip
    assert made["style_parameters"]["mood"] == "Romantic" and made["style_parameters"]["color_palette"][0] == "blush"
    meta = made["generation_metadata"]
    assert (meta["model_id"], meta["cost_usd"], meta["size"], meta["n"]) == ("local:petal", 0.0, "256x256", 1)
    (image,) = made["images"]
    png = requests.get(image["url"], timeout=10).content
    assert image["width"] == 256 and compose.colour_match(png, ["blush", "ivory"]) == 1.0  # the style's palette drawn
    # The session is the generation; the catalog items it used count their uses.
    session = api.get(f"/v1/sessions/{made['session_id']}", key=tenant.read).body
    assert session["input"] == made["prompt"] and session["output"]["images"][0]["sha256"] == image["sha256"]
    used = {i["id"]: i["usage_count"] for i in api.get("/v1/catalog/flowers", key=tenant.read).body["items"]}
    assert used == {"white-peony": 1, "garden-rose": 1}
    assert api.get(f"/v1/designs/{made['id']}", key=tenant.read).body["images"][0]["sha256"] == image["sha256"]
    # Another template by name, and the colours asked for over the style's.
    other = design(api, tenant, style="modern-minimalist", flowers=["garden-rose"], prompt_name="arrangement-modern",
                   colors="pink and white", container="ceramic")  # fmt: skip
    assert other["prompt"].startswith(
        "Design a modern minimalist floral arrangement featuring garden rose with pink and white color palette "
        "in a ceramic container."
    )


def test_unknown_catalog_items_and_templates_are_refused_before_any_call(api: Api, tenant: Tenant) -> None:
    catalog(api, tenant)
    reply = api.post("/v1/designs", {"user_id": "u", "style": "gothic", **SMALL}, key=tenant.app)
    assert reply.status == 422 and reply.body["error"]["details"][0]["field"] == "body.style"
    reply = api.post("/v1/designs", {"user_id": "u", "flowers": ["white-peony", "cactus"], **SMALL}, key=tenant.app)
    assert reply.status == 422 and reply.body["error"]["details"][0]["field"] == "body.flowers.1"
    assert api.post("/v1/designs", {"user_id": "u", **SMALL}, key=tenant.app).status == 422  # nothing to draw
    assert api.post("/v1/designs", {"user_id": "u", "prompt": "roses", "prompt_name": "nope"}, key=tenant.app).status == 404
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []


def test_ratings_map_onto_feedback_and_the_design_keeps_the_exact_mean(api: Api, tenant: Tenant) -> None:
    catalog(api, tenant)
    made = design(api, tenant, style="romantic-classic", flowers=["white-peony"], model_id="local:sprig")
    url = f"/v1/designs/{made['id']}/feedback"
    first = api.post(url, {"user_id": "jo", "rating": 4.5, "feedback_type": "style", "feedback_text": "lovely"}, key=tenant.app)
    assert first.status == 201
    assert (first.body["stars"], first.body["quality_rating"], first.body["replaced"]) == (5, 4.5, False)
    second = api.post(url, {"user_id": "sam", "rating": 1.2, "feedback_type": "accuracy"}, key=tenant.app)
    assert (second.status, second.body["stars"], second.body["quality_rating"]) == (201, 1, 2.85)
    again = api.post(url, {"user_id": "sam", "rating": 2, "feedback_type": "accuracy"}, key=tenant.app)  # replaces
    assert (again.status, again.body["quality_rating"], again.body["replaced"]) == (200, 3.25, True)
    assert api.get(f"/v1/designs/{made['id']}", key=tenant.read).body["ratings"] == 2
    feedback = api.get(f"/v1/sessions/{made['session_id']}", key=tenant.read).body["feedback"]
    assert sorted((f["user_id"], f["rating"], f["aspect"]) for f in feedback) == [("jo", 5, "style"), ("sam", 2, "accuracy")]
    bad = api.post(url, {"user_id": "x", "rating": 5.5, "feedback_type": "mood"}, key=tenant.app)
    assert bad.status == 422 and {d["field"] for d in bad.body["error"]["details"]} == {"body.rating", "body.feedback_type"}
    assert [stars_of(r) for r in (0.0, 1.49, 1.5, 2.5, 3.49, 4.5, 5.0)] == [1, 1, 2, 3, 3, 5, 5]


def test_favourites_approvals_and_filtered_lists(api: Api, tenant: Tenant) -> None:
    catalog(api, tenant)
    made = [
        design(api, tenant, style=style, occasion=occasion, flowers=["garden-rose"], model_id="local:sprig")
        for style, occasion in (("romantic-classic", "wedding"), ("rustic-natural", "birthday"), ("romantic-classic", "birthday"))
    ]
    assert api.patch(f"/v1/designs/{made[0]['id']}", {"is_favorite": True}, key=tenant.app).body["is_favorite"] is True
    approved = api.patch(f"/v1/designs/{made[2]['id']}", {"is_approved": True, "is_favorite": True}, key=tenant.app).body
    assert (approved["is_approved"], approved["is_favorite"]) == (True, True)
    assert api.patch(f"/v1/designs/{made[1]['id']}", {}, key=tenant.app).status == 422
    assert api.patch("/v1/designs/dsn_nope", {"is_favorite": True}, key=tenant.app).status == 404

    def ids(query: str) -> list[str]:
        return [d["id"] for d in api.get(f"/v1/designs?{query}", key=tenant.read).body["items"]]

    newest_first = [d["id"] for d in reversed(made)]
    assert ids("") == newest_first
    assert ids("style=romantic-classic") == [made[2]["id"], made[0]["id"]]
    assert ids("occasion=birthday") == [made[2]["id"], made[1]["id"]]
    assert ids("is_favorite=true") == [made[2]["id"], made[0]["id"]]
    assert ids("is_approved=true&style=romantic-classic") == [made[2]["id"]]
    assert ids("is_favorite=false") == [made[1]["id"]]
    page = api.get("/v1/designs?style=romantic-classic&limit=1", key=tenant.read).body
    rest = api.get(f"/v1/designs?style=romantic-classic&limit=1&cursor={page['next_cursor']}", key=tenant.read).body
    assert [d["id"] for d in page["items"] + rest["items"]] == [made[2]["id"], made[0]["id"]]
    # Another tenant sees none of them.
    other = make_tenant(api, "Other Florist")
    assert api.get("/v1/designs", key=other.read).body["items"] == []
    assert api.get(f"/v1/designs/{made[0]['id']}", key=other.read).status == 404


def test_the_best_and_worst_rated_designs_and_their_thumbnails_as_bytes(api: Api, tenant: Tenant) -> None:
    from PIL import Image

    made = [design(api, tenant, prompt=f"tulips {i}", model_id="local:petal") for i in range(3)]
    for d, rating in zip(made, (4.5, 1.0, 3.0), strict=True):
        assert api.post(f"/v1/designs/{d['id']}/feedback", {"user_id": "u", "rating": rating}, key=tenant.app).status == 201
    ranked = api.get("/v1/designs/ranked?count=2", key=tenant.read)
    assert ranked.status == 200, ranked.body
    assert [d["id"] for d in ranked.body["best"]] == [made[0]["id"], made[2]["id"]]
    assert [d["id"] for d in ranked.body["worst"]] == [made[1]["id"], made[2]["id"]]
    assert ranked.body["rated"] == 3
    reply = api.client.http.get(
        f"/v1/designs/{made[0]['id']}/thumbnail", headers={"Authorization": f"Bearer {tenant.read}", "Accept": "image/png"}
    )
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "image/png"
    thumb = Image.open(io.BytesIO(reply.body))
    assert thumb.format == "PNG" and thumb.size == (256, 256)  # the stored thumbnail of a 256 px image
    assert requests.get(made[0]["images"][0]["thumbnail_url"], timeout=10).content == reply.body
    assert api.get("/v1/designs/dsn_nope/thumbnail", key=tenant.read).status == 404
    assert api.get("/v1/designs/ranked?count=11", key=tenant.read).status == 422
