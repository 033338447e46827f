"""DELETE /v1/users/{user_id}/data: nothing of the user is left, counts match, counters stay exact, retries are safe."""

from __future__ import annotations

import pytest

from chalicelib.core import clock
from chalicelib.model_stats import service as stats
from chalicelib.sessions import service as sessions
from tests.conftest import Api, Tenant

FORGET, KEEP = "forget-me", "keep-me"


def populate(api: Api, tenant: Tenant) -> dict[str, str]:
    """Data of two users who interact: what is FORGET's must go, what is KEEP's must stay."""
    made: dict[str, str] = {}
    experiment = api.post(
        "/v1/experiments",
        {
            "name": "Captions",
            "category_key": "content_caption",
            "metric": "success",
            "auto_optimize": False,
            "min_exploration": 0.1,
            "variants": [{"id": "a", "name": "A", "weight": 1, "is_control": True}, {"id": "b", "name": "B", "weight": 1}],
        },
        key=tenant.admin,
    ).body
    made["experiment"] = experiment["id"]
    for user in (FORGET, KEEP):
        for i in range(3):
            gen = api.post(
                "/v1/generations",
                {"user_id": user, "category_key": "content_caption", "prompt": f"{user} tulips {i}", "model_id": "local:sage"},
                key=tenant.app,
            ).body
            api.post(
                f"/v1/sessions/{gen['session_id']}/feedback",
                {"user_id": user, "rating": 5 if user == KEEP else 2},
                key=tenant.app,
            )
            made[f"{user}-gen-{i}"] = gen["session_id"]
        external = api.post(
            "/v1/sessions",
            {
                "user_id": user,
                "category_key": "ai_resize",
                "input": {"w": 10},
                "experiment_id": experiment["id"],
                "processing_time_ms": 1200,
            },
            key=tenant.app,
        ).body
        made[f"{user}-external"] = external["session_id"]
        api.put(f"/v1/contexts/{user}/shop-1", {"store_type": "shopify"}, key=tenant.app)
        api.post(f"/v1/contexts/{user}/shop-1/conversations", {"user_message": "hi", "ai_response": "hello"}, key=tenant.app)
        api.put(f"/v1/contexts/{user}/shop-2", {"store_type": "shopify"}, key=tenant.app)
        api.put(f"/v1/customers/{user}", {"recipient_name": f"{user}'s mum", "allergies": ["lilies"]}, key=tenant.app)
    # They rate each other's sessions.
    api.post(f"/v1/sessions/{made[f'{KEEP}-gen-0']}/feedback", {"user_id": FORGET, "thumbs": "down"}, key=tenant.app)
    api.post(f"/v1/sessions/{made[f'{FORGET}-gen-0']}/feedback", {"user_id": KEEP, "thumbs": "up"}, key=tenant.app)
    api.put("/v1/customers/gift-for-aunt", {"recipient_name": "Aunt", "user_id": FORGET}, key=tenant.app)
    return made


def test_nothing_of_the_user_is_left_and_the_counts_match(api: Api, tenant: Tenant) -> None:
    made = populate(api, tenant)
    day = clock.day_of(clock.now())
    dataset = api.post("/v1/training/datasets", {"days": 30, "min_rating": 1, "validation_split": 0.5}, key=tenant.admin).body
    lines = "".join(
        api.request("GET", f"/v1/training/datasets/{dataset['dataset_id']}/download?split={split}", key=tenant.admin).body or ""
        for split in ("train", "validation")
    )
    assert f"{FORGET} tulips" in lines
    reply = api.delete(f"/v1/users/{FORGET}/data", key=tenant.admin)
    assert reply.status == 200
    deleted = reply.body["deleted"]
    # 4 sessions (3 generations + 1 external) with 3 own ratings, KEEP's thumbs on one of them, a conversation's session;
    # and FORGET's thumbs on KEEP's session.
    assert deleted["sessions"] == 5
    assert deleted["feedback"] == 3 + 1 + 1
    assert deleted["contexts"] == 2
    assert deleted["preferences"] == 1  # FORGET rated local:sage on content_caption
    assert deleted["customers"] == 2
    assert deleted["assignments"] == 1
    assert deleted["training_examples"] == 3  # one per session of FORGET's that had feedback
    assert reply.body["affected_datasets"] == [dataset["dataset_id"]]
    lines = "".join(
        api.request("GET", f"/v1/training/datasets/{dataset['dataset_id']}/download?split={split}", key=tenant.admin).body or ""
        for split in ("train", "validation")
    )
    assert f"{FORGET} tulips" not in lines and f"{KEEP} tulips" in lines
    assert all(
        e["session_id"] not in {made[k] for k in made if k.startswith(FORGET)}
        for e in api.get("/v1/training/examples?limit=200", key=tenant.read).body["items"]
    )

    for key in [k for k in made if k.startswith(FORGET)]:
        assert api.get(f"/v1/sessions/{made[key]}", key=tenant.admin).status == 404
    assert api.get(f"/v1/sessions?user_id={FORGET}", key=tenant.admin).body["items"] == []
    assert all(s["user_id"] != FORGET for s in api.get("/v1/sessions?limit=200", key=tenant.admin).body["items"])
    assert api.get(f"/v1/contexts/{FORGET}/shop-1", key=tenant.admin).status == 404
    assert api.get(f"/v1/customers/{FORGET}", key=tenant.admin).status == 404
    assert api.get("/v1/customers/gift-for-aunt", key=tenant.admin).status == 404
    kept = api.get(f"/v1/sessions/{made[f'{KEEP}-gen-0']}", key=tenant.admin).body
    assert [f["user_id"] for f in kept["feedback"]] == [KEEP]
    assert api.get(f"/v1/contexts/{KEEP}/shop-1", key=tenant.admin).status == 200
    assert api.get(f"/v1/customers/{KEEP}", key=tenant.admin).status == 200
    assert stats.user_preferences(tenant.id, FORGET, "content_caption") == {}

    # The counters now equal what KEEP's remaining data adds up to.
    totals = sessions.daily_counts(tenant.id, day, day)[day]
    assert (totals["sessions"], totals["feedback"], totals["rating_count"], totals["rating_sum"]) == (5, 3, 3, 15)
    assert (totals["generations"], totals["successes"], totals["processing_count"]) == (3, 3, 4)
    sage = stats.for_category(tenant.id, "content_caption")["local:sage"]
    assert (sage.requests, sage.feedback, sage.successes) == (3, 3, 3)
    results = api.get(f"/v1/experiments/{made['experiment']}/results", key=tenant.read).body
    assert sum(v["sessions"] for v in results["variants"]) == 1
    assert sum(results["srm"]["sessions"].values()) == sum(results["srm"]["assignments"].values()) == 1  # SRM counts too


