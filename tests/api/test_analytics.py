"""Analytics through the API: every figure equals what the client computes from what it sent.

A `Ledger` keeps, on the client's side, every session and the final feedback of each user, and computes
the expected figures with the rules of API.md on its own; the tests then compare them with the
summary, the model roll-ups of every period, the export and the report, after Idempotency-Key
replays, feedback replacements, concurrent writes, late feedback on closed weeks and rebuilds.
"""

from __future__ import annotations

import csv
import io
import json
import math
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.core import clock
from tests.conftest import Api, Tenant, make_tenant

# A Wednesday: its week runs from Monday 2026-10-26 to Sunday 2026-11-01, across two months.
START = datetime(2026, 10, 28, 9, 0, tzinfo=UTC)


@dataclass
class Sent:
    session_id: str
    day: str
    user_id: str
    category_key: str
    model_id: str | None
    processing_time_ms: float | None = None
    tokens: int = 0
    cost_usd: float = 0.0
    feedback: dict[str, dict[str, Any]] = field(default_factory=dict)
    corrections: int = 0


def signals_score(fb: dict[str, Any]) -> list[float]:
    scores = []
    if fb.get("rating") is not None:
        scores.append((fb["rating"] - 1) / 4)
    if fb.get("thumbs") is not None:
        scores.append(1.0 if fb["thumbs"] == "up" else 0.0)
    if fb.get("feedback_type") in ("like", "dislike", "regenerate"):
        scores.append({"like": 1.0, "dislike": 0.0, "regenerate": 0.1}[fb["feedback_type"]])
    if fb.get("helpful") is not None:
        scores.append(1.0 if fb["helpful"] else 0.0)
    return scores


def is_success(fb: dict[str, Any]) -> bool:
    return (
        (fb.get("rating") or 0) >= 4 or fb.get("thumbs") == "up" or fb.get("feedback_type") == "like" or fb.get("helpful") is True
    )


class Ledger:
    """What the client sent, and the figures a client computes from it."""

    def __init__(self, api: Api, tenant: Tenant) -> None:
        self.api, self.tenant = api, tenant
        self.sessions: dict[str, Sent] = {}
        self.lock = threading.Lock()

    def session(self, user_id: str, category_key: str, model_id: str | None, ms: float | None = None, **extra: Any) -> str:
        body = {"user_id": user_id, "category_key": category_key, "input": {"q": "x"}, **extra}
        if model_id:
            body["model_id"] = model_id
        if ms is not None:
            body["processing_time_ms"] = ms
        reply = self.api.post("/v1/sessions", body, key=self.tenant.app)
        assert reply.status == 201, reply.body
        sid = reply.body["session_id"]
        with self.lock:
            self.sessions[sid] = Sent(sid, clock.day_of(clock.now()), user_id, category_key, model_id, ms)
        return sid

    def generation(self, user_id: str, category_key: str, model_id: str) -> str:
        body = {"user_id": user_id, "category_key": category_key, "prompt": "Write a caption", "model_id": model_id}
        reply = self.api.post("/v1/generations", body, key=self.tenant.app)
        assert reply.status == 201, reply.body
        usage = reply.body["usage"]
        recorded = self.api.get(f"/v1/sessions/{reply.body['session_id']}", key=self.tenant.read).body
        sent = Sent(
            reply.body["session_id"],
            clock.day_of(clock.now()),
            user_id,
            category_key,
            reply.body["model_id"],
            recorded["processing_time_ms"],
            usage["input_tokens"] + usage["output_tokens"],
            reply.body["cost_usd"],
        )
        self.sessions[sent.session_id] = sent
        return sent.session_id

    def feedback(self, session_id: str, user_id: str, **signals: Any) -> int:
        reply = self.api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": user_id, **signals}, key=self.tenant.app)
        assert reply.status in (200, 201), reply.body
        with self.lock:
            self.sessions[session_id].feedback[user_id] = signals
        return reply.status

    def correct(self, session_id: str, n: int) -> None:
        reply = self.api.patch(
            f"/v1/sessions/{session_id}", {"manual_corrections": [{"fix": i} for i in range(n)]}, key=self.tenant.app
        )
        assert reply.status == 200, reply.body
        self.sessions[session_id].corrections = n

    # --- what a client computes -----------------------------------------------------------------

    def counts(self, sessions: list[Sent]) -> dict[str, float]:
        c: dict[str, float] = defaultdict(float)
        for s in sessions:
            c["sessions"] += 1
            c["tokens"] += s.tokens
            c["cost"] += s.cost_usd
            rated = [fb for fb in s.feedback.values() if signals_score(fb)]
            c["rated_sessions"] += bool(rated)
            c["feedback"] += len(s.feedback)
            c["rated"] += len(rated)
            c["successes"] += sum(is_success(fb) for fb in rated)
            for fb in s.feedback.values():
                if fb.get("rating") is not None:
                    c["rating_count"] += 1
                    c["rating_sum"] += fb["rating"]
                scores = signals_score(fb)
                if scores:
                    c["quality_count"] += 1
                    c["quality_sum"] += sum(scores) / len(scores)
                c["likes"] += fb.get("feedback_type") == "like" or fb.get("thumbs") == "up"
                c["dislikes"] += fb.get("feedback_type") == "dislike" or fb.get("thumbs") == "down"
                c["regenerates"] += fb.get("feedback_type") == "regenerate"
                c["skips"] += fb.get("feedback_type") == "skip"
            if s.processing_time_ms is not None:
                c["timed"] += 1
                c["ms_sum"] += s.processing_time_ms
        return c

    def where(self, first: str, last: str, **match: Any) -> list[Sent]:
        return [
            s
            for s in self.sessions.values()
            if first <= s.day <= last and all(getattr(s, name) == value for name, value in match.items())
        ]

    def expected_model_row(self, sessions: list[Sent]) -> dict[str, Any]:
        c = self.counts(sessions)
        return {
            "total_requests": int(c["sessions"]),
            "total_tokens": int(c["tokens"]),
            "total_cost_usd": pytest.approx(c["cost"], abs=1e-7),
            "total_feedback": int(c["feedback"]),
            "like_count": int(c["likes"]),
            "dislike_count": int(c["dislikes"]),
            "regenerate_count": int(c["regenerates"]),
            "success_rate": pytest.approx(c["successes"] / c["rated"]) if c["rated"] else None,
            "average_quality_rating": pytest.approx(c["rating_sum"] / c["rating_count"]) if c["rating_count"] else None,
            "blended_quality_rating": pytest.approx(1 + 4 * c["quality_sum"] / c["quality_count"])
            if c["quality_count"]
            else None,
            "like_ratio": pytest.approx(c["likes"] / (c["likes"] + c["dislikes"])) if c["likes"] + c["dislikes"] else None,
            "average_speed_ms": pytest.approx(c["ms_sum"] / c["timed"], abs=1e-3) if c["timed"] else None,
        }


