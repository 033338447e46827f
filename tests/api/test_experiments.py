"""Experiments through the API: the contract's statuses and fields, sticky assignment, exact counters, results, the optimiser."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from scipy import integrate
from scipy import stats as sps

from tests.conftest import Api, Tenant

VARIANTS = [
    {"id": "original", "name": "Original prompt", "prompt": "Resize the design to {width}x{height}.", "is_control": True},
    {"id": "enhanced", "name": "Enhanced prompt v1", "prompt": "Resize with the golden ratio to {width}x{height}."},
]


def experiment_body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "AI resize prompts",
        "metric": "success",
        "auto_optimize": False,
        "min_exploration": 0.05,
        "variants": VARIANTS,
    } | changes


def create(api: Api, tenant: Tenant, **changes: Any) -> dict[str, Any]:
    reply = api.post("/v1/experiments", experiment_body(**changes), key=tenant.admin)
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def assign(api: Api, tenant: Tenant, experiment_id: str, user: str) -> dict[str, Any]:
    reply = api.post(f"/v1/experiments/{experiment_id}/assign", {"user_id": user}, key=tenant.app)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def session(api: Api, tenant: Tenant, experiment_id: str, user: str, variant: str | None = None, **feedback: Any) -> str:
    body = {"user_id": user, "category_key": "ai_resize", "input": {"canvas": [1080, 1080]}, "experiment_id": experiment_id}
    if variant is not None:
        body["variant_id"] = variant
    reply = api.post("/v1/sessions", body, key=tenant.app)
    assert reply.status == 201, reply.body
    if feedback:
        fb = api.post(f"/v1/sessions/{reply.body['session_id']}/feedback", {"user_id": user, **feedback}, key=tenant.app)
        assert fb.status in (200, 201), fb.body
    return reply.body["session_id"]  # type: ignore[no-any-return]


def results(api: Api, tenant: Tenant, experiment_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/experiments/{experiment_id}/results", key=tenant.read)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def by_variant(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["variant_id"]: v for v in body["variants"]}


def fields(reply: Any) -> set[str]:
    return {d["field"] for d in reply.body["error"]["details"]}


def test_create_get_and_list(api: Api, tenant: Tenant) -> None:
    created = create(api, tenant, category_key="ai_resize", variants=[{**VARIANTS[0], "weight": 3}, {**VARIANTS[1], "weight": 1}])
    assert created["status"] == "running" and created["id"] == created["experiment_id"]
    assert created["control_id"] == "original" and created["weights_period"] == 1
    variants = {v["id"]: v for v in created["variants"]}
    assert variants["original"]["variant_id"] == "original" and variants["original"]["experiment_id"] == created["id"]
    assert (variants["original"]["weight"], variants["original"]["traffic_share"]) == (3.0, 0.75)
    assert (variants["enhanced"]["weight"], variants["enhanced"]["traffic_share"]) == (1.0, 0.25)
    assert variants["enhanced"]["prompt"] == VARIANTS[1]["prompt"] and variants["original"]["is_control"] is True

    got = api.get(f"/v1/experiments/{created['id']}", key=tenant.read)
    assert got.status == 200 and got.body == created
    assert sum(v["traffic_share"] for v in got.body["variants"]) == pytest.approx(1.0)

    second = create(
        api,
        tenant,
        name="Models",
        variants=[
            {"id": "base", "name": "gpt-4o-mini", "model_id": "openai:gpt-4o-mini"},
            {"id": "tuned", "name": "fine-tuned", "model_id": "ft:gpt-4o-mini:acme"},
        ],
    )
    assert second["control_id"] == "base"  # the first variant when none is marked
    listing = api.get("/v1/experiments", key=tenant.read)
    assert listing.status == 200 and [e["id"] for e in listing.body["items"]] == [second["id"], created["id"]]
    assert listing.body["next_cursor"] is None
    page = api.get("/v1/experiments?limit=1", key=tenant.read).body
    assert [e["id"] for e in page["items"]] == [second["id"]] and page["next_cursor"]
    rest = api.get(f"/v1/experiments?limit=1&cursor={page['next_cursor']}", key=tenant.read).body
    assert [e["id"] for e in rest["items"]] == [created["id"]]
    api.patch(f"/v1/experiments/{second['id']}", {"status": "paused"}, key=tenant.admin)
    assert [e["id"] for e in api.get("/v1/experiments?status=paused", key=tenant.read).body["items"]] == [second["id"]]
    assert api.get("/v1/experiments?limit=0", key=tenant.read).status == 422


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"variants": [{**VARIANTS[0], "weight": -1}, VARIANTS[1]]}, "body.variants.0.weight"),
        ({"min_exploration": 0.6}, "body.min_exploration"),
        ({"min_exploration": -0.1}, "body.min_exploration"),
        ({"variants": [VARIANTS[0], {**VARIANTS[1], "id": "original"}]}, "body.variants"),
        ({"variants": [VARIANTS[0], {**VARIANTS[1], "is_control": True}]}, "body.variants"),
        ({"variants": [{**VARIANTS[0], "weight": 0}, {**VARIANTS[1], "weight": 0}]}, "body.variants"),
        ({"variants": [VARIANTS[0], {**VARIANTS[1], "id": "has space"}]}, "body.variants.1.id"),
        ({"variants": []}, "body.variants"),
        ({"metric": "clicks"}, "body.metric"),
        ({"auto_optimize": "yes"}, "body.auto_optimize"),
        ({"variants": [*VARIANTS, {"id": "third", "name": "T"}], "min_exploration": 0.4}, "body.min_exploration"),
        ({"variants": [VARIANTS[0], {**VARIANTS[1], "prompt_version": 2}]}, "body.variants.1"),
        ({"colour": "red"}, "body.colour"),
    ],
)
def test_invalid_experiments_are_422_naming_the_field(api: Api, tenant: Tenant, changes: dict[str, Any], field: str) -> None:
    reply = api.post("/v1/experiments", experiment_body(**changes), key=tenant.admin)
    assert reply.status == 422, reply.body
    assert field in fields(reply)
    assert api.get("/v1/experiments", key=tenant.read).body["items"] == []


def test_roles_and_other_tenants(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    assert api.post("/v1/experiments", experiment_body(), key=tenant.app).status == 403
    assert api.post("/v1/experiments", experiment_body(), key=tenant.read).status == 403
    theirs = create(api, other_tenant)["id"]
    mine = create(api, tenant)["id"]
    assert api.post(f"/v1/experiments/{mine}/assign", {"user_id": "u"}, key=tenant.read).status == 403
    assert api.patch(f"/v1/experiments/{mine}", {"status": "paused"}, key=tenant.app).status == 403
    assert api.post(f"/v1/experiments/{mine}/optimize", key=tenant.app).status == 403
    assert api.post(f"/v1/experiments/{mine}/variants", {"id": "x", "name": "X"}, key=tenant.app).status == 403
    for method, path, body in [
        ("GET", "", None),
        ("PATCH", "", {"status": "paused"}),
        ("POST", "/variants", {"id": "x", "name": "X"}),
        ("POST", "/assign", {"user_id": "u"}),
        ("GET", "/results", None),
        ("POST", "/optimize", None),
        ("GET", "/history", None),
    ]:
        reply = api.request(method, f"/v1/experiments/{theirs}{path}", json_body=body, key=tenant.admin)
        assert reply.status == 404, (method, path, reply.body)
        assert reply.error_code == "not_found"
    assert [e["id"] for e in api.get("/v1/experiments", key=tenant.read).body["items"]] == [mine]
    assert api.get(f"/v1/experiments/{theirs}", key=other_tenant.read).body["status"] == "running"


def test_assignment_is_sticky_across_weight_changes_pauses_and_restarts(api: Api, tenant: Tenant) -> None:
    experiment = create(api, tenant)
    eid = experiment["id"]
    users = [f"designer-{i}" for i in range(60)]
    first = {u: assign(api, tenant, eid, u) for u in users}
    assert all(a["experiment_id"] == eid and a["enrolled"] for a in first.values())
    assert {a["variant_id"] for a in first.values()} == {"original", "enhanced"}
    chosen = {u: a["variant_id"] for u, a in first.items()}
    for a in first.values():
        prompt = next(v["prompt"] for v in VARIANTS if v["id"] == a["variant_id"])
        assert a["prompt"] == prompt and a["assigned_at"].endswith("Z")

    moved = api.patch(f"/v1/experiments/{eid}", {"variants": [{"id": "enhanced", "weight": 0}]}, key=tenant.admin)
    assert moved.status == 200 and moved.body["weights_period"] == 2
    assert {v["id"]: v["traffic_share"] for v in moved.body["variants"]} == {"original": 1.0, "enhanced": 0.0}
    again = {u: assign(api, tenant, eid, u) for u in users}
    assert {u: a["variant_id"] for u, a in again.items()} == chosen
    assert {u: a["assigned_at"] for u, a in again.items()} == {u: a["assigned_at"] for u, a in first.items()}
    assert {assign(api, tenant, eid, f"newcomer-{i}")["variant_id"] for i in range(20)} == {"original"}

    assert api.patch(f"/v1/experiments/{eid}", {"status": "paused"}, key=tenant.admin).body["status"] == "paused"
    assert {u: assign(api, tenant, eid, u)["variant_id"] for u in users[:20]} == {u: chosen[u] for u in users[:20]}
    paused_newcomer = assign(api, tenant, eid, "late-user")
    assert (paused_newcomer["variant_id"], paused_newcomer["enrolled"]) == ("original", False)
    assert (
        api.patch(
            f"/v1/experiments/{eid}",
            {"status": "running", "variants": [{"id": "original", "weight": 0}, {"id": "enhanced", "weight": 1}]},
            key=tenant.admin,
        ).status
        == 200
    )
    assert assign(api, tenant, eid, "late-user")["variant_id"] == "enhanced"  # not enrolled while paused: assigned now
    assert {u: assign(api, tenant, eid, u)["variant_id"] for u in users} == chosen

    counts = by_variant(results(api, tenant, eid))
    enrolled = len(users) + 20 + 1
    assert counts["original"]["assignments"] + counts["enhanced"]["assignments"] == enrolled


def test_concurrent_first_assignments_agree(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: assign(api, tenant, eid, "same-user")["variant_id"], range(16)))
    assert len(set(answers)) == 1
    assert sum(v["assignments"] for v in results(api, tenant, eid)["variants"]) == 1


def test_stopping_gives_the_winner_or_the_control(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    users = [f"u{i}" for i in range(30)]
    before = {u: assign(api, tenant, eid, u)["variant_id"] for u in users}
    assert set(before.values()) == {"original", "enhanced"}
    stopped = api.patch(f"/v1/experiments/{eid}", {"status": "stopped", "winner_variant_id": "enhanced"}, key=tenant.admin)
    assert stopped.status == 200 and stopped.body["status"] == "stopped" and stopped.body["winner_variant_id"] == "enhanced"
    assert {v["id"]: v["traffic_share"] for v in stopped.body["variants"]} == {"original": 0.0, "enhanced": 1.0}
    answers = [assign(api, tenant, eid, u) for u in [*users, "brand-new"]]
    assert {a["variant_id"] for a in answers} == {"enhanced"} and not any(a["enrolled"] for a in answers)

    other = create(api, tenant)["id"]
    control = api.patch(f"/v1/experiments/{other}", {"status": "stopped"}, key=tenant.admin)
    assert control.body["winner_variant_id"] == "original"
    assert assign(api, tenant, other, "anyone")["variant_id"] == "original"


def test_illegal_changes_are_409_and_bad_ones_422(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    assert fields(api.patch(f"/v1/experiments/{eid}", {"winner_variant_id": "enhanced"}, key=tenant.admin)) == {
        "body.winner_variant_id"
    }
    assert fields(api.patch(f"/v1/experiments/{eid}", {"status": "stopped", "winner_variant_id": "nope"}, key=tenant.admin)) == {
        "body.winner_variant_id"
    }
    assert fields(api.patch(f"/v1/experiments/{eid}", {"variants": [{"id": "ghost", "weight": 1}]}, key=tenant.admin)) == {
        "body.variants.0.id"
    }
    zero = api.patch(
        f"/v1/experiments/{eid}",
        {"variants": [{"id": "original", "weight": 0}, {"id": "enhanced", "active": False}]},
        key=tenant.admin,
    )
    assert zero.status == 422 and fields(zero) == {"body.variants"}
    assert fields(api.patch(f"/v1/experiments/{eid}", {"variants": [{"id": "original", "weight": -2}]}, key=tenant.admin)) == {
        "body.variants.0.weight"
    }
    assert api.patch(f"/v1/experiments/{eid}", {"status": "done"}, key=tenant.admin).status == 422
    assert api.patch(f"/v1/experiments/{eid}", {}, key=tenant.admin).status == 422
    assert api.get(f"/v1/experiments/{eid}", key=tenant.read).body["weights_period"] == 1  # nothing was written

    assert api.patch(f"/v1/experiments/{eid}", {"status": "paused"}, key=tenant.admin).status == 200
    assert api.post(f"/v1/experiments/{eid}/optimize", key=tenant.admin).status == 409
    assert api.patch(f"/v1/experiments/{eid}", {"status": "stopped"}, key=tenant.admin).status == 200
    for body in (
        {"status": "running"},
        {"status": "paused"},
        {"status": "stopped"},
        {"variants": [{"id": "original", "weight": 2}]},
    ):
        reply = api.patch(f"/v1/experiments/{eid}", body, key=tenant.admin)
        assert reply.status == 409, body
        assert reply.error_code == "experiment_stopped"
    assert api.post(f"/v1/experiments/{eid}/variants", {"id": "late", "name": "Late"}, key=tenant.admin).status == 409
    assert api.post(f"/v1/experiments/{eid}/optimize", key=tenant.admin).status == 409


def test_adding_variants(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    added = api.post(
        f"/v1/experiments/{eid}/variants",
        {"id": "advanced-v2", "name": "Advanced Prompt v2", "prompt": "Improved {width}", "weight": 2},
        key=tenant.admin,
    )
    assert added.status == 201
    assert added.body["id"] == added.body["variant_id"] == "advanced-v2" and added.body["experiment_id"] == eid
    assert added.body["traffic_share"] == pytest.approx(0.5) and added.body["is_control"] is False
    assert api.post(f"/v1/experiments/{eid}/variants", {"id": "advanced-v2", "name": "Again"}, key=tenant.admin).status == 409
    assert (
        api.post(f"/v1/experiments/{eid}/variants", {"id": "c2", "name": "C", "is_control": True}, key=tenant.admin).status == 409
    )
    assert "body.weight" in fields(
        api.post(f"/v1/experiments/{eid}/variants", {"id": "neg", "name": "N", "weight": -1}, key=tenant.admin)
    )
    experiment = api.get(f"/v1/experiments/{eid}", key=tenant.read).body
    assert [v["id"] for v in experiment["variants"]] == ["original", "enhanced", "advanced-v2"]
    assert experiment["weights_period"] == 2
    history = api.get(f"/v1/experiments/{eid}/history", key=tenant.read).body["items"]
    assert [(h["period"], h["reason"]) for h in history] == [(2, "variant_added"), (1, "created")]
    assert history[0]["traffic_shares"] == pytest.approx({"original": 0.25, "enhanced": 0.25, "advanced-v2": 0.5})
    assert history[0]["previous_traffic_shares"] == {"original": 0.5, "enhanced": 0.5}
    assert "advanced-v2" in {assign(api, tenant, eid, f"u{i}")["variant_id"] for i in range(40)}


def test_idempotent_replays(api: Api, tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "create-exp-1"}
    first = api.post("/v1/experiments", experiment_body(), key=tenant.admin, headers=headers)
    replay = api.post("/v1/experiments", experiment_body(), key=tenant.admin, headers=headers)
    assert (first.status, replay.status) == (201, 201) and replay.body["id"] == first.body["id"]
    assert replay.headers["idempotent-replayed"] == "true"
    assert api.post("/v1/experiments", experiment_body(name="other"), key=tenant.admin, headers=headers).status == 409
    assert len(api.get("/v1/experiments", key=tenant.read).body["items"]) == 1
    eid = first.body["id"]
    a1 = api.post(f"/v1/experiments/{eid}/assign", {"user_id": "u"}, key=tenant.app, headers={"Idempotency-Key": "a"})
    a2 = api.post(f"/v1/experiments/{eid}/assign", {"user_id": "u"}, key=tenant.app, headers={"Idempotency-Key": "a"})
    assert a1.body == a2.body
    v1 = api.post(
        f"/v1/experiments/{eid}/variants", {"id": "v3", "name": "V3"}, key=tenant.admin, headers={"Idempotency-Key": "v"}
    )
    v2 = api.post(
        f"/v1/experiments/{eid}/variants", {"id": "v3", "name": "V3"}, key=tenant.admin, headers={"Idempotency-Key": "v"}
    )
    assert (v1.status, v2.status) == (201, 201) and v1.body == v2.body
    assert sum(v["assignments"] for v in results(api, tenant, eid)["variants"]) == 1


def test_sessions_reference_an_experiment_and_variant(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    base = {"user_id": "u1", "category_key": "ai_resize", "input": "x"}
    unknown = api.post("/v1/sessions", {**base, "experiment_id": "exp_nope"}, key=tenant.app)
    assert unknown.status == 422 and fields(unknown) == {"body.experiment_id"}
    theirs = create(api, other_tenant)["id"]
    assert fields(api.post("/v1/sessions", {**base, "experiment_id": theirs, "variant_id": "original"}, key=tenant.app)) == {
        "body.experiment_id"
    }
    bad_variant = api.post("/v1/sessions", {**base, "experiment_id": eid, "variant_id": "ghost"}, key=tenant.app)
    assert bad_variant.status == 422 and fields(bad_variant) == {"body.variant_id"}
    assigned = assign(api, tenant, eid, "u1")["variant_id"]
    sid = session(api, tenant, eid, "u1")
    stored = api.get(f"/v1/sessions/{sid}", key=tenant.read).body
    assert (stored["experiment_id"], stored["variant_id"]) == (eid, assigned)
    explicit = session(api, tenant, eid, "u1", variant="original")
    assert api.get(f"/v1/sessions/{explicit}", key=tenant.read).body["variant_id"] == "original"
    listed = api.get(f"/v1/sessions?experiment_id={eid}", key=tenant.read).body["items"]
    assert {s["session_id"] for s in listed} == {sid, explicit}


def test_counters_are_exact_through_replacement_and_concurrency(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    control = [session(api, tenant, eid, f"c{i}", "original") for i in range(4)]
    variant = [session(api, tenant, eid, f"v{i}", "enhanced") for i in range(3)]

    def feedback(sid: str, user: str, **signals: Any) -> int:
        return api.post(f"/v1/sessions/{sid}/feedback", {"user_id": user, **signals}, key=tenant.app).status

    assert feedback(control[0], "c0", thumbs="up") == 201
    assert feedback(control[1], "c1", rating=5) == 201
    assert feedback(control[2], "c2", rating=2) == 201
    assert feedback(control[3], "c3", feedback_type="skip") == 201
    assert feedback(control[0], "c0", thumbs="down") == 200  # replaces: the success goes
    assert feedback(control[2], "c2", rating=4) == 200  # replaces: a new success
    assert feedback(variant[0], "v0", helpful=True, rating=3) == 201
    counts = by_variant(results(api, tenant, eid))
    c = counts["original"]
    assert (c["sessions"], c["feedback_count"], c["rated"], c["rated_sessions"], c["successes"]) == (4, 4, 3, 3, 2)
    assert (c["rating_count"], c["average_rating"], c["success_rate"]) == (2, 4.5, pytest.approx(2 / 3))
    assert c["rating_sd"] == pytest.approx(math.sqrt(0.5))
    v = counts["enhanced"]
    assert (v["sessions"], v["feedback_count"], v["rated"], v["successes"], v["average_rating"]) == (3, 1, 1, 1, 3.0)

    # Thirty users rate one variant session at once, then a third of them change their mind.
    votes = {f"voter-{i:02d}": ("up" if i % 3 else "down") for i in range(30)}
    with ThreadPoolExecutor(max_workers=15) as pool:
        statuses = list(pool.map(lambda u: feedback(variant[1], u, thumbs=votes[u]), votes))
    assert statuses == [201] * 30
    with ThreadPoolExecutor(max_workers=10) as pool:
        changed = list(pool.map(lambda u: feedback(variant[1], u, thumbs="down"), list(votes)[:10]))
    assert changed == [200] * 10
    ups = sum(1 for i, u in enumerate(votes) if votes[u] == "up" and i >= 10)
    v = by_variant(results(api, tenant, eid))["enhanced"]
    assert (v["feedback_count"], v["rated"], v["rated_sessions"], v["successes"]) == (31, 31, 2, 1 + ups)
    assert v["success_rate"] == pytest.approx((1 + ups) / 31)


def independent_best(successes: list[int], trials: list[int]) -> list[float]:
    out = []
    for i in range(len(trials)):
        a, b = 1 + successes[i], 1 + trials[i] - successes[i]

        def integrand(x: float, i: int = i, a: int = a, b: int = b) -> float:
            others = [sps.beta.cdf(x, 1 + successes[j], 1 + trials[j] - successes[j]) for j in range(len(trials)) if j != i]
            return float(sps.beta.pdf(x, a, b) * math.prod(others))

        out.append(integrate.quad(integrand, 0, 1, limit=400, epsabs=1e-12)[0])
    return out


def floor_weights(p: list[float], floor: float) -> list[float]:
    """Water-filling written independently: raise arms below the floor, scale the rest, repeat."""
    fixed: set[int] = set()
    while True:
        free = [i for i in range(len(p)) if i not in fixed]
        mass = 1 - floor * len(fixed)
        total = sum(p[i] for i in free)
        w = [floor if i in fixed else p[i] * mass / total for i in range(len(p))]
        low = {i for i in free if w[i] < floor}
        if not low:
            return w
        fixed |= low


def feed(api: Api, tenant: Tenant, eid: str, variant: str, successes: int, failures: int, prefix: str) -> None:
    for i in range(successes + failures):
        session(api, tenant, eid, f"{prefix}-{i}", variant, thumbs="up" if i < successes else "down")


def test_the_optimiser_via_the_route_and_the_scheduled_task(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant, auto_optimize=True, min_exploration=0.1, min_rated_per_arm=10)["id"]
    fixed = create(api, tenant, name="Fixed weights")["id"]  # auto_optimize off: the task leaves it alone
    early_users = {f"early-{i}": assign(api, tenant, eid, f"early-{i}")["variant_id"] for i in range(20)}
    feed(api, tenant, eid, "original", 3, 6, "o")
    burn_in = api.post(f"/v1/experiments/{eid}/optimize", key=tenant.admin)
    assert burn_in.status == 200 and burn_in.body == {
        **burn_in.body,
        "changed": False,
        "reason": "burn_in",
        "weights": {"original": 0.5, "enhanced": 0.5},
    }

    feed(api, tenant, eid, "original", 1, 1, "o2")  # 4 of 11
    feed(api, tenant, eid, "enhanced", 9, 3, "e")  # 9 of 12
    moved = api.post(f"/v1/experiments/{eid}/optimize", key=tenant.admin)
    assert moved.status == 200 and moved.body["changed"] is True and moved.body["reason"] == "thompson"
    p = independent_best([4, 9], [11, 12])
    assert moved.body["probabilities"]["enhanced"] == pytest.approx(p[1], abs=1e-7)
    expected = floor_weights(p, 0.1)
    assert moved.body["weights"] == pytest.approx({"original": expected[0], "enhanced": expected[1]}, abs=1e-7)
    experiment = api.get(f"/v1/experiments/{eid}", key=tenant.read).body
    assert experiment["weights_period"] == 2 and experiment["last_optimized_at"]
    assert {v["id"]: v["traffic_share"] for v in experiment["variants"]} == pytest.approx(moved.body["weights"])
    change = api.get(f"/v1/experiments/{eid}/history", key=tenant.read).body["items"][0]
    assert (change["reason"], change["trigger"], change["period"]) == ("optimised", "api", 2)
    assert change["previous_traffic_shares"] == {"original": 0.5, "enhanced": 0.5}
    assert change["inputs"]["arms"]["enhanced"] == {
        "rated": 12,
        "successes": 9,
        "rating_count": 0,
        "rating_sum": 0,
        "rating_sq_sum": 0,
    }
    assert change["inputs"]["probabilities"]["enhanced"] == pytest.approx(p[1], abs=1e-7)
    assert {u: assign(api, tenant, eid, u)["variant_id"] for u in early_users} == early_users

    again = api.post(f"/v1/experiments/{eid}/optimize", key=tenant.admin).body
    assert again["changed"] is False and again["weights"] == pytest.approx(moved.body["weights"])

    feed(api, tenant, eid, "original", 6, 0, "o3")  # the control catches up: the task moves weights again
    run = api.post("/v1/scheduler/tasks/optimize-experiments/run", key=tenant.admin)
    assert run.status == 200 and run.body["status"] == "succeeded"
    assert run.body["result"] == {"experiments": 1, "changed": 1, "unchanged": 0, "burn_in": 0, "stopped": 0, "failed": 0}
    p = independent_best([10, 9], [17, 12])
    expected = floor_weights(p, 0.1)
    shares = {v["id"]: v["traffic_share"] for v in api.get(f"/v1/experiments/{eid}", key=tenant.read).body["variants"]}
    assert shares == pytest.approx({"original": expected[0], "enhanced": expected[1]}, abs=1e-7)
    assert api.get(f"/v1/experiments/{eid}/history", key=tenant.read).body["items"][0]["trigger"] == "schedule"
    assert api.get(f"/v1/experiments/{fixed}", key=tenant.read).body["weights_period"] == 1
    tasks = {t["name"]: t for t in api.get("/v1/scheduler/tasks", key=tenant.admin).body["items"]}
    assert tasks["optimize-experiments"]["schedule"] == "rate(1 day)" and tasks["optimize-experiments"]["enabled"] is True


def test_auto_stop_decides_on_the_always_valid_p_value(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant, auto_optimize=True, auto_stop=True, min_rated_per_arm=5)["id"]
    feed(api, tenant, eid, "original", 3, 5, "o")
    feed(api, tenant, eid, "enhanced", 5, 3, "e")
    undecided = api.post(f"/v1/experiments/{eid}/optimize", key=tenant.admin).body
    assert undecided["stopped"] is False
    feed(api, tenant, eid, "original", 2, 28, "o2")
    feed(api, tenant, eid, "enhanced", 28, 2, "e2")
    body = results(api, tenant, eid)
    assert body["comparisons"][0]["always_valid_p_value"] < 0.05
    decided = api.post(f"/v1/experiments/{eid}/optimize", key=tenant.admin).body
    assert (decided["stopped"], decided["winner_variant_id"], decided["reason"]) == (True, "enhanced", "auto_stop")
    experiment = api.get(f"/v1/experiments/{eid}", key=tenant.read).body
    assert (experiment["status"], experiment["winner_variant_id"], experiment["stop_reason"]) == (
        "stopped",
        "enhanced",
        "auto_stop",
    )


def test_results_figures_match_independent_formulas(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    feed(api, tenant, eid, "original", 12, 18, "o")
    feed(api, tenant, eid, "enhanced", 20, 10, "e")
    body = results(api, tenant, eid)
    assert body["experiment_id"] == body["id"] == eid and body["metric"] == "success"
    variants = by_variant(body)
    assert (variants["original"]["successes"], variants["original"]["success_rate"]) == (12, 0.4)
    assert variants["enhanced"]["success_rate"] == pytest.approx(20 / 30)
    assert {v["traffic_share"] for v in body["variants"]} == {0.5}
    (comparison,) = body["comparisons"]
    assert (comparison["variant_id"], comparison["control_id"]) == ("enhanced", "original")
    p_c, p_v, pooled = 0.4, 20 / 30, 32 / 60
    z = (p_v - p_c) / math.sqrt(pooled * (1 - pooled) * (2 / 30))
    assert comparison["z"] == pytest.approx(z, abs=1e-9)
    assert comparison["p_value"] == pytest.approx(2 * sps.norm.sf(abs(z)), abs=1e-9)
    assert comparison["confidence"] == pytest.approx(1 - comparison["p_value"])
    assert comparison["significant"] == (comparison["p_value"] < 0.05)
    half = sps.norm.ppf(0.975) * math.sqrt(p_c * (1 - p_c) / 30 + p_v * (1 - p_v) / 30)
    assert comparison["ci95"] == pytest.approx([p_v - p_c - half, p_v - p_c + half], abs=1e-9)
    assert comparison["lift"] == pytest.approx((p_v - p_c) / p_c)
    chance = integrate.quad(lambda x: sps.beta.pdf(x, 21, 11) * sps.beta.cdf(x, 13, 19), 0, 1, epsabs=1e-12)[0]
    assert comparison["chance_to_beat_control"] == pytest.approx(chance, abs=1e-6)
    assert comparison["p_value"] <= comparison["always_valid_p_value"] <= 1
    srm = body["srm"]  # 30 sessions recorded with each variant, no assignments
    assert (srm["sessions"], srm["assignments"]) == ({"original": 30, "enhanced": 30}, {"original": 0, "enhanced": 0})
    assert srm["expected"] == {"original": 30.0, "enhanced": 30.0} and (srm["p_value"], srm["ok"]) == (1.0, True)


def test_rating_experiments_use_welchs_test(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant, metric="rating")["id"]
    control, variant = [3, 4, 2, 5, 3, 4, 3], [5, 4, 5, 4, 5, 3, 5, 4]
    for i, r in enumerate(control):
        session(api, tenant, eid, f"c{i}", "original", rating=r)
    for i, r in enumerate(variant):
        session(api, tenant, eid, f"v{i}", "enhanced", rating=r)
    (comparison,) = results(api, tenant, eid)["comparisons"]
    ref = sps.ttest_ind(variant, control, equal_var=False)
    assert comparison["metric"] == "rating"
    assert comparison["z"] == pytest.approx(ref.statistic, abs=1e-9)
    assert comparison["p_value"] == pytest.approx(ref.pvalue, abs=1e-9)
    assert comparison["df"] == pytest.approx(ref.df, abs=1e-9)
    assert comparison["ci95"] == pytest.approx(list(ref.confidence_interval(0.95)), abs=1e-9)
    mean_c, mean_v = sum(control) / len(control), sum(variant) / len(variant)
    assert comparison["lift"] == pytest.approx((mean_v - mean_c) / mean_c)
    se = math.sqrt(sps.tvar(control) / len(control) + sps.tvar(variant) / len(variant))
    assert comparison["chance_to_beat_control"] == pytest.approx(sps.norm.cdf((mean_v - mean_c) / se), abs=1e-9)


def test_srm_tests_the_sessions_recorded_per_variant_without_assign(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]  # 1:1
    for i in range(20):
        session(api, tenant, eid, f"a{i}", "original")
    for i in range(60):
        session(api, tenant, eid, f"b{i}", "enhanced")
    srm = results(api, tenant, eid)["srm"]
    reference = sps.chisquare([20, 60], [40, 40])
    assert srm["p_value"] == pytest.approx(reference.pvalue, abs=1e-6) and srm["p_value"] == pytest.approx(7.74e-6, rel=1e-3)
    assert srm["statistic"] == srm["chi2"] == pytest.approx(reference.statistic, abs=1e-9) == 20.0
    assert (srm["df"], srm["periods"], srm["ok"]) == (1, 1, False)
    assert srm["sessions"] == srm["observed"] == {"original": 20, "enhanced": 60}
    assert srm["expected"] == {"original": 40.0, "enhanced": 40.0}
    assert srm["assignments"] == {"original": 0, "enhanced": 0}


def test_srm_catches_sessions_the_logging_lost_after_assign(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    assigned = {f"u{i}": assign(api, tenant, eid, f"u{i}")["variant_id"] for i in range(80)}
    recorded = {"original": 0, "enhanced": 0}
    for n, (user, variant) in enumerate(assigned.items()):
        if variant == "enhanced" and n % 2:
            continue  # half the enhanced users' sessions never reach the log
        # Half the sessions name their variant, the others let the server find the user's assignment.
        stored = session(api, tenant, eid, user, variant if n % 3 else None)
        assert api.get(f"/v1/sessions/{stored}", key=tenant.read).body["variant_id"] == variant
        recorded[variant] += 1
    srm = results(api, tenant, eid)["srm"]
    total = sum(recorded.values())
    reference = sps.chisquare([recorded["original"], recorded["enhanced"]], [total / 2, total / 2])
    assert srm["p_value"] == pytest.approx(reference.pvalue, abs=1e-6)
    assert srm["statistic"] == pytest.approx(reference.statistic, abs=1e-9)
    assert srm["sessions"] == srm["observed"] == recorded
    assert srm["assignments"] == {v: list(assigned.values()).count(v) for v in ("original", "enhanced")}
    assert srm["ok"] == (reference.pvalue >= 0.001)

    # While paused the experiment sends no traffic by its weights: sessions recorded then are not tested.
    api.patch(f"/v1/experiments/{eid}", {"status": "paused"}, key=tenant.admin)
    for i in range(5):
        session(api, tenant, eid, f"late{i}", "enhanced")
    api.patch(f"/v1/experiments/{eid}", {"status": "running"}, key=tenant.admin)
    again = results(api, tenant, eid)
    assert again["srm"]["sessions"] == recorded and again["srm"]["p_value"] == srm["p_value"]
    assert by_variant(again)["enhanced"]["sessions"] == recorded["enhanced"] + 5


def test_srm_sums_expected_sessions_over_periods_of_fixed_weights(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    first = [assign(api, tenant, eid, f"p1-{i}")["variant_id"] for i in range(40)]
    for i in range(30):
        session(api, tenant, eid, f"o1-{i}", "original")
    for i in range(10):
        session(api, tenant, eid, f"e1-{i}", "enhanced")
    api.patch(f"/v1/experiments/{eid}", {"variants": [{"id": "original", "weight": 3}]}, key=tenant.admin)
    second = [assign(api, tenant, eid, f"p2-{i}")["variant_id"] for i in range(40)]
    for i in range(30):
        session(api, tenant, eid, f"o2-{i}", "original")
    for i in range(30):
        session(api, tenant, eid, f"e2-{i}", "enhanced")
    srm = results(api, tenant, eid)["srm"]
    assert srm["periods"] == 2 and srm["df"] == 1
    # Period 1: 40 sessions at 1:1; period 2: 60 sessions at 3:1.
    expected = {"original": 40 * 0.5 + 60 * 0.75, "enhanced": 40 * 0.5 + 60 * 0.25}
    assert srm["expected"] == pytest.approx(expected, abs=1e-9) and expected == {"original": 65.0, "enhanced": 35.0}
    assert srm["sessions"] == srm["observed"] == {"original": 60, "enhanced": 40}
    assert srm["assignments"] == {v: first.count(v) + second.count(v) for v in ("original", "enhanced")}
    # With two variants the statistic is (O - E)^2 over the variance of O, sum_p n_p s_p (1 - s_p): Pearson's
    # chi-square on the summed expected counts divides by the variance of one 65:35 period instead, which is larger.
    statistic = (60 - 65) ** 2 / (40 * 0.5 * 0.5 + 60 * 0.75 * 0.25)
    assert srm["statistic"] == pytest.approx(statistic, abs=1e-9)
    assert srm["p_value"] == pytest.approx(sps.chi2.sf(statistic, 1), abs=1e-6)
    pooled = sps.chisquare([60, 40], [65, 35])
    assert pooled.statistic == pytest.approx((60 - 65) ** 2 / (100 * 0.65 * 0.35), abs=1e-9)
    assert pooled.statistic < srm["statistic"] and srm["p_value"] < pooled.pvalue


def test_srm_counts_a_retried_session_once_and_generations_through_the_experiment(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    body = {"user_id": "u1", "category_key": "ai_resize", "input": "x", "experiment_id": eid, "variant_id": "enhanced"}
    headers = {"Idempotency-Key": "session-u1"}
    first = api.post("/v1/sessions", body, key=tenant.app, headers=headers)
    replay = api.post("/v1/sessions", body, key=tenant.app, headers=headers)
    assert (first.status, replay.status) == (201, 201) and replay.body["session_id"] == first.body["session_id"]
    assert replay.headers["idempotent-replayed"] == "true"
    generated = api.post(
        "/v1/generations",
        {"user_id": "g1", "category_key": "content_caption", "experiment_id": eid, "variables": {"width": 10, "height": 20}},
        key=tenant.app,
    )
    assert generated.status == 201, generated.body
    srm = results(api, tenant, eid)["srm"]
    sessions = {"original": 0, "enhanced": 1}
    sessions[generated.body["variant_id"]] += 1
    assert srm["sessions"] == sessions
    assert srm["assignments"] == {v: int(v == generated.body["variant_id"]) for v in ("original", "enhanced")}
    assert srm["p_value"] == pytest.approx(sps.chisquare(list(sessions.values()), [1, 1]).pvalue, abs=1e-6)


def test_the_always_valid_p_value_never_rises(api: Api, tenant: Tenant) -> None:
    eid = create(api, tenant)["id"]
    feed(api, tenant, eid, "original", 5, 35, "o")
    feed(api, tenant, eid, "enhanced", 30, 10, "e")
    strong = results(api, tenant, eid)["comparisons"][0]
    assert strong["always_valid_p_value"] == strong["always_valid_p_value_now"] < 0.1
    feed(api, tenant, eid, "original", 60, 0, "o2")  # the control catches up
    later = results(api, tenant, eid)["comparisons"][0]
    assert later["always_valid_p_value_now"] > strong["always_valid_p_value_now"]
    assert later["always_valid_p_value"] == strong["always_valid_p_value"]
