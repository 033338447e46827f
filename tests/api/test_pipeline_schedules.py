"""Data pipelines on cron schedules: the run-scheduled-pipelines task runs each occurrence once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.core import clock, keys
from chalicelib.pipelines import cron, schedules
from chalicelib.pipelines.store import PipelineItem
from tests.conftest import Api, Tenant

CREATED = datetime(2026, 5, 20, 1, 10, 30, tzinfo=UTC)
NIGHTLY = {
    "pipeline_name": "nightly-sessions",
    "pipeline_type": "validation",
    "schedule": "0 2 * * *",
    "source_tables": ["sessions"],
    "validation_rules": {"processing_time_ms": {"required": True, "type": "number", "min": 0}},
}


def tick(api: Api, tenant: Tenant, at: datetime) -> dict[str, Any]:
    with clock.frozen(at):
        reply = api.post("/v1/scheduler/tasks/run-scheduled-pipelines/run", key=tenant.admin)
    assert reply.status == 200, reply.body
    state = {t["name"]: t for t in api.get("/v1/scheduler/tasks", key=tenant.admin).body["items"]}["run-scheduled-pipelines"]
    assert state["schedule"] == "rate(5 minutes)" and state["last_status"] == "succeeded"
    return state["last_result"]  # type: ignore[no-any-return]


def runs_of(api: Api, tenant: Tenant, name: str) -> list[dict[str, Any]]:
    return api.get(f"/v1/registry/pipelines/{name}/runs", key=tenant.read).body["items"]  # type: ignore[no-any-return]


def test_a_scheduled_pipeline_runs_once_at_each_occurrence(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    with clock.frozen(CREATED - timedelta(minutes=5)):
        for ms in (1200, 800):
            api.post(
                "/v1/sessions",
                {"user_id": "u1", "category_key": "ai_resize", "input": "x", "processing_time_ms": ms},
                key=tenant.app,
            )
    with clock.frozen(CREATED):
        created = api.post("/v1/registry/pipelines", NIGHTLY, key=tenant.admin)
        manual = api.post("/v1/registry/pipelines", {**NIGHTLY, "pipeline_name": "by-hand", "schedule": None}, key=tenant.admin)
    assert created.status == 201 and manual.status == 201
    assert (created.body["schedule"], created.body["next_run_at"]) == ("0 2 * * *", "2026-05-20T02:00:00.000Z")
    assert manual.body["next_run_at"] is None

    early = tick(api, tenant, CREATED + timedelta(minutes=40))  # 01:50
    assert (early["scheduled_pipelines"], early["due"], early["runs"]) == (1, 0, [])
    assert runs_of(api, tenant, "nightly-sessions") == []

    due = tick(api, tenant, datetime(2026, 5, 20, 2, 3, tzinfo=UTC))
    assert due["due"] == 1 and len(due["runs"]) == 1
    ran = due["runs"][0]
    assert (ran["pipeline_name"], ran["scheduled_for"], ran["status"]) == (
        "nightly-sessions",
        "2026-05-20T02:00:00.000Z",
        "completed",
    )
    [run] = runs_of(api, tenant, "nightly-sessions")
    assert (run["run_id"], run["trigger"], run["scheduled_for"]) == (ran["run_id"], "schedule", "2026-05-20T02:00:00.000Z")
    assert (run["records_processed"], run["records_failed"]) == (2, 0)
    pipeline = api.get("/v1/registry/pipelines", key=tenant.read).body["items"]
    nightly = next(p for p in pipeline if p["pipeline_name"] == "nightly-sessions")
    assert (nightly["runs"], nightly["next_run_at"]) == (1, "2026-05-21T02:00:00.000Z")

    # The same occurrence again (a retried task) runs nothing; the other tenant's task sees no pipeline.
    assert tick(api, tenant, datetime(2026, 5, 20, 2, 8, tzinfo=UTC))["due"] == 0
    assert tick(api, other_tenant, datetime(2026, 5, 20, 2, 8, tzinfo=UTC))["scheduled_pipelines"] == 0
    # Two days without a tick: the missed occurrences make one run, not two.
    late = tick(api, tenant, datetime(2026, 5, 22, 9, 0, tzinfo=UTC))
    assert late["due"] == 1 and late["runs"][0]["scheduled_for"] == "2026-05-21T02:00:00.000Z"
    assert len(runs_of(api, tenant, "nightly-sessions")) == 2
    assert runs_of(api, tenant, "by-hand") == []
    assert api.get("/v1/registry/pipelines", key=tenant.read).body["items"][1]["next_run_at"] == "2026-05-23T02:00:00.000Z"


def test_a_paused_pipelines_occurrences_pass_without_a_run(api: Api, tenant: Tenant) -> None:
    with clock.frozen(CREATED):
        assert api.post("/v1/registry/pipelines", {**NIGHTLY, "schedule": "@hourly"}, key=tenant.admin).status == 201
        assert api.patch("/v1/registry/pipelines/nightly-sessions", {"status": "paused"}, key=tenant.admin).status == 200
    passed = tick(api, tenant, datetime(2026, 5, 20, 2, 1, tzinfo=UTC))
    assert (passed["due"], passed["passed_paused"], passed["runs"]) == (1, ["nightly-sessions"], [])
    with clock.frozen(datetime(2026, 5, 20, 2, 30, tzinfo=UTC)):
        assert api.patch("/v1/registry/pipelines/nightly-sessions", {"status": "active"}, key=tenant.admin).status == 200
    assert tick(api, tenant, datetime(2026, 5, 20, 2, 35, tzinfo=UTC))["due"] == 0  # resuming does not catch up
    resumed = tick(api, tenant, datetime(2026, 5, 20, 3, 0, tzinfo=UTC))
    assert resumed["runs"][0]["scheduled_for"] == "2026-05-20T03:00:00.000Z"
    assert [r["trigger"] for r in runs_of(api, tenant, "nightly-sessions")] == ["schedule"]


def test_a_stored_schedule_cron_cannot_read_is_reported_and_the_others_run(api: Api, tenant: Tenant) -> None:
    with clock.frozen(CREATED):
        for name in ("legacy", "nightly-sessions"):
            assert api.post("/v1/registry/pipelines", {**NIGHTLY, "pipeline_name": name}, key=tenant.admin).status == 201
    legacy = PipelineItem.get(*keys.ml_pipeline(tenant.id, "legacy"))  # as stored before schedules were checked
    legacy.update(actions=[PipelineItem.schedule.set("daily"), PipelineItem.next_run_at.remove()])
    result = tick(api, tenant, datetime(2026, 5, 20, 2, 1, tzinfo=UTC))
    assert result["unreadable_schedules"] == ["legacy"]
    assert [r["pipeline_name"] for r in result["runs"]] == ["nightly-sessions"]


def test_concurrent_ticks_run_an_occurrence_once(api: Api, tenant: Tenant) -> None:
    with clock.frozen(CREATED):
        assert api.post("/v1/registry/pipelines", NIGHTLY, key=tenant.admin).status == 201
    with clock.frozen(datetime(2026, 5, 20, 2, 0, 30, tzinfo=UTC)), ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: schedules.run_scheduled_pipelines(tenant.id), range(4)))
    assert sum(len(r["runs"]) for r in results) == 1
    assert len(runs_of(api, tenant, "nightly-sessions")) == 1


def test_a_schedule_must_be_a_cron_expression(api: Api, tenant: Tenant) -> None:
    for wrong in ("daily", "61 * * * *", "0 2 * *", ""):
        reply = api.post("/v1/registry/pipelines", {**NIGHTLY, "schedule": wrong}, key=tenant.admin)
        assert reply.status == 422, wrong
        [detail] = reply.body["error"]["details"]
        assert detail["field"] == "body.schedule" and "is not a cron expression" in detail["message"], detail
    assert api.get("/v1/registry/pipelines", key=tenant.read).body["items"] == []
    spaced = api.post("/v1/registry/pipelines", {**NIGHTLY, "schedule": " */15  *  * * 1-5 "}, key=tenant.admin)
    assert spaced.status == 201 and spaced.body["schedule"] == "*/15 * * * 1-5"


def test_next_occurrences_follow_cron() -> None:
    at = datetime(2026, 5, 20, 2, 0, 0, tzinfo=UTC)  # a Wednesday
    assert cron.next_after("0 2 * * *", at) == datetime(2026, 5, 21, 2, 0, tzinfo=UTC)  # strictly after
    assert cron.next_after("*/15 * * * 1-5", at + timedelta(seconds=59)) == datetime(2026, 5, 20, 2, 15, tzinfo=UTC)
    assert cron.next_after("@weekly", at) == datetime(2026, 5, 24, 0, 0, tzinfo=UTC)  # Sunday
    assert cron.next_after("@monthly", at) == datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