def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def models(api: Api, key: str, query: str) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        reply = api.get(f"/v1/analytics/models?{query}&limit=200" + (f"&cursor={cursor}" if cursor else ""), key=key)
        assert reply.status == 200, reply.body
        items += reply.body["items"]
        cursor = reply.body["next_cursor"]
        if not cursor:
            return items


def check_rows(ledger: Ledger, rows: list[dict[str, Any]], period_type: str) -> None:
    """Every row equals the ledger's figures for its period, and the rows cover every session with a model."""
    covered = 0
    for row in rows:
        assert row["period_type"] == period_type
        first, last = (row["period_start"], row["period_end"]) if period_type != "all_time" else ("0000", "9999")
        sent = ledger.where(first, last, model_id=row["model_id"], category_key=row["category_key"])
        expected = ledger.expected_model_row(sent)
        actual = {name: row[name] for name in expected}
        assert actual == expected, (row["period_start"], row["model_id"], row["category_key"])
        covered += row["total_requests"]
    assert covered == sum(1 for s in ledger.sessions.values() if s.model_id)


def run(api: Api, tenant: Tenant, task: str) -> dict[str, Any]:
    reply = api.post(f"/v1/scheduler/tasks/{task}/run", key=tenant.admin)
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "succeeded", reply.body
    return reply.body["result"]


def rollup_items(tenant: Tenant) -> dict[str, dict[str, Any]]:
    from chalicelib.analytics.store import RollupItem
    from chalicelib.core import keys

    return {item.sk: dict(item.counts) for item in RollupItem.query(keys.analytics_partition(tenant.id))}


@pytest.fixture
def early(api: Api) -> Tenant:
    """A tenant that began before the sessions of `record_two_weeks`."""
    with clock.frozen(START - timedelta(days=3)):
        return make_tenant(api, "Early")


def record_two_weeks(ledger: Ledger) -> dict[str, str]:
    """Sessions over 12 days across a week and a month boundary, with every kind of feedback."""
    ids: dict[str, str] = {}
    plan = [
        # (day offset, user, category, model, processing ms, feedback by user)
        (0, "ana", "content_caption", "openai:gpt-4o-mini", 850, {"ana": {"rating": 5}}),
        (0, "ben", "content_caption", "openai:gpt-4o-mini", 1250, {"ben": {"thumbs": "down"}}),
        (1, "ana", "content_caption", "anthropic:claude-3-5-haiku-20241022", 2300, {"ana": {"feedback_type": "like"}}),
        (2, "cy", "content_ideas", "openai:gpt-4o", 4100, {"cy": {"rating": 2, "helpful": False}}),
        (3, "ana", "content_caption", "openai:gpt-4o-mini", 900, {"ana": {"feedback_type": "skip"}}),
        (4, "ben", "content_ideas", "openai:gpt-4o", 3900, {"ben": {"feedback_type": "regenerate"}, "cy": {"rating": 4}}),
        (5, "dee", "content_caption", None, 700, {"dee": {"rating": 3}}),
        (6, "ana", "content_hooks", "openai:gpt-4o-mini", 15, {}),
        (8, "ben", "content_caption", "openai:gpt-4o-mini", 1100, {"ben": {"rating": 4, "thumbs": "up"}}),
        (9, "cy", "content_ideas", "anthropic:claude-3-5-haiku-20241022", 2500, {"cy": {"feedback_type": "dislike"}}),
        (11, "ana", "content_caption", "openai:gpt-4o-mini", None, {"ana": {"helpful": True}}),
    ]
    for n, (offset, user, category, model, ms, feedback) in enumerate(plan):
        with clock.frozen(START + timedelta(days=offset, minutes=n)):
            sid = ledger.session(user, category, model, ms)
            ids[f"s{n}"] = sid
            for fb_user, signals in feedback.items():
                ledger.feedback(sid, fb_user, **signals)
    return ids


# --- the summary -----------------------------------------------------------------------------------


