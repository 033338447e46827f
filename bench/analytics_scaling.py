"""Analytics at scale: what the 30-day summary, the model roll-ups and aggregate-metrics cost after 1,000 and 100,000 sessions.

Counted, per call, through chalice.test.Client over in-process moto: DynamoDB requests (by operation)
and items read (Query/Scan `Count`, GetItem hits, BatchGetItem responses). The reads must cost the same
whatever the number of sessions; the aggregation's work must follow what is new since its last run.

Recording 100,000 sessions one HTTP call at a time through moto takes hours, so the bulk is recorded by
the domain's own functions (`sessions.service.create_session`, `record_generation`, `record_feedback`,
each under a frozen clock at its moment) with their transactions captured instead of committed: every
Put and every ADD/SET of every op is applied in memory (ADDs summed per item), then written in bulk
(BatchWriteItem for the items, one UpdateItem of the summed ADDs per counter). The table ends exactly as
if each transaction had committed one by one. The increments measured after each bulk are real API calls.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from .harness import ROOT_KEY, call, local_account

SCALES = tuple(int(n) for n in os.environ.get("BENCH_ANALYTICS_SCALES", "1000,100000").split(","))
USERS = 100
MODELS = ["openai:gpt-4o-mini", "openai:gpt-4o", "anthropic:claude-3-5-haiku-20241022", "local:sage", "local:swift"]
CATEGORIES = ["content_caption", "content_hooks", "content_hashtags", "content_ideas", "ai_resize", "image_social"]
NEW_EVENTS = 100
COMPARED = (
    "summary_30_days",
    "models_all_time",
    "models_weekly_5_weeks",
    "models_daily_30_days",
    "aggregate_after_100_new_sessions",
    "aggregate_with_nothing_new",
)  # sessions (and feedback on half of them) recorded through the API between two aggregation runs


class Reads:
    """DynamoDB requests and items read, by operation, from botocore's events on the table's client."""

    def __init__(self) -> None:
        from chalicelib.core.table import connection

        self.requests: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        events = connection().connection.client.meta.events
        events.register("before-call.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        self.requests[model.name] += 1

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if "Count" in parsed:
            self.items[model.name] += parsed["Count"]
        elif model.name == "GetItem":
            self.items[model.name] += int("Item" in parsed)
        elif model.name == "BatchGetItem":
            self.items[model.name] += sum(len(found) for found in parsed.get("Responses", {}).values())

    @contextlib.contextmanager
    def measure(self) -> Iterator[dict[str, Any]]:
        requests, items = Counter(self.requests), Counter(self.items)
        out: dict[str, Any] = {}
        yield out
        req = {k: v - requests[k] for k, v in self.requests.items() if v - requests[k]}
        got = {k: v - items[k] for k, v in self.items.items() if v - items[k]}
        out |= {"requests": sum(req.values()), "items_read": sum(got.values()), "by_operation": req}


class Capture:
    """The domain's transactions applied in memory, then written in bulk (see the module's docstring)."""

    def __init__(self) -> None:
        self.items: dict[Any, Any] = {}  # Key -> a PynamoDB item Put in this bulk (updates applied to it)
        self.adds: dict[Any, tuple[type, dict[str, float], dict[str, Any], dict[str, Any]]] = {}

    def commit(self, ops: list[Any]) -> None:
        from chalicelib.core import storage
        from chalicelib.core.keys import Key

        for op in ops:
            key = Key(op.item.pk, op.item.sk)
            if isinstance(op, storage.Put):
                self.items[key] = op.item
            elif isinstance(op, storage.Update):
                for action in op.actions:
                    self._apply(key, type(op.item), action)

    def get_many(self, keys: Any, consistent: bool = True) -> dict[Any, Any]:
        return {key: self.items[key] for key in keys if key in self.items}

    def _apply(self, key: Any, model: type, action: Any) -> None:
        from pynamodb.expressions.operand import Value
        from pynamodb.expressions.update import AddAction, SetAction

        path, operand = action.values[0], action.values[1]
        name = model._dynamo_to_python_attr(path.path[0])  # type: ignore[attr-defined]
        if name == "kind":
            return
        target = self.items.get(key)
        if target is None:
            _, adds, sets, once = self.adds.setdefault(key, (model, {}, {}, {}))
        if isinstance(action, AddAction):
            value = _value(operand.value)
            if target is not None:
                setattr(target, name, (getattr(target, name) or 0) + value)
            else:
                adds[name] = adds.get(name, 0) + value
        elif isinstance(action, SetAction):
            if isinstance(operand, Value):
                value, first_only = _value(operand.value), False
            else:  # if_not_exists(attr, value)
                value, first_only = _value(operand.values[1].value), True
            if target is not None:
                if not first_only or getattr(target, name) is None:
                    setattr(target, name, value)
            elif first_only:
                once.setdefault(name, value)
            else:
                sets[name] = value

    def flush(self) -> int:
        """Write what was captured: the items as they end, the counters' summed ADDs merged into what is stored."""
        from moto.dynamodb.models import dynamo_type

        from chalicelib.core.keys import Key
        from chalicelib.core.table import TableItem

        pending = list(self.adds)
        stored: dict[Any, Any] = {}
        for i in range(0, len(pending), 100):
            for item in TableItem.batch_get([(k.pk, k.sk) for k in pending[i : i + 100]], consistent_read=True):
                stored[Key(item.pk, item.sk)] = item
        merged = []
        for key, (model, adds, sets, once) in self.adds.items():
            item = stored.get(key) or model(key.pk, key.sk)
            for name, value in adds.items():
                setattr(item, name, (getattr(item, name) or 0) + value)
            for name, value in sets.items():
                setattr(item, name, value)
            for name, value in once.items():
                if getattr(item, name) is None:
                    setattr(item, name, value)
            merged.append(item)
        # moto re-measures a whole item for each attribute it stores (quadratic in the attributes); the items here
        # are far below DynamoDB's 400 KB (the service checks payload sizes itself), so the bulk load skips it.
        checked = dynamo_type.LimitedSizeDict.__setitem__
        dynamo_type.LimitedSizeDict.__setitem__ = dict.__setitem__  # type: ignore[method-assign]
        try:
            with TableItem.batch_write() as batch:
                for item in [*self.items.values(), *merged]:
                    batch.save(item)
        finally:
            dynamo_type.LimitedSizeDict.__setitem__ = checked  # type: ignore[method-assign]
        written = len(self.items) + len(merged)
        self.items, self.adds = {}, {}
        return written


