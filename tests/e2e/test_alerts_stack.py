"""Alerts over the real local stack: a receiver on 127.0.0.1 gets the events of real detections (targets, an
injected usage shift, drift, a governance violation, failing data quality, the budget, a fine-tuning job), verifies
every signature, sees the retries after answering 500, and processes each event once by its id."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.e2e.conftest import ROOT_KEY, start_stack
from tests.fakes.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e


def test_every_alert_reaches_a_signed_receiver_once(tmp_path: Path) -> None:
    env = {
        "LEARNLOOP_ALLOW_CLOCK_HEADER": "true",
        "LEARNLOOP_WEBHOOK_RETRY_BASE_SECONDS": "1",
        "LEARNLOOP_LOCAL_LATENCY_SCALE": "0",
    }
    stack = start_stack(tmp_path / "data", extra_env=env)  # stage local: loopback endpoints are allowed
    receiver = WebhookReceiver(fail_first=1).start()  # every event's first attempt answered 500
    try:
        created = stack.call("POST", "/v1/tenants", key=ROOT_KEY, json={"name": "Alerted", "domain": "alerted.example"})
        admin = created.json()["api_key"]["key"]
        app = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "b", "role": "app"}).json()["key"]
        endpoint = stack.call("POST", "/v1/webhooks/endpoints", key=admin, json={"url": receiver.url})
        assert endpoint.status_code == 201, endpoint.text
        receiver.secret = endpoint.json()["secret"]

        def run(task: str) -> dict:
            answer = stack.call("POST", f"/v1/scheduler/tasks/{task}/run", key=admin)
            assert answer.status_code in (200, 409), answer.text  # 409: the local scheduler runs it at this moment
            return answer.json().get("result") or {}

        def session(user: str, at: datetime | None = None, **extra: object) -> str:
            headers = {"X-Learnloop-Clock": at.isoformat()} if at else None
            body = {"user_id": user, "category_key": "ai_resize", "input": {"w": 1}, **extra}
            made = stack.call("POST", "/v1/sessions", key=app, json=body, headers=headers)
            assert made.status_code == 201, made.text
            return str(made.json()["session_id"])

        # Usage: three ordinary weeks (2 sessions a weekday, 1 on weekends), then yesterday's surge.
        today = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
        for back in range(22, 1, -1):
            day = today - timedelta(days=back)
            for i in range(2 if day.weekday() < 5 else 1):
                session(f"u{i}", day)
        yesterday = today - timedelta(days=1)
        for i in range(12 + (2 if yesterday.weekday() < 5 else 1)):
            session(f"s{i}", yesterday)
        assert run("detect-anomalies").get("anomalies", 1) >= 1

        # A target whose state follows its figure: 1 rated session of today's 2 (0.5: missed), then 2 of 2 (met).
        target = stack.call(
            "POST",
            "/v1/targets",
            key=admin,
            json={"name": "engaged", "metric": "feedback_rate", "direction": "above", "threshold": 0.5, "window_days": 1},
        ).json()
        todays = [session("t1"), session("t2")]
        stack.call("POST", f"/v1/sessions/{todays[0]}/feedback", key=app, json={"user_id": "t1", "rating": 5})
        first = stack.call("POST", f"/v1/targets/{target['id']}/evaluate", key=admin).json()
        assert (first["state"], first["value"]) == ("missed", 0.5)
        stack.call("POST", f"/v1/sessions/{todays[1]}/feedback", key=app, json={"user_id": "t2", "rating": 4})
        second = stack.call("POST", f"/v1/targets/{target['id']}/evaluate", key=admin).json()
        assert (second["state"], second["value"]) == ("met", 1.0)

        # Data quality: the sessions mostly lack a processing time.
        pipeline = {
            "pipeline_name": "timing",
            "pipeline_type": "validation",
            "source_tables": ["sessions"],
            "validation_rules": {"processing_time_ms": {"required": True}},
        }
        assert stack.call("POST", "/v1/registry/pipelines", key=admin, json=pipeline).status_code == 201
        assert stack.call("POST", "/v1/registry/pipelines/timing/runs", key=admin, json={}).status_code == 201

        # Drift, and the drift policy's violation.
        model = {
            "model_name": "clf",
            "model_version": "v1",
            "model_type": "classification",
            "algorithm": "rf",
            "hyperparameters": {},
            "feature_columns": ["amount"],
            "target_column": "kind",
        }
        assert stack.call("POST", "/v1/registry/models", key=admin, json=model).status_code == 201
        rng = np.random.default_rng(5)
        baseline = {"features": {"amount": rng.normal(100, 10, 200).round(2).tolist()}}
        assert stack.call("POST", "/v1/registry/models/clf/v1/baseline", key=admin, json=baseline).status_code == 201
        policy = {"policy_name": "no drift", "policy_type": "drift"}
        assert stack.call("POST", "/v1/governance/policies", key=admin, json=policy).status_code == 201
        for amount in rng.normal(140, 10, 30).round(2).tolist():
            body = {"prediction_type": "classification", "input_data": {"amount": amount}, "prediction": "a"}
            assert stack.call("POST", "/v1/registry/models/clf/v1/predictions", key=app, json=body).status_code == 201
        run("detect-drift")

        # The budget: a priced offline model, a budget, generations until one no longer fits.
        sage = stack.call("GET", "/v1/models/local:sage", key=admin).json()
        priced = {
            k: sage[k]
            for k in (
                "model_name",
                "provider",
                "capabilities",
                "cost_bucket",
                "context_window",
                "max_tokens",
                "average_speed_ms",
                "is_active",
                "is_recommended",
                "priority_rank",
                "description",
                "use_cases",
                "limitations",
            )
        }
        priced |= {"cost_per_1k_input": 1.0, "cost_per_1k_output": 1.0}
        assert stack.call("PUT", "/v1/models/local:sage", key=admin, json=priced).status_code in (200, 201)
        assert (
            stack.call(
                "PUT", "/v1/tenants/me/limits", key=admin, json={"monthly_budget_usd": 0.5, "on_budget": "block"}
            ).status_code
            == 200
        )
        for i in range(60):
            made = stack.call(
                "POST",
                "/v1/generations",
                key=app,
                json={
                    "user_id": f"g{i}",
                    "category_key": "content_caption",
                    "prompt": "a short caption",
                    "model_id": "local:sage",
                    "max_tokens": 16,
                },
            )
            if made.status_code == 429:
                break
            assert made.status_code == 201, made.text
        else:
            pytest.fail("the budget never ran out")

        # Deliver: the first attempts fail (500), the retries a second later succeed.
        wanted = {
            "anomaly.detected",
            "target.missed",
            "target.recovered",
            "data_quality.failed",
            "drift.detected",
            "governance.violation_opened",
            "budget.threshold_80",
            "budget.threshold_100",
        }
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            run("deliver-webhooks")
            if {e["type"] for e in receiver.processed.values()} >= wanted:
                break
            time.sleep(1.1)
        feed = stack.call("GET", "/v1/events?limit=200", key=admin).json()["items"]
        assert {e["type"] for e in feed} >= wanted
        assert {e["type"] for e in receiver.processed.values()} >= wanted
        assert all(r.signature_ok for r in receiver.received)
        for event_id in receiver.processed:
            statuses = [r.status for r in receiver.received if r.event_id == event_id]
            assert statuses[:2] == [500, 200], (event_id, statuses)
        assert set(receiver.processed) == {e["id"] for e in feed}  # each event processed once, none invented
        assert len(receiver.processed) == len(feed)
        log = stack.call("GET", f"/v1/webhooks/endpoints/{endpoint.json()['id']}/deliveries?limit=200", key=admin).json()["items"]
        assert all([a["status_code"] for a in d["log"]][:2] == [500, 200] for d in log if d["status"] == "succeeded")
    finally:
        receiver.stop()
        stack.stop()