def test_summary_equals_what_the_client_sent_after_replays_replacements_and_corrections(api: Api, tenant: Tenant) -> None:
    ledger = Ledger(api, tenant)
    times = [120, 340, 560, 800, 950, 1200, 1800, 2500, 3400, 9000, 0.4, 15000]
    ids = []
    for n, ms in enumerate(times):
        ids.append(ledger.session(f"user-{n % 4}", "ai_resize", "local:echo" if n % 2 else None, ms))
    # A retried create with the same Idempotency-Key is one session.
    body = {"user_id": "user-9", "category_key": "ai_resize", "input": {"canvas": 1}, "processing_time_ms": 700}
    first = api.post("/v1/sessions", body, key=tenant.app, headers={"Idempotency-Key": "resize-0001"})
    again = api.post("/v1/sessions", body, key=tenant.app, headers={"Idempotency-Key": "resize-0001"})
    assert again.body["session_id"] == first.body["session_id"] and again.headers.get("idempotent-replayed") == "true"
    ledger.sessions[first.body["session_id"]] = Sent(
        first.body["session_id"], clock.day_of(clock.now()), "user-9", "ai_resize", None, 700
    )
    # Feedback, replaced: a thumbs-up changed to a thumbs-down, 2 stars changed to 5, a skip that becomes a rating.
    ledger.feedback(ids[0], "user-0", thumbs="up")
    assert ledger.feedback(ids[0], "user-0", thumbs="down") == 200
    ledger.feedback(ids[1], "user-1", rating=2)
    ledger.feedback(ids[1], "user-1", rating=5)
    ledger.feedback(ids[1], "user-7", rating=3, helpful=True)
    ledger.feedback(ids[2], "user-2", feedback_type="skip")
    ledger.feedback(ids[3], "user-3", feedback_type="skip")
    ledger.feedback(ids[3], "user-3", rating=4)
    ledger.feedback(ids[4], "user-0", feedback_type="regenerate")
    # A replayed feedback POST counts once.
    fb = {"user_id": "user-5", "rating": 1}
    api.post(f"/v1/sessions/{ids[5]}/feedback", fb, key=tenant.app, headers={"Idempotency-Key": "fb-5"})
    api.post(f"/v1/sessions/{ids[5]}/feedback", fb, key=tenant.app, headers={"Idempotency-Key": "fb-5"})
    ledger.sessions[ids[5]].feedback["user-5"] = {"rating": 1}
    ledger.correct(ids[1], 2)

    reply = api.get("/v1/analytics/summary?days=30", key=tenant.read)
    assert reply.status == 200, reply.body
    got = reply.body
    c = ledger.counts(list(ledger.sessions.values()))
    assert got["total_sessions"] == c["sessions"] == 13
    assert got["rated_sessions"] == c["rated_sessions"] == 5
    assert got["feedback_rate"] == pytest.approx(c["rated_sessions"] / c["sessions"])
    assert got["average_rating"] == pytest.approx(c["rating_sum"] / c["rating_count"])
    assert got["success_rate"] == pytest.approx(c["successes"] / c["rated"])
    assert got["total_tokens"] == 0 and got["total_cost_usd"] == 0
    timed = [s.processing_time_ms for s in ledger.sessions.values() if s.processing_time_ms is not None]
    for p in (50, 95):
        exact = nearest_rank(timed, p)
        assert got["processing_time_ms"][f"p{p}"] == pytest.approx(exact, rel=got["processing_time_ms"]["relative_precision"])
    assert got["processing_time_ms"]["count"] == len(timed)
    assert len(got["daily"]) == 30 and got["daily"][-1]["date"] == clock.day_of(clock.now())
    today = got["daily"][-1]
    assert (today["sessions"], today["rated_sessions"]) == (13, 5)
    assert today["average_rating"] == got["average_rating"] and today["success_rate"] == got["success_rate"]
    assert sum(day["sessions"] for day in got["daily"]) == 13


def test_summary_of_generations_counts_tokens_and_cost(api: Api, tenant: Tenant) -> None:
    ledger = Ledger(api, tenant)
    for n in range(3):
        sid = ledger.generation(f"florist-{n}", "content_caption", "local:sage")
        ledger.feedback(sid, f"florist-{n}", thumbs="up" if n else "down")
    got = api.get("/v1/analytics/summary?days=1", key=tenant.read).body
    c = ledger.counts(list(ledger.sessions.values()))
    assert got["total_tokens"] == c["tokens"] > 0
    assert got["total_cost_usd"] == pytest.approx(c["cost"], abs=1e-9)
    assert got["daily"][0]["generations"] == 3 and got["success_rate"] == pytest.approx(2 / 3)
    rows = models(api, tenant.read, "period=daily&days=1")
    check_rows(ledger, rows, "daily")


def test_concurrent_sessions_and_feedback_are_each_counted_once(api: Api, tenant: Tenant) -> None:
    ledger = Ledger(api, tenant)
    shared = ledger.session("owner", "content_caption", "local:echo", 500)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            sid = ledger.session(f"u{n}", "content_caption", "local:echo", 100 + n)
            ledger.feedback(sid, f"u{n}", rating=1 + n % 5)
            ledger.feedback(shared, f"u{n}", thumbs="up" if n % 3 else "down")
            ledger.feedback(shared, f"u{n}", thumbs="down" if n % 3 else "up")  # each changes their mind
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    got = api.get("/v1/analytics/summary?days=1", key=tenant.read).body
    c = ledger.counts(list(ledger.sessions.values()))
    assert (got["total_sessions"], got["rated_sessions"]) == (13, 13)
    assert got["success_rate"] == pytest.approx(c["successes"] / c["rated"])
    assert got["average_rating"] == pytest.approx(c["rating_sum"] / c["rating_count"])
    check_rows(ledger, models(api, tenant.read, "period=all_time"), "all_time")


# --- model roll-ups ------------------------------------------------------------------------------


