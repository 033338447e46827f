"""Contextual experiments through the API: declared context fields, sticky assignment, learning per segment, 422s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, Tenant

FIELDS = [
    {"name": "device", "kind": "categorical", "values": ["mobile", "desktop"]},
    {"name": "aspect", "kind": "numeric", "edges": [1.0]},
]
VARIANTS = [
    {"id": "square", "name": "Square-first prompt", "prompt": "Resize to {width}x{height}, square first.", "is_control": True},
    {"id": "wide", "name": "Wide-first prompt", "prompt": "Resize to {width}x{height}, wide first."},
]
# The deterministic workload: the better variant differs by device.
BEST = {"mobile": "square", "desktop": "wide"}


def create(api: Api, tenant: Tenant, **changes: Any) -> dict[str, Any]:
    body = {
        "name": "Resize prompts by device",
        "metric": "success",
        "min_exploration": 0.0,
        "min_rated_per_arm": 8,
        "contextual": True,
        "context_fields": FIELDS,
        "variants": VARIANTS,
    } | changes
    reply = api.post("/v1/experiments", body, key=tenant.admin)
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def assign(api: Api, tenant: Tenant, eid: str, user: str, context: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"user_id": user} | ({"context": context} if context is not None else {})
    reply = api.post(f"/v1/experiments/{eid}/assign", body, key=tenant.app)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def rated_session(api: Api, tenant: Tenant, eid: str, user: str, success: bool) -> str:
    reply = api.post(
        "/v1/sessions",
        {"user_id": user, "category_key": "ai_resize", "input": {"canvas": [1080, 1080]}, "experiment_id": eid},
        key=tenant.app,
    )
    assert reply.status == 201, reply.body
    session_id: str = reply.body["session_id"]
    fb = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": user, "thumbs": "up" if success else "down"}, key=tenant.app)
    assert fb.status == 201, fb.body
    return session_id


def context_of(i: int) -> dict[str, Any]:
    return {"device": "mobile", "aspect": 0.8} if i % 2 == 0 else {"device": "desktop", "aspect": 1.6}


def fields(reply: Any) -> list[str]:
    return [d["field"] for d in reply.body["error"]["details"]]


def segments(results: dict[str, Any]) -> dict[str, dict[str, tuple[int, int, int]]]:
    return {
        f"{s['field']}={s['segment']}": {v["variant_id"]: (v["sessions"], v["rated"], v["successes"]) for v in s["variants"]}
        for s in results["segments"]
    }


def test_created_with_its_fields_and_assignment_is_sticky(api: Api, tenant: Tenant) -> None:
    created = create(api, tenant)
    assert created["contextual"] is True
    assert created["context_fields"] == FIELDS

    first = assign(api, tenant, created["id"], "u-1", {"device": "mobile", "aspect": 0.75})
    assert first["enrolled"] is True and first["assigned_by"] == "weights"  # burn-in: the weights decide
    again = assign(api, tenant, created["id"], "u-1", {"device": "desktop", "aspect": 1.9})
    assert (again["variant_id"], again["assigned_at"], again["assigned_by"]) == (
        first["variant_id"],
        first["assigned_at"],
        "weights",
    )


def test_learns_the_better_variant_per_segment(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    counts: dict[str, dict[str, list[int]]] = {}
    late: list[tuple[str, str, str]] = []
    for i in range(60):
        context = context_of(i)
        got = assign(api, tenant, eid, f"user-{i}", context)
        variant, success = got["variant_id"], got["variant_id"] == BEST[context["device"]]
        rated_session(api, tenant, eid, f"user-{i}", success)
        for segment in (f"device={context['device']}", "aspect=<1" if context["aspect"] < 1 else "aspect=>=1"):
            tally = counts.setdefault(segment, {}).setdefault(variant, [0, 0, 0])
            tally[0], tally[1], tally[2] = tally[0] + 1, tally[1] + 1, tally[2] + int(success)
        if i >= 40:
            late.append((context["device"], variant, got["assigned_by"]))

    # Past burn-in, every new user gets their device's better variant from the contextual sampler.
    assert late == [(device, BEST[device], "contextual") for device, _, _ in late]

    body = api.get(f"/v1/experiments/{eid}/results", key=tenant.read).body
    expected = {
        segment: {v: tuple(counts.get(segment, {}).get(v, [0, 0, 0])) for v in ("square", "wide")}
        for segment in ("device=mobile", "device=desktop", "aspect=<1", "aspect=>=1")
    }
    assert segments(body) == expected
    preferred = {f"{s['field']}={s['segment']}": s["preferred_variant_id"] for s in body["segments"]}
    assert preferred == {"device=mobile": "square", "device=desktop": "wide", "aspect=<1": "square", "aspect=>=1": "wide"}
    mobile = next(s for s in body["segments"] if s["segment"] == "mobile")
    square = next(v for v in mobile["variants"] if v["variant_id"] == "square")
    assert square["mean_reward"] == 1.0  # square always succeeds on mobile
    assert body["srm"]["ok"] is True and body["srm"]["observed"] == body["srm"]["assignments"]

    # The optimiser records the learned policy in the history once, and again only when it changes.
    first = api.post(f"/v1/experiments/{eid}/optimize", key=tenant.admin)
    assert first.status == 200, first.body
    assert (first.body["changed"], first.body["reason"]) == (True, "contextual")
    assert {s: p["preferred_variant_id"] for s, p in first.body["policy"].items()} == preferred
    assert first.body["weights"] == {"square": 0.5, "wide": 0.5}  # a contextual experiment's weights are its burn-in split
    second = api.post(f"/v1/experiments/{eid}/optimize", key=tenant.admin)
    assert (second.body["changed"], second.body["period"]) == (False, first.body["period"])
    history = api.get(f"/v1/experiments/{eid}/history", key=tenant.read).body["items"]
    assert [h["reason"] for h in history] == ["policy_learned", "created"]
    recorded = history[0]["inputs"]["policy"]
    assert {s: p["preferred_variant_id"] for s, p in recorded.items()} == preferred
    assert recorded["device=mobile"]["probabilities"]["square"] > 0.9
    assert recorded["device=desktop"]["probabilities"]["wide"] > 0.9


def test_each_feedback_counts_once_replacement_and_erasure_included(api: Api, tenant: Tenant) -> None:
    from chalicelib.experiments.store import read_context

    eid = create(api, tenant, min_rated_per_arm=1)["id"]
    variant = assign(api, tenant, eid, "u-1", {"device": "desktop", "aspect": 2.0})["variant_id"]
    session_id = rated_session(api, tenant, eid, "u-1", success=True)
    statistics = read_context(tenant.id, eid)[variant]
    assert (statistics[0], statistics[1], statistics[2]) == (1.0, 1.0, 1.0)  # one rated feedback, reward 1

    replaced = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u-1", "thumbs": "down"}, key=tenant.app)
    assert replaced.status == 200 and replaced.body["replaced"] is True
    statistics = read_context(tenant.id, eid)[variant]
    assert (statistics[0], statistics.get(1, 0.0), statistics.get(2, 0.0)) == (1.0, 0.0, 0.0)  # still one, now reward 0
    body = api.get(f"/v1/experiments/{eid}/results", key=tenant.read).body
    assert segments(body)["device=desktop"][variant] == (1, 1, 0)
    assert segments(body)["aspect=>=1"][variant] == (1, 1, 0)

    erased = api.delete("/v1/users/u-1/data", key=tenant.admin)
    assert erased.status == 200, erased.body
    assert all(value == 0 for value in read_context(tenant.id, eid).get(variant, {}).values())
    body = api.get(f"/v1/experiments/{eid}/results", key=tenant.read).body
    assert segments(body)["device=desktop"][variant] == (0, 0, 0)


def test_context_is_checked_against_the_declared_fields(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    reply = api.post(
        f"/v1/experiments/{eid}/assign",
        {"user_id": "u-1", "context": {"device": "mobile", "locale": "fr-FR", "canvas_ratio": 1.5}},
        key=tenant.app,
    )
    assert reply.status == 422
    assert fields(reply) == ["body.context.canvas_ratio", "body.context.locale"]
    wrong_kind = api.post(
        f"/v1/experiments/{eid}/assign", {"user_id": "u-1", "context": {"device": 3, "aspect": "wide"}}, key=tenant.app
    )
    assert wrong_kind.status == 422 and fields(wrong_kind) == ["body.context.aspect", "body.context.device"]
    # Nothing was assigned by the refused calls; an undeclared value of a declared field is the segment (other).
    other = assign(api, tenant, eid, "u-1", {"device": "tv"})
    assert other["assigned_by"] == "weights"


def test_creation_refuses_incoherent_declarations(api: Api, tenant: Tenant) -> None:
    def refused(**changes: Any) -> list[str]:
        body = {"name": "x", "variants": VARIANTS} | changes
        reply = api.post("/v1/experiments", body, key=tenant.admin)
        assert reply.status == 422, reply.body
        return fields(reply)

    assert refused(contextual=True) == ["body.context_fields"]
    assert refused(context_fields=FIELDS) == ["body.context_fields"]
    assert refused(contextual=True, context_fields=FIELDS, auto_stop=True) == ["body.auto_stop"]
    assert refused(contextual=True, context_fields=[{"name": "device", "kind": "categorical"}]) == ["body.context_fields.0"]
    assert refused(contextual=True, context_fields=[{"name": "r", "kind": "numeric", "edges": [2.0, 1.0]}]) == [
        "body.context_fields.0"
    ]
    many = [{"name": f"f{i}", "kind": "categorical", "values": [f"v{j}" for j in range(8)]} for i in range(5)]
    assert refused(contextual=True, context_fields=many) == ["body.context_fields"]  # 41 columns


def test_a_non_contextual_experiment_ignores_context(api: Api, tenant: Tenant) -> None:
    reply = api.post("/v1/experiments", {"name": "plain", "variants": VARIANTS}, key=tenant.admin)
    eid = reply.body["id"]
    assert reply.body["contextual"] is False and reply.body["context_fields"] is None
    got = assign(api, tenant, eid, "u-1", {"anything": "goes"})
    assert got["assigned_by"] is None and got["enrolled"] is True
    rated_session(api, tenant, eid, "u-1", success=True)
    body = api.get(f"/v1/experiments/{eid}/results", key=tenant.read).body
    assert body["segments"] is None
    by_variant = {v["variant_id"]: v for v in body["variants"]}
    assert by_variant[got["variant_id"]]["successes"] == 1


@pytest.mark.parametrize("metric", ["rating"])
def test_rating_metric_learns_from_ratings(api: Api, tenant: Tenant, metric: str) -> None:
    from chalicelib.experiments.store import read_context

    eid = create(api, tenant, metric=metric, min_rated_per_arm=1)["id"]
    variant = assign(api, tenant, eid, "u-1", {"device": "mobile"})["variant_id"]
    reply = api.post(
        "/v1/sessions",
        {"user_id": "u-1", "category_key": "ai_resize", "input": {}, "experiment_id": eid},
        key=tenant.app,
    )
    fb = api.post(f"/v1/sessions/{reply.body['session_id']}/feedback", {"user_id": "u-1", "rating": 4}, key=tenant.app)
    assert fb.status == 201
    statistics = read_context(tenant.id, eid)[variant]
    assert (statistics[0], statistics[1], statistics[2]) == (1.0, 4.0, 16.0)