def test_erasure_is_idempotent_and_safe_to_retry_halfway(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    populate(api, tenant)
    from chalicelib.sessions import erasure as sessions_erasure

    real = sessions_erasure.feedback_given_by

    def crash(*args, **kwargs):  # the Lambda dies after the user's own sessions are gone
        raise RuntimeError("cut off")

    monkeypatch.setattr(sessions_erasure, "feedback_given_by", crash)
    assert api.delete(f"/v1/users/{FORGET}/data", key=tenant.admin).status == 500
    monkeypatch.setattr(sessions_erasure, "feedback_given_by", real)
    first = api.delete(f"/v1/users/{FORGET}/data", key=tenant.admin).body
    again = api.delete(f"/v1/users/{FORGET}/data", key=tenant.admin).body
    assert (
        first["deleted"]
        == again["deleted"]
        == {
            "sessions": 5,
            "feedback": 5,
            "contexts": 2,
            "preferences": 1,
            "customers": 2,
            "training_examples": first["deleted"]["training_examples"],
            "assignments": 1,
            "prediction_feedback": 0,
            "exports": 0,
            "audit_entries": 0,
            "replays": 0,
            "designs": 0,
            "design_ratings": 0,
            "images": 0,
        }
    )
    assert again["runs"] == 3


def test_only_admins_erase_and_only_their_tenant(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    api.post("/v1/sessions", {"user_id": FORGET, "category_key": "x", "input": "mine"}, key=tenant.app)
    assert api.delete(f"/v1/users/{FORGET}/data", key=tenant.app).status == 403
    assert api.delete(f"/v1/users/{FORGET}/data", key=other_tenant.admin).body["deleted"]["sessions"] == 0
    assert len(api.get(f"/v1/sessions?user_id={FORGET}", key=tenant.read).body["items"]) == 1


def test_a_users_designs_ratings_and_images_go_and_each_designs_mean_loses_their_rating_once(api: Api, tenant: Tenant) -> None:
    from chalicelib.core import blobs

    made = {}
    for user in (FORGET, KEEP):
        reply = api.post("/v1/designs", {"user_id": user, "prompt": f"peonies for {user}", "size": "256x256",
                                         "model_id": "local:petal"}, key=tenant.app)  # fmt: skip
        assert reply.status == 201, reply.body
        made[user] = reply.body
    for rater, owner, rating in ((FORGET, KEEP, 2.5), (KEEP, KEEP, 4.0), (KEEP, FORGET, 5.0), (FORGET, FORGET, 3.0)):
        rated = api.post(f"/v1/designs/{made[owner]['id']}/feedback", {"user_id": rater, "rating": rating}, key=tenant.app)
        assert rated.status == 201, rated.body
    assert api.get(f"/v1/designs/{made[KEEP]['id']}", key=tenant.read).body["quality_rating"] == 3.25
    images = blobs.tenant_key(tenant.id, "images")
    assert len(blobs.keys_under(images)) == 4  # two images, each with its thumbnail

    for _ in range(2):  # a retry counts nothing twice
        report = api.delete(f"/v1/users/{FORGET}/data", key=tenant.admin).body
        deleted = report["deleted"]
        assert (deleted["designs"], deleted["design_ratings"], deleted["images"]) == (1, 2, 1), report
    kept = api.get(f"/v1/designs/{made[KEEP]['id']}", key=tenant.read).body
    assert (kept["quality_rating"], kept["ratings"]) == (4.0, 1)  # FORGET's 2.5 left the mean once
    assert api.get(f"/v1/designs/{made[FORGET]['id']}", key=tenant.read).status == 404
    assert [d["id"] for d in api.get("/v1/designs", key=tenant.read).body["items"]] == [made[KEEP]["id"]]
    left = sorted(blobs.keys_under(images))
    assert left == sorted(
        blobs.tenant_key(tenant.id, "images", f"{made[KEEP]['images'][0]['id']}{suffix}") for suffix in (".png", ".thumb.png")
    )
    assert api.get(f"/v1/sessions/{made[KEEP]['session_id']}", key=tenant.read).body["output"]["images"]