class WallClock:
    """The wall clock (when writes happen: what the aggregation's watermark follows), moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
        monkeypatch.setattr(clock, "wall", lambda: self.now)

    def advance(self, hours: float) -> None:
        self.now += timedelta(hours=hours)


def test_model_rollups_by_period_before_and_after_aggregation_and_late_feedback(
    api: Api, early: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    wall = WallClock(monkeypatch)
    ledger = Ledger(api, early)
    ids = record_two_weeks(ledger)
    now = START + timedelta(days=12)
    wall.advance(2)  # the job runs two hours after the writes: its watermark (an hour, less 15 minutes) is past them
    with clock.frozen(now):
        span = "from=2026-10-20&to=2026-11-10"
        # Before aggregate-metrics ever ran, every period is computed from its days.
        for period in ("daily", "weekly", "monthly", "all_time"):
            check_rows(ledger, models(api, early.read, f"period={period}&{span}"), period)
        first = run(api, early, "aggregate-metrics")
        # Its first run rolls every day since the tenant began: here 9 (day, model, task) cells.
        assert first["days_touched"] == 16 and first["cells_changed"] == 9 and first["rollups_written"] == 27
        stored = rollup_items(early)
        assert any(sk.startswith("WEEKLY#2026-10-26#") for sk in stored) and any(sk.startswith("ALL_TIME#") for sk in stored)
        # Running it again changes nothing, and reads nothing but the (empty) touched-days marks.
        again = run(api, early, "aggregate-metrics")
        assert again["rollups_written"] == again["cells_changed"] == again["days_touched"] == again["day_rows_read"] == 0
        assert rollup_items(early) == stored
        for period in ("weekly", "monthly", "all_time"):
            check_rows(ledger, models(api, early.read, f"period={period}&{span}"), period)

    # Late feedback on a session of a closed week (and month): readers see it at once, the job rolls it.
    wall.advance(1)
    with clock.frozen(now + timedelta(hours=3)):
        ledger.feedback(ids["s0"], "ana", rating=1)
        ledger.feedback(ids["s3"], "zed", thumbs="up")
        for period in ("weekly", "monthly", "all_time"):
            check_rows(ledger, models(api, early.read, f"period={period}&{span}"), period)
        wall.advance(1)
        late = run(api, early, "aggregate-metrics")
        assert late["days_touched"] == 2 and late["cells_changed"] == 2
        assert late["rollups_written"] == 6  # the week's, the month's and all time's rows of the two models and tasks
        for period in ("weekly", "monthly", "all_time"):
            check_rows(ledger, models(api, early.read, f"period={period}&{span}"), period)
        weekly = models(api, early.read, "period=weekly&category_key=content_ideas&from=2026-10-26&to=2026-10-26")
        assert {row["model_id"] for row in weekly} == {"openai:gpt-4o"}
        assert weekly[0]["period_start"] == "2026-10-26" and weekly[0]["period_end"] == "2026-11-01"
        monthly = models(api, early.read, "period=monthly&from=2026-11-01&to=2026-11-30")
        assert {row["period_start"] for row in monthly} == {"2026-11-01"}


def test_rebuild_from_the_event_items_equals_the_incremental_rollups(api: Api, early: Tenant) -> None:
    ledger = Ledger(api, early)
    record_two_weeks(ledger)
    with clock.frozen(START + timedelta(days=12)):
        for n in range(3):
            sid = ledger.generation(f"g{n}", "content_caption", "local:sage")
            ledger.feedback(sid, f"g{n}", feedback_type="like" if n else "dislike")
        run(api, early, "aggregate-metrics")
        incremental = rollup_items(early)
        rebuilt = api.post("/v1/analytics/rebuild", {"from": "2026-10-20", "to": "2026-11-10"}, key=early.admin)
        assert rebuilt.status == 200, rebuilt.body
        assert rebuilt.body["drift"] == [] and rebuilt.body["rollups_written"] == 0
        assert rebuilt.body["sessions_read"] == len(ledger.sessions)
        assert rollup_items(early) == incremental

        # A counter that drifted (here moved by hand) is found, and repaired from the events.
        from chalicelib.core import counters, storage
        from chalicelib.model_stats.store import MODEL_DAY, ModelDayCounter

        bucket = f"{START.date().isoformat()}#content_caption#openai:gpt-4o-mini"
        storage.commit([counters.increment(ModelDayCounter, early.id, MODEL_DAY, bucket, {"requests": 5, "likes": 1}, seed="x")])
        assert models(api, early.read, "period=daily&from=2026-10-28&to=2026-10-28")[0]["total_requests"] == 7
        drifted = api.post("/v1/analytics/rebuild", {"from": "2026-10-28", "to": "2026-10-28"}, key=early.admin).body
        assert drifted["drift"] == [
            {
                "day": "2026-10-28",
                "category_key": "content_caption",
                "model_id": "openai:gpt-4o-mini",
                "difference": {"requests": -5, "likes": -1},
            }
        ]
        assert rollup_items(early) == incremental  # roll-ups are rewritten from the recount
        repaired = api.post("/v1/analytics/rebuild", {"from": "2026-10-28", "to": "2026-10-28", "repair": True}, key=early.admin)
        assert repaired.body["repaired"] is True
        check_rows(ledger, models(api, early.read, "period=daily&from=2026-10-20&to=2026-11-10"), "daily")
        assert api.post("/v1/analytics/rebuild", {"from": "2026-10-28", "to": "2026-10-28"}, key=early.admin).body["drift"] == []


def test_aggregation_materialises_mapping_figures_and_user_preferences(api: Api, tenant: Tenant) -> None:
    ledger = Ledger(api, tenant)
    for n in range(4):
        sid = ledger.session("florist-1", "content_caption", "openai:gpt-4o-mini", 900)
        ledger.feedback(sid, "florist-1", feedback_type="like" if n < 3 else "dislike")
    sid = ledger.session("florist-1", "content_caption", "anthropic:claude-3-5-haiku-20241022", 1500)
    ledger.feedback(sid, "florist-1", feedback_type="regenerate")
    result = run(api, tenant, "aggregate-metrics")
    assert result["mappings_updated"] == 2 and result["preferences_updated"] == 2

    mappings = {m["model_id"]: m for m in api.get("/v1/tasks/content_caption/models", key=tenant.read).body["items"]}
    mini = mappings["openai:gpt-4o-mini"]
    assert mini["total_uses"] == 4 and mini["total_likes"] == 3 and mini["like_ratio"] == pytest.approx(0.75)
    assert 0 < mini["satisfaction_score"] <= 1 and mini["recommendation_score"] is not None and mini["scores_as_of"]

    prefs = api.get("/v1/analytics/users/florist-1/preferences?category_key=content_caption", key=tenant.read).body["items"]
    assert [p["model_id"] for p in prefs] == ["openai:gpt-4o-mini", "anthropic:claude-3-5-haiku-20241022"]
    assert prefs[0]["likes"] == 3 and prefs[0]["dislikes"] == 1 and prefs[0]["total_interactions"] == 8
    assert prefs[0]["preference_score"] == pytest.approx((4 * 0.5 + 3) / (4 + 4))
    assert prefs[1]["regenerates"] == 1 and prefs[1]["last_used_at"] and prefs[1]["first_used_at"]

    from chalicelib.core import keys
    from chalicelib.model_stats.store import UserPreferenceCounter

    stored = UserPreferenceCounter.get(*keys.user_preference(tenant.id, "florist-1", "content_caption", "openai:gpt-4o-mini"))
    assert stored.derived["preference_score"] == prefs[0]["preference_score"]
    assert run(api, tenant, "aggregate-metrics")["preferences_updated"] == 0


# --- the weekly report -----------------------------------------------------------------------------


def test_performance_report_compares_the_last_week_with_the_one_before(api: Api, tenant: Tenant) -> None:
    ledger = Ledger(api, tenant)
    monday = datetime(2026, 11, 2, 10, tzinfo=UTC)
    for week, rate in ((0, 0.2), (1, 0.9)):
        for n in range(40):
            with clock.frozen(monday + timedelta(days=7 * week + n % 7, minutes=n)):
                for model, good in (("openai:gpt-4o-mini", n < 40 * rate), ("openai:gpt-4o", n % 2 == 0)):
                    sid = ledger.session(f"u{n}", "content_caption", model, 800)
                    ledger.feedback(sid, f"u{n}", thumbs="up" if good else "down")
    with clock.frozen(monday + timedelta(days=15)):
        report = run(api, tenant, "performance-report")
    assert report["week_start"] == "2026-11-09" and report["previous_week_start"] == "2026-11-02"
    rows = {row["model_id"]: row for row in report["models"]}
    assert rows["openai:gpt-4o-mini"]["trend"] == "improving"
    assert rows["openai:gpt-4o-mini"]["current"]["success_rate"] == pytest.approx(0.9)
    assert rows["openai:gpt-4o-mini"]["previous"]["success_rate"] == pytest.approx(0.2)
    assert rows["openai:gpt-4o-mini"]["p_value"] < 0.05
    assert rows["openai:gpt-4o"]["trend"] == "stable"
    assert report["categories"][0]["category_key"] == "content_caption"
    assert report["totals"]["current"]["sessions"] == 80
    tasks = {t["name"]: t for t in api.get("/v1/scheduler/tasks", key=tenant.admin).body["items"]}
    assert tasks["performance-report"]["last_result"]["week_start"] == "2026-11-09"
    assert tasks["performance-report"]["schedule"] == "rate(7 days)" and tasks["aggregate-metrics"]["enabled"]
    latest = api.get("/v1/analytics/reports/latest", key=tenant.read)
    assert latest.status == 200 and latest.body["models"] == report["models"]


def test_report_trends_cover_experiment_variants(api: Api, tenant: Tenant) -> None:
    created = api.post(
        "/v1/experiments",
        {
            "name": "captions",
            "metric": "success",
            "auto_optimize": False,
            "min_exploration": 0.05,
            "variants": [{"id": "a", "name": "A", "weight": 1, "is_control": True}, {"id": "b", "name": "B", "weight": 1}],
        },
        key=tenant.admin,
    )
    assert created.status == 201, created.body
    experiment = created.body["id"]
    ledger = Ledger(api, tenant)
    monday = datetime(2026, 11, 2, 10, tzinfo=UTC)
    for week in (0, 1):
        for n in range(30):
            with clock.frozen(monday + timedelta(days=7 * week, minutes=n)):
                sid = ledger.session(f"w{week}u{n}", "content_caption", None, experiment_id=experiment, variant_id="b")
                ledger.feedback(sid, f"w{week}u{n}", thumbs="up" if (week == 0) == (n < 27) else "down")
    with clock.frozen(monday + timedelta(days=14)):
        report = run(api, tenant, "performance-report")
    (variant,) = report["variants"]
    assert (variant["experiment_id"], variant["variant_id"], variant["trend"]) == (experiment, "b", "declining")
    assert variant["current"]["success_rate"] == pytest.approx(3 / 30)


def test_no_report_yet_is_404(api: Api, tenant: Tenant) -> None:
    reply = api.get("/v1/analytics/reports/latest", key=tenant.read)
    assert reply.status == 404 and reply.error_code == "not_found"


# --- export ---------------------------------------------------------------------------------------


def test_export_csv_and_jsonl_hold_every_session_with_its_feedback(api: Api, early: Tenant) -> None:
    ledger = Ledger(api, early)
    ids = record_two_weeks(ledger)
    with clock.frozen(START + timedelta(days=12)):
        csv_reply = api.get("/v1/analytics/export?format=csv&from=2026-10-28&to=2026-11-01", key=early.read)
        assert csv_reply.status == 200 and csv_reply.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv_reply.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(csv_reply.body)))
        in_range = ledger.where("2026-10-28", "2026-11-01")
        assert {r["session_id"] for r in rows} == {s.session_id for s in in_range}
        assert len(rows) == sum(max(1, len(s.feedback)) for s in in_range)
        ideas = [r for r in rows if r["session_id"] == ids["s5"]]
        assert {(r["feedback_user_id"], r["rating"], r["feedback_type"]) for r in ideas} == {
            ("ben", "", "regenerate"),
            ("cy", "4", ""),
        }
        assert json.loads(rows[0]["input"]) == {"q": "x"}
        assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)

        jsonl = api.get("/v1/analytics/export?format=jsonl&from=2026-10-28T00:00:00Z&to=2026-11-08", key=early.read)
        assert jsonl.status == 200 and jsonl.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in jsonl.body.splitlines()]
        assert [line["session_id"] for line in lines] == [s.session_id for s in ledger.where("2026-10-28", "2026-11-08")]
        for line in lines:
            sent = ledger.sessions[line["session_id"]]
            assert {fb["user_id"]: fb.get("rating") for fb in line["feedback"]} == {
                u: f.get("rating") for u, f in sent.feedback.items()
            }
            assert line["model_id"] == sent.model_id and line["user_id"] == sent.user_id
        assert jsonl.headers["x-export-sessions"] == str(len(lines))


def test_a_large_export_goes_to_s3_and_answers_a_link(api: Api, early: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = Ledger(api, early)
    record_two_weeks(ledger)
    with clock.frozen(START + timedelta(days=12)):
        inline = api.get("/v1/analytics/export?format=jsonl&from=2026-10-20&to=2026-11-10", key=early.read).body
        monkeypatch.setenv("LEARNLOOP_EXPORT_INLINE_BYTES", "600")
        reply = api.get("/v1/analytics/export?format=jsonl&from=2026-10-20&to=2026-11-10", key=early.read)
    assert reply.status == 200 and reply.headers["content-type"] == "application/json"
    link = reply.body
    assert link["download_url"].startswith("http") and link["sessions"] == len(ledger.sessions) == link["rows"]
    prefix = f"s3://learnloop-data/tenants/{early.id}/exports/"
    assert link["location"].startswith(prefix) and link["location"].endswith("sessions-2026-10-20-to-2026-11-10.jsonl")
    assert link["expires_at"] > clock.iso(START + timedelta(days=12))
    from chalicelib.core import blobs

    stored = blobs.get(link["location"].removeprefix("s3://learnloop-data/")).decode()
    assert stored == inline and link["bytes"] == len(inline.encode())


# --- windows: dates are whole days, timestamps are instants (counters to the hour) ----------------

# A Wednesday, 10:37 UTC: "now" for the window tests.
NOW = datetime(2026, 11, 18, 10, 37, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def window_figures(api: Api, tenant: Tenant, span: str) -> dict[str, Any]:
    """What the summary, the daily and weekly model rows and the export say about one window."""
    summary = api.get(f"/v1/analytics/summary?{span}", key=tenant.read)
    assert summary.status == 200, summary.body
    daily = api.get(f"/v1/analytics/models?period=daily&{span}&limit=200", key=tenant.read)
    weekly = api.get(f"/v1/analytics/models?period=weekly&{span}&limit=200", key=tenant.read)
    assert daily.status == weekly.status == 200, (daily.body, weekly.body)
    exported = api.get(f"/v1/analytics/export?format=jsonl&{span}", key=tenant.read)
    assert exported.status == 200, exported.body
    return {
        "summary": summary.body,
        "daily": daily.body,
        "weekly": weekly.body,
        "exported": [json.loads(line)["session_id"] for line in (exported.body or "").splitlines()],
    }


def sessions_at(ledger: Ledger, moments: list[datetime]) -> list[str]:
    ids = []
    for n, moment in enumerate(moments):
        with clock.frozen(moment):
            ids.append(ledger.session(f"u{n}", "content_caption", "openai:gpt-4o-mini", 100 + n))
            ledger.feedback(ids[-1], f"u{n}", rating=1 + n % 5)
    return ids


def test_a_future_hour_counts_nothing_and_the_current_hour_counts_what_was_just_made(api: Api) -> None:
    with clock.frozen(NOW - timedelta(days=2)):
        tenant = make_tenant(api, "Windows")
    ledger = Ledger(api, tenant)
    earlier = sessions_at(ledger, [NOW - timedelta(hours=1), NOW - timedelta(days=1)])  # 09:37 and yesterday
    just_made = sessions_at(ledger, [NOW - timedelta(minutes=3), NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)])
    with clock.frozen(NOW):
        future = window_figures(api, tenant, f"from={stamp(NOW + timedelta(hours=1))}&to={stamp(NOW + timedelta(hours=2))}")
        current = window_figures(api, tenant, "from=2026-11-18T10:00:00Z&to=2026-11-18T11:00:00Z")
        today = window_figures(api, tenant, "from=2026-11-18&to=2026-11-18")
    # A future hour: nothing, and the answer says which hours it counted (11:37 down to 11:00, 12:37 up to 13:00).
    assert future["summary"]["total_sessions"] == 0 and future["summary"]["processing_time_ms"]["count"] == 0
    assert (future["summary"]["from"], future["summary"]["to"]) == ("2026-11-18T11:00:00.000Z", "2026-11-18T13:00:00.000Z")
    assert [day["date"] for day in future["summary"]["daily"]] == ["2026-11-18"]
    assert future["daily"]["items"] == [] and future["weekly"]["items"] == [] and future["exported"] == []
    assert (future["daily"]["from"], future["daily"]["to"]) == ("2026-11-18T11:00:00.000Z", "2026-11-18T13:00:00.000Z")
    # The current hour: the three sessions just made, not the one of 09:37 nor yesterday's.
    assert current["summary"]["total_sessions"] == 3 and current["summary"]["rated_sessions"] == 3
    assert current["summary"]["processing_time_ms"]["count"] == 3
    assert current["summary"]["average_rating"] == pytest.approx((1 + 2 + 3) / 3)
    assert [(d["date"], d["sessions"]) for d in current["summary"]["daily"]] == [("2026-11-18", 3)]
    assert [(r["period_start"], r["total_requests"]) for r in current["daily"]["items"]] == [("2026-11-18", 3)]
    assert [(r["period_start"], r["period_end"], r["total_requests"]) for r in current["weekly"]["items"]] == [
        ("2026-11-16", "2026-11-22", 3)
    ]
    assert current["exported"] == just_made
    # Asked in days, today is the whole day: 09:37 included.
    assert today["summary"]["total_sessions"] == 4 and (today["summary"]["from"], today["summary"]["to"]) == (
        "2026-11-18",
        "2026-11-18",
    )
    assert today["exported"] == [earlier[0], *just_made]
    assert [r["total_requests"] for r in today["weekly"]["items"]] == [5]  # in days, a weekly row is its whole week


def test_a_window_across_midnight_reads_only_hours(api: Api) -> None:
    with clock.frozen(NOW - timedelta(days=3)):
        tenant = make_tenant(api, "Midnight")
    ledger = Ledger(api, tenant)
    yesterday = datetime(2026, 11, 17, tzinfo=UTC)
    moments = [
        yesterday + timedelta(hours=21, minutes=59),  # out
        yesterday + timedelta(hours=22),  # in: from is included
        yesterday + timedelta(hours=23, minutes=30),  # in
        yesterday + timedelta(hours=24, minutes=10),  # in (today 00:10)
        yesterday + timedelta(hours=25, minutes=59, seconds=59),  # in (today 01:59:59)
        yesterday + timedelta(hours=26),  # out: to is not
        yesterday + timedelta(hours=26, minutes=30),  # out
    ]
    ids = sessions_at(ledger, moments)
    with clock.frozen(NOW):
        got = window_figures(api, tenant, "from=2026-11-17T22:00:00Z&to=2026-11-18T02:00:00Z")
        # Not on the hour: the export is exact, the counters round from down and to up (and say so).
        loose = window_figures(api, tenant, "from=2026-11-17T23:00:00Z&to=2026-11-18T01:59:58Z")
    assert got["summary"]["total_sessions"] == 4
    assert [(d["date"], d["sessions"], d["ratings"]) for d in got["summary"]["daily"]] == [
        ("2026-11-17", 2, 2),
        ("2026-11-18", 2, 2),
    ]
    assert got["summary"]["average_rating"] == pytest.approx((2 + 3 + 4 + 5) / 4)
    assert [(r["period_start"], r["total_requests"]) for r in got["daily"]["items"]] == [("2026-11-17", 2), ("2026-11-18", 2)]
    assert [(r["period_start"], r["total_requests"]) for r in got["weekly"]["items"]] == [("2026-11-16", 4)]
    assert got["exported"] == ids[1:5]
    assert loose["exported"] == ids[2:4]  # 23:30 and 00:10: 01:59:59 is after 01:59:58
    assert loose["summary"]["total_sessions"] == 3  # 23:00 to 02:00: 23:30, 00:10 and 01:59:59
    assert (loose["summary"]["from"], loose["summary"]["to"]) == ("2026-11-17T23:00:00.000Z", "2026-11-18T02:00:00.000Z")


def test_a_window_of_days_with_edge_hours(api: Api) -> None:
    with clock.frozen(NOW - timedelta(days=10)):
        tenant = make_tenant(api, "Edges")
    ledger = Ledger(api, tenant)
    friday = datetime(2026, 11, 20, tzinfo=UTC)
    moments = [
        friday + timedelta(hours=19, minutes=59),  # out
        friday + timedelta(hours=20),  # in (Friday's edge hours)
        friday + timedelta(days=1, hours=12),  # in (Saturday, a whole day)
        friday + timedelta(days=2, hours=23, minutes=59),  # in (Sunday, a whole day)
        friday + timedelta(days=3),  # in (Monday, a whole day: the next week)
        friday + timedelta(days=4, hours=2, minutes=59),  # in (Tuesday's edge hours)
        friday + timedelta(days=4, hours=3),  # out
        friday + timedelta(days=4, hours=9),  # out
    ]
    ids = sessions_at(ledger, moments)
    with clock.frozen(friday + timedelta(days=4, hours=10, minutes=37)):
        span = "from=2026-11-20T20:00:00Z&to=2026-11-24T03:00:00Z"
        got = window_figures(api, tenant, span)
        run(api, tenant, "aggregate-metrics")  # the week of 16 November is then a stored roll-up
        wider = window_figures(api, tenant, "from=2026-11-15T12:00:00Z&to=2026-11-24T03:00:00Z")
        again = window_figures(api, tenant, span)
    assert got["summary"]["total_sessions"] == 5 and got["summary"]["processing_time_ms"]["count"] == 5
    assert [(d["date"], d["sessions"]) for d in got["summary"]["daily"]] == [
        ("2026-11-20", 1),
        ("2026-11-21", 1),
        ("2026-11-22", 1),
        ("2026-11-23", 1),
        ("2026-11-24", 1),
    ]
    assert (got["summary"]["from"], got["summary"]["to"]) == ("2026-11-20T20:00:00.000Z", "2026-11-24T03:00:00.000Z")
    assert [r["total_requests"] for r in got["daily"]["items"]] == [1, 1, 1, 1, 1]
    # Each week counts its part of the window.
    assert [(r["period_start"], r["total_requests"]) for r in got["weekly"]["items"]] == [("2026-11-16", 3), ("2026-11-23", 2)]
    assert got["exported"] == ids[1:6]
    # A week wholly inside the window is its roll-up: Friday 19:59 included.
    assert [(r["period_start"], r["total_requests"]) for r in wider["weekly"]["items"]] == [("2026-11-16", 4), ("2026-11-23", 2)]
    assert wider["summary"]["total_sessions"] == 6 and wider["exported"] == ids[:6]
    assert again == got


def test_average_quality_rating_is_the_mean_of_the_star_ratings(api: Api, tenant: Tenant) -> None:
    ledger = Ledger(api, tenant)
    for n, signals in enumerate(({"rating": 5}, {"rating": 4}, {"rating": 2}, {"feedback_type": "like"}, {"thumbs": "up"})):
        sid = ledger.session("ana" if n in (2, 3) else f"u{n}", "content_caption", "openai:gpt-4o-mini", 300)
        ledger.feedback(sid, "ana" if n in (2, 3) else f"u{n}", **signals)
    (row,) = models(api, tenant.read, "period=daily&days=1")
    assert row["average_quality_rating"] == pytest.approx(3.6666666667, abs=1e-9)  # (5 + 4 + 2) / 3
    assert row["ratings"] == 3 and row["average_rating"] == row["average_quality_rating"]
    # Every rated feedback blended: stars as (r - 1) / 4, likes and thumbs up as 1: 1 + 4 x 4/5.
    assert row["blended_quality_rating"] == pytest.approx(4.2, abs=1e-9)
    (all_time,) = models(api, tenant.read, "period=all_time")
    assert all_time["average_quality_rating"] == pytest.approx(11 / 3, abs=1e-9)
    # A user's preference follows the same definitions: ana gave 2 stars and a like.
    (pref,) = api.get("/v1/analytics/users/ana/preferences", key=tenant.read).body["items"]
    assert (pref["average_quality_rating"], pref["total_ratings"]) == (2.0, 1)
    assert pref["blended_quality_rating"] == pytest.approx(1 + 4 * (0.25 + 1) / 2)


# --- contract: validation, roles, isolation -------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "/v1/analytics/summary?days=0",
        "/v1/analytics/summary?days=400",
        "/v1/analytics/summary?days=3&from=2026-11-01",
        "/v1/analytics/summary?from=2026-11-05&to=2026-11-01",
        "/v1/analytics/summary?from=yesterday",
        "/v1/analytics/summary?from=2026-11-18T10:00:00Z&to=2026-11-18T10:00:00Z",
        "/v1/analytics/summary?from=2026-11-18T11:00:00Z&to=2026-11-18T10:00:00Z",
        "/v1/analytics/summary?from=2026-11-18T25:00:00Z",
        "/v1/analytics/export?from=2026-11-19T10:00:00Z&to=2026-11-18",
        "/v1/analytics/summary?colour=blue",
        "/v1/analytics/models?period=yearly",
        "/v1/analytics/models?period=daily&from=2024-01-01&to=2026-01-01",
        "/v1/analytics/models?limit=500",
        "/v1/analytics/models?cursor=forged",
        "/v1/analytics/export?format=xml",
    ],
)
def test_invalid_queries_are_422(api: Api, tenant: Tenant, query: str) -> None:
    reply = api.get(query, key=tenant.read)
    assert reply.status == 422, reply.body
    assert reply.error_code == "validation_failed" and reply.body["error"]["details"][0]["field"].startswith("query")


def test_roles_and_tenant_isolation(api: Api, tenant: Tenant) -> None:
    other = make_tenant(api, "Globex")
    ledger = Ledger(api, tenant)
    sid = ledger.session("ana", "content_caption", "local:echo", 100)
    ledger.feedback(sid, "ana", rating=5)
    for path in ("/v1/analytics/summary", "/v1/analytics/models", "/v1/analytics/export", "/v1/analytics/users/ana/preferences"):
        assert api.get(path).status == 401
        assert api.get(path, key="ll.nope.nope.nope").status == 401
        assert api.get(path, key=tenant.read).status == 200
    assert api.post("/v1/analytics/rebuild", {"from": "2026-01-01", "to": "2026-01-02"}, key=tenant.read).status == 403
    assert api.post("/v1/analytics/rebuild", {"from": "2026-01-01", "to": "2026-01-02"}, key=tenant.app).status == 403
    assert api.post("/v1/analytics/rebuild", {"from": "2026-01-01"}, key=tenant.admin).status == 422
    assert api.post("/v1/scheduler/tasks/aggregate-metrics/run", key=tenant.read).status == 403
    # The other tenant sees none of it.
    assert api.get("/v1/analytics/summary", key=other.read).body["total_sessions"] == 0
    assert api.get("/v1/analytics/models?period=all_time", key=other.read).body["items"] == []
    assert api.get("/v1/analytics/export?format=jsonl", key=other.read).body in ("", None)
    assert api.get("/v1/analytics/users/ana/preferences", key=other.read).body["items"] == []
    assert api.get("/v1/analytics/summary", key=tenant.read).body["total_sessions"] == 1


def test_models_pages_with_cursors(api: Api, early: Tenant) -> None:
    ledger = Ledger(api, early)
    record_two_weeks(ledger)
    with clock.frozen(START + timedelta(days=12)):
        everything = models(api, early.read, "period=daily&from=2026-10-20&to=2026-11-10")
        first = api.get("/v1/analytics/models?period=daily&from=2026-10-20&to=2026-11-10&limit=3", key=early.read).body
        assert len(first["items"]) == 3 and first["next_cursor"]
        second = api.get(
            f"/v1/analytics/models?period=daily&from=2026-10-20&to=2026-11-10&limit=3&cursor={first['next_cursor']}",
            key=early.read,
        ).body
        assert first["items"] + second["items"] == everything[:6]
        assert api.get(f"/v1/analytics/models?cursor={first['next_cursor']}", key=make_tenant(api, "Other").read).status == 422


def test_openapi_documents_the_analytics_routes(api: Api) -> None:
    paths = api.get("/openapi.json").body["paths"]
    for path in ("/v1/analytics/summary", "/v1/analytics/models", "/v1/analytics/export", "/v1/analytics/reports/latest"):
        assert "get" in paths[path]
    assert paths["/v1/analytics/models"]["get"]["x-learnloop-role"] == "read"


def test_the_dashboard_page_needs_no_key_and_loads_nothing_from_elsewhere(api: Api) -> None:
    page = api.get("/dashboard")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'src="dashboard/app.js"' in page.body and "http" not in page.body.split("<body>", 1)[1]
    script = api.get("/dashboard/app.js")
    assert script.status == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "v1/analytics/summary" in script.body and "https://" not in script.body
    assert api.get("/dashboard/app.css").headers["content-type"].startswith("text/css")
    assert api.get("/dashboard/secrets.txt").status == 404
