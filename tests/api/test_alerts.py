"""Targets follow their figures exactly (planted sessions and feedback), seed 001's defaults, the event feed,
corrections per session and their trend, and the anomaly detector's event on an injected shift."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from chalicelib.core import clock, faults, retries
from tests.api.registry_helpers import path, register
from tests.conftest import Api, Tenant

Chaos = Callable[[str], faults.Faults]
EVENT_ITEMS = "#EVENT#evt_"  # the fault layer's `item=`: only transactions that write an event


@pytest.fixture
def chaos(monkeypatch: pytest.MonkeyPatch) -> Iterator[Chaos]:
    """Switch the fault layer on with a spec (its counts from the next call); `chaos("")` switches it off."""

    def switch(spec: str) -> faults.Faults:
        faults.reset()
        monkeypatch.setenv("LEARNLOOP_CHAOS", spec)
        return faults.active()  # type: ignore[return-value]

    yield switch
    faults.reset()


def session(api: Api, tenant: Tenant, user: str, *, at: str | None = None, **extra: object) -> str:
    body = {"user_id": user, "category_key": "ai_resize", "input": {"w": 1}, "model_id": "local:sage", **extra}
    headers = {"X-Learnloop-Clock": at} if at else None
    made = api.post("/v1/sessions", body, key=tenant.app, headers=headers)
    assert made.status == 201, made.body
    return str(made.body["session_id"])


def rate(api: Api, tenant: Tenant, sid: str, stars: int) -> None:
    assert api.post(f"/v1/sessions/{sid}/feedback", {"user_id": "rater", "rating": stars}, key=tenant.app).status == 201


def test_new_tenant_starts_with_seed_001_targets_switched_off(api: Api, tenant: Tenant) -> None:
    listed = api.get("/v1/targets?limit=2", key=tenant.read)
    rest = api.get(f"/v1/targets?limit=2&cursor={listed.body['next_cursor']}", key=tenant.read)
    found = {t["metric"]: t for t in listed.body["items"] + rest.body["items"]}
    assert {m: (t["direction"], t["threshold"], t["enabled"], t["seeded"]) for m, t in found.items()} == {
        "high_rating_share": ("above", 0.7, False, True),
        "feedback_rate": ("above", 0.5, False, True),
        "p95_processing_ms": ("below", 10000.0, False, True),
        "experiment_confidence": ("above", 0.95, False, True),
    }
    run = api.post("/v1/scheduler/tasks/evaluate-targets/run", key=tenant.admin)
    assert run.body["result"]["targets"] == 0  # nothing is evaluated until enabled
    bad = api.post(
        "/v1/targets",
        {"name": "x", "metric": "p95_processing_ms", "direction": "below", "threshold": 1, "model_id": "m"},
        key=tenant.admin,
    )
    assert bad.status == 422 and "processing times are not kept per task or model" in bad.body["error"]["message"]
    assert (
        api.post("/v1/targets", {"name": "x", "metric": "nope", "direction": "above", "threshold": 1}, key=tenant.admin).status
        == 422
    )
    assert (
        api.post(
            "/v1/targets", {"name": "x", "metric": "success_rate", "direction": "above", "threshold": 1}, key=tenant.read
        ).status
        == 403
    )


def test_a_targets_state_follows_its_figure_exactly(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    made = api.post(
        "/v1/targets",
        {"name": "engagement", "metric": "feedback_rate", "direction": "above", "threshold": 0.5, "at_risk_margin": 0.1},
        key=tenant.admin,
    )
    assert made.status == 201
    tid = made.body["id"]

    def evaluate() -> tuple[str, float | None]:
        answer = api.post(f"/v1/targets/{tid}/evaluate", key=tenant.admin)
        assert answer.status == 200, answer.body
        summary = api.get("/v1/analytics/summary?days=7", key=tenant.read).body
        assert answer.body["value"] == summary["feedback_rate"]  # the summary's own figure, not another computation
        return answer.body["state"], answer.body["value"]

    assert evaluate() == ("no_data", None)
    sids = [session(api, tenant, f"u{i}") for i in range(4)]
    rate(api, tenant, sids[0], 5)
    assert evaluate() == ("missed", 0.25)
    rate(api, tenant, sids[1], 2)
    rate(api, tenant, sids[2], 4)
    assert evaluate() == ("met", 0.75)
    sids += [session(api, tenant, f"v{i}") for i in range(2)]
    assert evaluate() == ("missed", 0.5)  # "above 0.5" is missed at exactly 0.5
    more = [session(api, tenant, f"w{i}") for i in range(5)]
    for sid in more[:3]:
        rate(api, tenant, sid, 3)
    assert evaluate() == ("at_risk", 6 / 11)  # above, but within 10% of the threshold
    assert evaluate() == ("at_risk", 6 / 11)  # evaluated again: no new move, no new event

    feed = api.get("/v1/events?type=target.missed", key=tenant.read).body["items"]
    assert [(e["data"]["value"], e["data"]["previous_state"]) for e in feed] == [(0.5, "met"), (0.25, "no_data")]
    recovered = api.get("/v1/events?type=target.recovered", key=tenant.read).body["items"]
    assert [(e["data"]["value"], e["data"]["state"]) for e in recovered] == [(6 / 11, "at_risk"), (0.75, "met")]
    assert len({e["id"] for e in feed + recovered}) == 4
    shown = api.get(f"/v1/targets/{tid}", key=tenant.read).body
    assert (shown["state"], shown["value"]) == ("at_risk", 6 / 11)
    history = api.get(f"/v1/targets/{tid}/history", key=tenant.read).body["items"]
    assert history[0]["state"] == "at_risk" and history[0]["window_to"] == clock.day_of(clock.now())  # one per hour
    assert api.get(f"/v1/targets/{tid}", key=other_tenant.read).status == 404
    assert api.get("/v1/events", key=other_tenant.read).body["items"] == []


def test_corrections_per_session_and_their_trend(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_ALLOW_CLOCK_HEADER", "true")
    today = clock.now().replace(hour=12, minute=0, second=0, microsecond=0)
    early, late = clock.iso(today - timedelta(days=5)), clock.iso(today - timedelta(days=1))
    for at, corrections in ((early, 3), (early, 1), (late, 1), (late, 0)):
        sid = session(api, tenant, "designer", at=at)
        if corrections:
            patch = {"manual_corrections": [{"moved": i} for i in range(corrections)]}
            assert api.patch(f"/v1/sessions/{sid}", patch, key=tenant.app).status == 200
    summary = api.get("/v1/analytics/summary?days=6", key=tenant.read).body
    assert (summary["corrections"], summary["corrected_sessions"], summary["corrections_per_session"]) == (5, 3, 1.25)
    assert summary["corrections_trend"] == {"earlier": 2.0, "later": 0.5, "change": -1.5, "direction": "falling"}
    rows = api.get("/v1/analytics/models?period=daily&days=6&category_key=ai_resize", key=tenant.read).body["items"]
    assert [(r["period_start"], r["corrections_per_session"]) for r in rows] == [(early[:10], 2.0), (late[:10], 0.5)]
    assert rows[1]["corrections_trend"]["direction"] == "falling" and rows[0]["corrections_trend"]["direction"] is None
    made = api.post(
        "/v1/targets",
        {
            "name": "fewer fixes",
            "metric": "corrections_per_session",
            "direction": "below",
            "threshold": 1.0,
            "category_key": "ai_resize",
            "window_days": 3,
        },
        key=tenant.admin,
    )
    evaluated = api.post(f"/v1/targets/{made.body['id']}/evaluate", key=tenant.admin).body
    assert (evaluated["state"], evaluated["value"]) == ("met", 0.5)  # the last 3 days: the later sessions only


def test_an_injected_shift_raises_one_anomaly_event(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_ALLOW_CLOCK_HEADER", "true")
    today = clock.now().replace(hour=10, minute=0, second=0, microsecond=0)
    for back in range(22, 0, -1):  # three weeks of ordinary days, yesterday included: 2 sessions on weekdays, 1 on weekends
        day = today - timedelta(days=back)
        for i in range(2 if day.weekday() < 5 else 1):
            session(api, tenant, f"u{i}", at=clock.iso(day))
    quiet = api.post("/v1/scheduler/tasks/detect-anomalies/run", key=tenant.admin).body["result"]
    yesterday = today - timedelta(days=1)
    assert (quiet["judged_day"], quiet["events"]) == (yesterday.date().isoformat(), 0)  # weekends are not anomalies
    for i in range(12):  # yesterday: a surge
        session(api, tenant, f"s{i}", at=clock.iso(yesterday))
    for _ in range(2):  # the task again (a retry): still one event
        run = api.post("/v1/scheduler/tasks/detect-anomalies/run", key=tenant.admin).body["result"]
    found = api.get("/v1/events?type=anomaly.detected", key=tenant.read).body["items"]
    daily = [e["data"] for e in found if e["data"]["granularity"] == "day"]
    usual = 2 if yesterday.weekday() < 5 else 1
    assert [(d["metric"], d["period"], d["value"], d["expected"], d["direction"]) for d in daily] == [
        ("sessions", yesterday.date().isoformat(), usual + 12, usual, "above")
    ]
    assert daily[0]["score"] > 4 and run["events"] == 0


def test_fine_tuning_spend_raises_the_budget_events_and_each_job_ends_in_one_event(api: Api, tenant: Tenant) -> None:
    from chalicelib.providers.base import count_tokens
    from tests.api.test_platform import price_training
    from tests.api.test_training import build, poll, populate, raw_file

    populate(api, tenant, n=6, users=3)  # the fewest lines a job takes (5) and one more
    ds = build(api, tenant, validation_split=0)
    price_training(api, tenant, "local:sage", 0.5)
    per_epoch = count_tokens(raw_file(tenant, ds["id"], "train").decode()) / 1000 * 0.5
    job = {"dataset_id": ds["id"], "base_model": "local:sage"}

    def budget(usd: float) -> None:
        assert api.put("/v1/tenants/me/limits", {"monthly_budget_usd": usd}, key=tenant.admin).status == 200

    def feed(event_type: str) -> list[dict]:
        return [e["data"] for e in api.get(f"/v1/events?type={event_type}", key=tenant.read).body["items"]]

    budget(round(3 * per_epoch / 0.9, 6))  # a 3-epoch job is 90% of it
    first = api.post("/v1/training/jobs", job, key=tenant.admin).body
    assert feed("budget.threshold_80") == []  # a reservation is not spend
    assert poll(api, tenant) == {"polled": 1, "succeeded": 1}
    cost = api.get(f"/v1/training/jobs/{first['id']}", key=tenant.read).body["cost_usd"]
    assert cost == pytest.approx(3 * per_epoch) and cost > 0
    assert [(d["spent_usd"], d["threshold"], d["reason"]) for d in feed("budget.threshold_80")] == [(cost, 0.8, "spent")]
    refused = api.post("/v1/training/jobs", job, key=tenant.admin)  # another 3 epochs do not fit the 10% left
    assert refused.error_code == "budget_exceeded" and feed("budget.threshold_100") == []  # a large estimate is not 100%

    budget(100.0)
    second = api.post("/v1/training/jobs", job | {"hyperparameters": {"n_epochs": 1}}, key=tenant.admin).body
    budget(round(3 * per_epoch / 0.9, 6))  # lowered while the job runs: what it spends passes the budget
    assert poll(api, tenant) == {"polled": 1, "succeeded": 1}
    spent = cost + api.get(f"/v1/training/jobs/{second['id']}", key=tenant.read).body["cost_usd"]
    assert [(d["spent_usd"], d["threshold"]) for d in feed("budget.threshold_100")] == [(pytest.approx(spent), 1.0)]
    assert len(feed("budget.threshold_80")) == 1  # once a month
    succeeded = feed("training_job.succeeded")
    assert sorted(d["job_id"] for d in succeeded) == sorted([first["id"], second["id"]])
    assert all(d["status"] == "succeeded" and d["model_id"] and d["error"] is None for d in succeeded)

    # A job whose dataset lost its users' lines to an erasure before it trained fails, with one event.
    budget(100.0)
    third = api.post("/v1/training/jobs", job, key=tenant.admin).body
    assert api.delete("/v1/users/user-0/data", key=tenant.admin).status == 200  # 4 lines of 6 left
    assert poll(api, tenant) == {"polled": 1, "failed": 1}
    poll(api, tenant)
    (failed,) = feed("training_job.failed")
    assert (failed["job_id"], failed["status"], failed["error"]["code"]) == (third["id"], "failed", "training_failed")
    assert "training lines left" in failed["error"]["message"]


def test_drift_and_data_quality_events_are_written_with_their_findings_exactly_once(
    api: Api, tenant: Tenant, chaos: Chaos
) -> None:
    """The event goes in the transaction that stores the finding: a write that fails loses neither alone (the next run
    finds it and emits it), a transaction retried after a conflict writes it once, a run again emits nothing new."""
    import numpy as np

    from tests.api.test_registry_monitoring import bulk

    model = register(api, tenant, feature_columns=["amount"])
    rng = np.random.default_rng(5)
    baseline = {"features": {"amount": rng.normal(100, 10, 200).round(2).tolist()}}
    assert api.post(path(model, "/baseline"), baseline, key=tenant.admin).status == 201
    drifted = rng.normal(140, 10, 45).round(2).tolist()  # every third lacks its amount
    bulk(tenant, model, [({"amount": amount} if n % 3 else {}, "office") for n, amount in enumerate(drifted)])

    def feed(event_type: str) -> list[dict]:
        return api.get(f"/v1/events?type={event_type}&limit=100", key=tenant.read).body["items"]

    def drift_run() -> dict:
        return api.post("/v1/scheduler/tasks/detect-drift/run", key=tenant.admin).body

    # The transaction of the reports and their events is throttled past its retries: the run fails, nothing is stored.
    throttled = chaos(f"throttle_first={retries.TRANSACTION.attempts},only=TransactWriteItems,item={EVENT_ITEMS}")
    assert drift_run()["status"] == "failed" and throttled.injected["throttle"] == retries.TRANSACTION.attempts
    assert api.get(path(model, "/drift"), key=tenant.read).body["items"] == [] and feed("drift.detected") == []
    # Then two conflicts on it: retried, written once.
    conflicted = chaos(f"conflict_first=2,item={EVENT_ITEMS}")
    assert drift_run()["status"] == "succeeded" and conflicted.injected["TransactionConflict"] == 2
    reports = {r["id"]: r for r in api.get(path(model, "/drift"), key=tenant.read).body["items"]}
    drifted = {(r["feature_name"], r["metric"]) for r in reports.values() if r["status"] == "detected"}
    events = feed("drift.detected")
    assert drifted and sorted((e["data"]["feature_name"], e["data"]["metric"]) for e in events) == sorted(drifted)
    assert {e["data"]["report_id"] for e in events} <= set(reports)
    chaos("")
    assert drift_run()["status"] == "succeeded"  # a run again: new reports, the day's events already written
    assert [e["id"] for e in feed("drift.detected")] == [e["id"] for e in events]
    assert not {r["id"] for r in api.get(path(model, "/drift"), key=tenant.read).body["items"]} & set(reports)

    pipeline = {
        "pipeline_name": "amounts",
        "pipeline_type": "validation",
        "source_tables": [f"predictions:{model['model_name']}:{model['model_version']}"],
        "validation_rules": {"input_data.amount": {"required": True}},
    }
    assert api.post("/v1/registry/pipelines", pipeline, key=tenant.admin).status == 201
    runs = "/v1/registry/pipelines/amounts/runs"
    chaos(f"throttle_first={retries.TRANSACTION.attempts},only=TransactWriteItems,item={EVENT_ITEMS}")
    failed = api.post(runs, {}, key=tenant.admin)
    assert (failed.status, failed.error_code) == (503, "storage_busy")
    assert api.get("/v1/registry/data-quality", key=tenant.read).body["items"] == [] and feed("data_quality.failed") == []
    chaos(f"conflict_first=2,item={EVENT_ITEMS}")
    first = api.post(runs, {}, key=tenant.admin)
    chaos("")
    second = api.post(runs, {}, key=tenant.admin)
    assert first.status == second.status == 201
    quality = api.get("/v1/registry/data-quality", key=tenant.read).body["items"]
    assert [(q["column_name"], q["quality_metric"], q["status"]) for q in quality if q["status"] == "fail"] == [
        ("input_data.amount", "completeness", "fail")
    ]
    found = feed("data_quality.failed")  # one per run that measured it, each with the figure it failed on
    assert sorted(e["data"]["run_id"] for e in found) == sorted([first.body["run_id"], second.body["run_id"]])
    assert {(f["column_name"], f["metric_value"]) for e in found for f in e["data"]["failures"]} == {
        ("input_data.amount", 30 / 45)
    }