def _value(raw: dict[str, Any]) -> Any:
    if "N" in raw:
        text = raw["N"]
        return float(text) if any(c in text for c in ".eE") else int(text)
    return next(iter(raw.values()))


def record_bulk(tenant_id: str, count: int, days: list[datetime], rng: random.Random) -> dict[str, Any]:
    """`count` sessions spread over `days`, 60% with feedback, a third of them generations with usage and cost."""
    from chalicelib.core import clock, storage
    from chalicelib.sessions import service
    from chalicelib.sessions.schemas import FeedbackCreate, GenerationRecord, SessionCreate

    capture = Capture()
    real_commit, real_get_many = storage.commit, storage.get_many
    storage.commit, storage.get_many = capture.commit, capture.get_many  # type: ignore[assignment]
    began = time.perf_counter()
    try:
        for n in range(count):
            at = rng.choice(days) + timedelta(seconds=rng.randrange(86_000))
            user, model, category = f"user-{rng.randrange(USERS)}", rng.choice(MODELS), rng.choice(CATEGORIES)
            ms = round(rng.lognormvariate(7, 0.8), 1)
            with clock.frozen(at):
                if n % 3 == 0:
                    tokens_in, tokens_out = rng.randrange(50, 800), rng.randrange(50, 600)
                    record = GenerationRecord(
                        user_id=user, category_key=category, input="Write a caption", output="A caption", status="succeeded",
                        model_id=model, input_tokens=tokens_in, output_tokens=tokens_out,
                        cost_usd=round((tokens_in * 0.15 + tokens_out * 0.6) / 1e6, 8), latency_ms=ms, processing_time_ms=ms,
                        attempts=[{"model_id": model, "ok": True}], selected_by="auto",
                    )  # fmt: skip
                    sid = service.record_generation(tenant_id, record).session_id
                else:
                    body = SessionCreate(
                        user_id=user, category_key=category, input={"n": n}, model_id=model, processing_time_ms=ms
                    )
                    sid = service.create_session(tenant_id, body).session_id
            if rng.random() < 0.6:
                signals: dict[str, Any] = rng.choice(
                    [
                        {"rating": rng.randint(1, 5)},
                        {"thumbs": rng.choice(["up", "down"])},
                        {"feedback_type": rng.choice(["like", "dislike", "regenerate", "skip"])},
                    ]
                )
                with clock.frozen(at + timedelta(seconds=30)):
                    service.record_feedback(tenant_id, sid, FeedbackCreate(user_id=user, **signals))
        recorded = time.perf_counter() - began
        storage.commit, storage.get_many = real_commit, real_get_many
        written = capture.flush()
    finally:
        storage.commit, storage.get_many = real_commit, real_get_many
    return {
        "sessions": count,
        "record_seconds": round(recorded, 1),
        "items_written": written,
        "seconds": round(time.perf_counter() - began, 1),
    }


