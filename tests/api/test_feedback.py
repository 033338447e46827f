"""Feedback: one per user per session, replacement, quality scores and exact counters under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.core import clock
from chalicelib.sessions import service as sessions
from tests.conftest import Api, Tenant

SESSION = {"user_id": "owner", "category_key": "ai_resize", "input": "resize to 9:16", "output": "done"}


def new_session(api: Api, tenant: Tenant) -> str:
    return api.post("/v1/sessions", SESSION, key=tenant.app).body["session_id"]


def counts(tenant: Tenant) -> dict[str, float]:
    day = clock.day_of(clock.now())
    return sessions.daily_counts(tenant.id, day, day).get(day, {})


@pytest.mark.parametrize(
    ("signals", "score"),
    [
        ({"rating": 1}, 0.0),
        ({"rating": 3}, 0.5),
        ({"rating": 4}, 0.75),
        ({"rating": 5}, 1.0),
        ({"thumbs": "up"}, 1.0),
        ({"thumbs": "down"}, 0.0),
        ({"feedback_type": "like"}, 1.0),
        ({"feedback_type": "dislike"}, 0.0),
        ({"feedback_type": "regenerate"}, 0.1),
        ({"feedback_type": "skip"}, None),
        ({"feedback_type": "correction"}, None),
        ({"helpful": True}, 1.0),
        ({"helpful": False}, 0.0),
        ({"rating": 4, "helpful": True}, 0.875),
        ({"rating": 2, "thumbs": "down", "feedback_type": "regenerate"}, (0.25 + 0.0 + 0.1) / 3),
        ({"feedback_type": "skip", "rating": 5}, 1.0),
    ],
)
def test_quality_score_follows_the_contract(api: Api, tenant: Tenant, signals: dict, score: float | None) -> None:
    session_id = new_session(api, tenant)
    reply = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u1", **signals}, key=tenant.app)
    assert reply.status == 201
    assert reply.body["quality_score"] == pytest.approx(score) if score is not None else reply.body["quality_score"] is None
    session = api.get(f"/v1/sessions/{session_id}", key=tenant.read).body
    assert session["quality_score"] == (pytest.approx(score) if score is not None else None)
    assert session["feedback"][0]["quality_score"] == (pytest.approx(score) if score is not None else None)


def test_feedback_needs_a_signal_and_valid_values(api: Api, tenant: Tenant) -> None:
    session_id = new_session(api, tenant)
    only_text = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u", "text": "nice"}, key=tenant.app)
    assert only_text.status == 422
    assert "at least one signal" in only_text.body["error"]["message"]
    bad = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u", "rating": 6, "thumbs": "sideways"}, key=tenant.app)
    assert bad.status == 422
    assert {d["field"] for d in bad.body["error"]["details"]} == {"body.rating", "body.thumbs"}
    assert api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u", "rating": 4.0}, key=tenant.app).status == 422
    assert api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u", "rating": 4}, key=tenant.read).status == 403
    assert api.post("/v1/sessions/ses_missing/feedback", {"user_id": "u", "rating": 4}, key=tenant.app).status == 404
    assert counts(tenant).get("feedback", 0) == 0  # every one was refused: nothing written


def test_a_second_feedback_from_the_same_user_replaces_the_first(api: Api, tenant: Tenant) -> None:
    session_id = new_session(api, tenant)
    first = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u1", "thumbs": "up", "text": "great"}, key=tenant.app)
    assert first.status == 201 and first.body["replaced"] is False
    before = counts(tenant)
    assert (before["feedback"], before["rated"], before["successes"], before["rated_sessions"]) == (1, 1, 1, 1)

    second = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u1", "thumbs": "down"}, key=tenant.app)
    assert second.status == 200
    assert second.body["feedback_id"] == first.body["feedback_id"]
    assert second.body["replaced"] is True
    after = counts(tenant)
    assert (after["feedback"], after["rated"], after.get("successes", 0), after["rated_sessions"]) == (1, 1, 0, 1)
    assert after.get("likes", 0) == 0 and after["dislikes"] == 1

    session = api.get(f"/v1/sessions/{session_id}", key=tenant.read).body
    assert len(session["feedback"]) == 1
    assert session["feedback"][0]["thumbs"] == "down" and session["feedback"][0]["text"] is None
    assert session["feedback_count"] == 1 and session["success_count"] == 0
    assert session["quality_score"] == 0.0

    skip = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u1", "feedback_type": "skip"}, key=tenant.app)
    assert skip.status == 200
    final = counts(tenant)
    assert final.get("rated", 0) == 0 and final.get("rated_sessions", 0) == 0 and final["skips"] == 1
    assert api.get(f"/v1/sessions/{session_id}", key=tenant.read).body["quality_score"] is None


def test_ratings_are_summed_exactly(api: Api, tenant: Tenant) -> None:
    session_id = new_session(api, tenant)
    for user, rating in [("a", 5), ("b", 3), ("c", 4), ("a", 2)]:
        api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": user, "rating": rating}, key=tenant.app)
    day = counts(tenant)
    assert day["rating_count"] == 3
    assert day["rating_sum"] == 2 + 3 + 4
    assert day["rating_sq_sum"] == 4 + 9 + 16
    assert day["successes"] == 1  # only c's 4
    session = api.get(f"/v1/sessions/{session_id}", key=tenant.read).body
    assert session["average_rating"] == pytest.approx(3.0)
    assert session["quality_score"] == pytest.approx((0.25 + 0.5 + 0.75) / 3)


def test_fifty_concurrent_users_leave_fifty_feedbacks_and_exact_counters(api: Api, tenant: Tenant) -> None:
    session_id = new_session(api, tenant)
    thumbs = {f"user-{i:02d}": ("up" if i % 5 else "down") for i in range(50)}

    def send(user: str) -> int:
        return api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": user, "thumbs": thumbs[user]}, key=tenant.app).status

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(send, thumbs))
    assert statuses == [201] * 50

    ups = sum(1 for t in thumbs.values() if t == "up")
    session = api.get(f"/v1/sessions/{session_id}", key=tenant.read).body
    assert len(session["feedback"]) == 50
    assert session["feedback_count"] == 50
    assert session["success_count"] == ups == 40
    assert session["quality_score"] == pytest.approx(ups / 50)
    day = counts(tenant)
    assert (day["feedback"], day["rated"], day["successes"], day["rated_sessions"], day["sessions"]) == (50, 50, 40, 1, 1)

    # One user changes their mind: exactly one success becomes a failure.
    assert api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "user-01", "thumbs": "down"}, key=tenant.app).status == 200
    day = counts(tenant)
    assert (day["feedback"], day["rated"], day["successes"]) == (50, 50, 39)
    assert api.get(f"/v1/sessions/{session_id}", key=tenant.read).body["success_count"] == 39


def test_concurrent_replacements_by_one_user_keep_one_feedback(api: Api, tenant: Tenant) -> None:
    session_id = new_session(api, tenant)
    ratings = [1, 2, 3, 4, 5] * 4

    def send(rating: int) -> int:
        return api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "same", "rating": rating}, key=tenant.app).status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(send, ratings))
    assert statuses.count(201) == 1 and statuses.count(200) == 19
    session = api.get(f"/v1/sessions/{session_id}", key=tenant.read).body
    assert len(session["feedback"]) == 1
    final = session["feedback"][0]["rating"]
    day = counts(tenant)
    assert (day["feedback"], day["rating_count"], day["rating_sum"]) == (1, 1, final)
    assert day.get("successes", 0) == int(final >= 4)


def test_subscribers_count_in_the_same_transaction(api: Api, tenant: Tenant) -> None:
    from chalicelib.sessions import events

    seen: list[tuple[str, dict[str, float]]] = []

    def subscriber(facts: events.SessionFacts, deltas: dict[str, float]) -> list:
        seen.append((facts.session_id, deltas))
        return []

    events.subscribe(subscriber)
    try:
        session_id = new_session(api, tenant)
        api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u", "thumbs": "up"}, key=tenant.app)
        api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u", "thumbs": "down"}, key=tenant.app)
    finally:
        events.unsubscribe(subscriber)
    assert seen[0] == (session_id, {"sessions": 1})
    assert seen[1][1]["successes"] == 1 and seen[1][1]["rated_sessions"] == 1 and seen[1][1]["feedback"] == 1
    assert seen[2][1] == {"successes": -1, "likes": -1, "dislikes": 1, "quality_sum": -1.0}
