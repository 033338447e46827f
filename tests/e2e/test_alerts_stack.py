"""Alerts over the real local stack: a receiver on 127.0.0.1 gets an event of every type, each from a real detection
made through the API as a user would (targets, an injected usage shift, drift and its policy's violation and action,
failing data quality, an experiment's significance and sample-ratio mismatch, fine-tuning jobs that succeed and fail,
the budget), verifies every signature, sees the retries after answering 500, and processes each event once by its id.
The expected types are the code's own list, so a new type without a detection here fails the test."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from chalicelib.events.schemas import EVENT_TYPES
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

        # Usage: three ordinary weeks of a session a day, then yesterday's surge (9).
        today = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
        for back in range(22, 0, -1):
            for i in range(9 if back == 1 else 1):
                session(f"u{i}", today - timedelta(days=back))
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

        # Drift, the drift policy's violation and its action (notify).
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
        policy = {"policy_name": "no drift", "policy_type": "drift", "rules": {"actions": ["notify"]}}
        assert stack.call("POST", "/v1/governance/policies", key=admin, json=policy).status_code == 201
        for amount in rng.normal(140, 10, 30).round(2).tolist():
            body = {"prediction_type": "classification", "input_data": {"amount": amount}, "prediction": "a"}
            assert stack.call("POST", "/v1/registry/models/clf/v1/predictions", key=app, json=body).status_code == 201
        run("detect-drift")

        # An experiment: the enhanced prompt rated far higher (significant), and its sessions recorded 8 to 8 where its
        # weights send 9 users in 10 to the original (a sample-ratio mismatch); the optimiser's run looks at its results.
        variants = [
            {"id": "original", "name": "Original", "prompt": "Resize to {w}.", "is_control": True, "weight": 9},
            {"id": "enhanced", "name": "Enhanced", "prompt": "Resize with the golden ratio to {w}.", "weight": 1},
        ]
        experiment = stack.call(
            "POST", "/v1/experiments", key=admin, json={"name": "resize prompts", "metric": "rating", "variants": variants}
        )
        assert experiment.status_code == 201, experiment.text
        eid = experiment.json()["id"]
        for variant, stars in (("original", [1] * 7 + [2]), ("enhanced", [5] * 7 + [4])):
            for i, rating in enumerate(stars):
                sid = session(f"{variant}-{i}", experiment_id=eid, variant_id=variant)
                feedback = {"user_id": f"{variant}-{i}", "rating": rating}
                assert stack.call("POST", f"/v1/sessions/{sid}/feedback", key=app, json=feedback).status_code == 201
        run("optimize-experiments")

        # Fine-tuning on the offline provider: one job succeeds; another fails when an erasure leaves its dataset too few
        # lines before it trains.
        for i in range(6):  # two rated captions from each of three florists
            body = {
                "user_id": f"florist-{i % 3}",
                "category_key": "content_caption",
                "input": f"caption for a {['romantic', 'rustic', 'modern'][i % 3]} bouquet number {i} with roses",
                "output": f"Roses, bouquet {i}: made for the moment.",
            }
            sid = stack.call("POST", "/v1/sessions", key=app, json=body).json()["session_id"]
            rating = {"user_id": f"florist-{i % 3}", "rating": 5}
            assert stack.call("POST", f"/v1/sessions/{sid}/feedback", key=app, json=rating).status_code == 201
        built = {"days": 1, "min_rating": 4, "category_key": "content_caption", "validation_split": 0}
        dataset = stack.call("POST", "/v1/training/datasets", key=admin, json=built).json()
        assert (dataset["status"], dataset["train_count"]) == ("ready", 6), dataset

        def train(job_id: str) -> dict:
            until = time.monotonic() + 30
            while True:
                run("poll-training-jobs")  # the local scheduler polled at the tenant's first tick; not again for 5 min
                job = stack.call("GET", f"/v1/training/jobs/{job_id}", key=admin).json()
                if job["status"] not in ("pending", "running") or time.monotonic() > until:
                    return job
                time.sleep(0.2)

        ft = {"dataset_id": dataset["id"], "base_model": "local:sage"}
        succeeded = stack.call("POST", "/v1/training/jobs", key=admin, json=ft).json()
        assert train(succeeded["id"])["status"] == "succeeded"
        doomed = stack.call("POST", "/v1/training/jobs", key=admin, json=ft).json()
        assert stack.call("DELETE", "/v1/users/florist-0/data", key=admin).status_code == 200  # 4 lines left of 6
        failed = train(doomed["id"])
        assert (failed["status"], failed["error"]["code"]) == ("failed", "training_failed"), failed

        # The budget: an offline model at $0.10 a call, a budget of $0.50: the 4th call spends 80%, the 5th 100%, the 6th
        # no longer fits.
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
        priced |= {"cost_per_request": 0.1}
        assert stack.call("PUT", "/v1/models/local:sage", key=admin, json=priced).status_code in (200, 201)
        assert (
            stack.call(
                "PUT", "/v1/tenants/me/limits", key=admin, json={"monthly_budget_usd": 0.5, "on_budget": "block"}
            ).status_code
            == 200
        )
        for i in range(7):
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
        assert i == 5, "the budget of 5 calls ran out after another number"

        # Deliver: the first attempts fail (500), the retries a second later succeed.
        wanted = set(EVENT_TYPES)  # every type the code knows
        feed = stack.call("GET", "/v1/events?limit=200", key=admin).json()["items"]
        assert {e["type"] for e in feed} == wanted
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            run("deliver-webhooks")
            if len(receiver.processed) == len(feed):
                break
            time.sleep(1.1)
        assert {e["type"] for e in receiver.processed.values()} == wanted
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