def run() -> dict[str, Any]:
    from chalicelib.core import clock

    with local_account() as client:
        now = datetime.now(UTC)
        with clock.frozen(now - timedelta(days=40)):
            _, created = call(client, "POST", "/v1/tenants", ROOT_KEY, {"name": "Scale", "domain": "scale.example"})
        admin = created["api_key"]["key"]
        tenant_id = created["tenant"]["id"]
        read = call(client, "POST", "/v1/api-keys", admin, {"name": "read", "role": "read"})[1]["key"]
        app = call(client, "POST", "/v1/api-keys", admin, {"name": "app", "role": "app"})[1]["key"]
        reads = Reads()
        rng = random.Random(2026)
        days = [(now - timedelta(days=d)).replace(hour=0, minute=0, second=0, microsecond=0) for d in range(30)]
        wall = [now]
        real_wall = clock.wall
        clock.wall = lambda: wall[0]  # the aggregation runs hours after the writes (its watermark)

        def step(hours: float) -> None:
            wall[0] += timedelta(hours=hours)

        began = time.perf_counter()

        def progress(what: str) -> None:
            print(f"[analytics_scaling {time.perf_counter() - began:7.1f}s] {what}", file=sys.stderr, flush=True)

        def measured(method: str, path: str, key: str) -> tuple[dict[str, Any], Any]:
            with reads.measure() as cost:
                status, body = call(client, method, path, key)
            assert status == 200, (path, status, body)
            return cost, body

        figures: dict[str, Any] = {"scales": {}}
        total = 0
        try:
            for scale in SCALES:
                bulk = record_bulk(tenant_id, scale - total, days, rng)
                progress(f"{scale} sessions recorded: {bulk}")
                total = scale
                step(2)
                job, job_body = measured("POST", "/v1/scheduler/tasks/aggregate-metrics/run", admin)
                progress(f"aggregated: {job_body['result']}")
                summary, summary_body = measured("GET", "/v1/analytics/summary?days=30", read)
                assert summary_body["total_sessions"] == total, summary_body["total_sessions"]
                all_time, body = measured("GET", "/v1/analytics/models?period=all_time&limit=200", read)
                assert sum(row["total_requests"] for row in body["items"]) == total
                weekly, _ = measured("GET", "/v1/analytics/models?period=weekly&days=35&limit=200", read)
                daily, _ = measured("GET", "/v1/analytics/models?period=daily&days=30&limit=200", read)
                # New events since the last run: the next run's work follows them, not the total.
                step(1)
                for n in range(NEW_EVENTS):
                    sent = {"user_id": f"new-{n}", "category_key": CATEGORIES[n % 6], "input": "x", "model_id": MODELS[n % 5]}
                    status, made = call(client, "POST", "/v1/sessions", app, {**sent, "processing_time_ms": 900})
                    assert status == 201
                    if n % 2:
                        call(
                            client,
                            "POST",
                            f"/v1/sessions/{made['session_id']}/feedback",
                            app,
                            {"user_id": f"new-{n}", "rating": 4},
                        )
                total += NEW_EVENTS
                step(2)
                incremental, inc_body = measured("POST", "/v1/scheduler/tasks/aggregate-metrics/run", admin)
                step(2)
                idle, idle_body = measured("POST", "/v1/scheduler/tasks/aggregate-metrics/run", admin)
                progress("measured")
                figures["scales"][str(scale)] = {
                    "bulk": bulk,
                    "summary_30_days": summary,
                    "models_all_time": all_time,
                    "models_weekly_5_weeks": weekly,
                    "models_daily_30_days": daily,
                    "aggregate_after_bulk": {**job, "result": _brief(job_body["result"])},
                    "aggregate_after_100_new_sessions": {**incremental, "result": _brief(inc_body["result"])},
                    "aggregate_with_nothing_new": {**idle, "result": _brief(idle_body["result"])},
                    "rows": {"all_time": len(body["items"])},
                }
                total = scale + NEW_EVENTS
        finally:
            clock.wall = real_wall
        small, large = (figures["scales"][str(s)] for s in SCALES)
        figures["ratios"] = {
            name: {
                "requests": round(large[name]["requests"] / small[name]["requests"], 3),
                "items_read": round(large[name]["items_read"] / max(1, small[name]["items_read"]), 3),
            }
            for name in COMPARED
        }  # fmt: skip
        return figures


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    keep = ("days_touched", "day_rows_read", "cells_changed", "rollups_written", "preferences_read", "preferences_updated")
    return {k: result[k] for k in keep if k in result}


def report(figures: dict[str, Any]) -> str:
    lines = [
        "Analytics scaling: DynamoDB requests and items read per call, after 1,000 and after 100,000 sessions",
        f"{'call':<40} {'1k req':>7} {'1k items':>9} {'100k req':>9} {'100k items':>11}",
    ]
    small, large = (figures["scales"][str(s)] for s in SCALES)
    for name in (
        "summary_30_days",
        "models_all_time",
        "models_weekly_5_weeks",
        "models_daily_30_days",
        "aggregate_after_bulk",
        "aggregate_after_100_new_sessions",
        "aggregate_with_nothing_new",
    ):
        a, b = small[name], large[name]
        lines.append(f"{name:<40} {a['requests']:>7} {a['items_read']:>9} {b['requests']:>9} {b['items_read']:>11}")
    lines.append(f"bulk recording: {small['bulk']} / {large['bulk']}")
    return "\n".join(lines)
