"""Many clients against the real local stack, and the invariants checked afterwards (`python -m bench chaos`).

The stack is `python -m devstack` in a subprocess (HTTP, moto's server, the fault layer when
`LEARNLOOP_CHAOS` is set). Each client is a thread with its own connection that behaves as a real
client does: every write carries a fresh Idempotency-Key, and is sent again with the same key after a
503 (waiting its `Retry-After`), a 409 `idempotency_in_progress`, a timeout or a dropped connection,
until it has an answer. Its mix: sessions (half of them in an experiment), feedback on its own
sessions (sometimes replacing its earlier feedback), generations on the offline models, and
experiment assignments.

Afterwards `check` reads everything back and recounts: every acknowledged session and feedback
exists exactly once and nothing else does; the analytics summary, the experiment's counters and the
models' live statistics equal a recount from the items (and the analytics rebuild finds no drift);
no Idempotency-Key had its provider calls made by two executions or answered twice (the stack's
`GET /_local/probes`); no answer was a 500; every 503 carried Retry-After.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
ROOT_KEY = "chaos-root-key-0123456789abcdef"
CHAOS = "conflict=0.1,throttle=0.05,latency=5-200ms,provider_error=0.1,provider_timeout=0.05"
CATEGORY = "content_hashtags"  # offline models only (local:swift, local:sage)
SESSION_MODELS = ("local:swift", "local:sage")
TIMEOUT_SECONDS = 30.0
GIVE_UP_SECONDS = 120.0  # one write, retried: a client stops only if the stack never answers it


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# --- the stack ----------------------------------------------------------------------------------------------------


@dataclass
class Stack:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def probes(self) -> dict[str, Any]:
        return requests.get(self.url + "/_local/probes", timeout=10).json()


def start_stack(data_dir: Path, env: dict[str, str] | None = None) -> Stack:
    """`python -m devstack` on a free port, with `env` (LEARNLOOP_CHAOS, LEARNLOOP_COUNTER_SHARDS, ...)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNLOOP_", "AWS_"))}
    clean |= {"PORT": str(port), "LEARNLOOP_DATA_DIR": str(data_dir), "LEARNLOOP_ROOT_KEY": ROOT_KEY}
    clean |= {"LEARNLOOP_SCHEDULER_TICK": "3600", "LEARNLOOP_LOG_LEVEL": "ERROR"}
    clean |= env or {}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack"], cwd=ROOT, env=clean, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    stack = Stack(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the stack exited with {process.returncode}")
        try:
            if requests.get(stack.url + "/health", timeout=1).status_code == 200:
                return stack
        except requests.RequestException:
            time.sleep(0.2)
    stack.stop()
    raise RuntimeError("the stack did not answer /health within 60 s")


# --- the clients --------------------------------------------------------------------------------------------------


@dataclass
class Tenant:
    admin: str
    app: str
    experiment_id: str


@dataclass
class Log:
    """Everything the clients saw, shared by the threads (under `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)  # every answer, retried ones included
    by_operation: Counter[str] = field(default_factory=Counter)  # acknowledged writes
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # ms, first try to answer
    retries: Counter[str] = field(default_factory=Counter)  # why a write was sent again
    busy_without_retry_after: int = 0
    server_errors: list[str] = field(default_factory=list)  # 500s (and other unexpected answers), briefly
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # acknowledged: session id -> what was sent
    feedback: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (session, user) -> last answer
    generation_keys: int = 0
    assignments: dict[str, str] = field(default_factory=dict)  # user -> variant
    unanswered: int = 0  # writes given up on (the stack never answered within GIVE_UP_SECONDS)
    answers_lost: int = 0  # 409 idempotency_response_lost: written, answer lost (the client cannot know the id)
    experiment_users: set[str] = field(default_factory=set)  # users of sessions sent in the experiment


# Draws of each client's first steps, by its number (see Client.step's ranges): session+feedback, generation, assignment.
FIRST_DRAWS: tuple[tuple[float, ...], ...] = ((0.1, 0.5), (0.7,), (0.9,), ())


class Client:
    """One simulated client: a thread with its own connection and its own users and sessions."""

    def __init__(self, number: int, url: str, tenant: Tenant, log: Log, seed: int) -> None:
        self.url, self.tenant, self.log = url, tenant, log
        self.rng = random.Random(seed * 1000 + number)
        self.http = requests.Session()
        self.users = [f"c{number}-u{i}" for i in range(3)]
        self.mine: list[str] = []  # this client's acknowledged sessions
        # The first steps are fixed by the client's number, so that every kind of write is made even when a loaded
        # machine lets each client only a step or two: a session then its feedback, a generation, an assignment.
        self.first_draws = list(FIRST_DRAWS[number % len(FIRST_DRAWS)])

    def write(self, operation: str, path: str, body: dict[str, Any], ok: tuple[int, ...] = (200, 201)) -> Any:
        """Send until answered, with one Idempotency-Key; the final answer, or None when given up."""
        key = uuid.uuid4().hex
        headers = {"Authorization": f"Bearer {self.tenant.app}", "Idempotency-Key": key}
        began = time.perf_counter()
        while time.perf_counter() - began < GIVE_UP_SECONDS:
            try:
                answer = self.http.post(self.url + path, json=body, headers=headers, timeout=TIMEOUT_SECONDS)
            except requests.Timeout:
                self._retried("timeout")
                continue
            except requests.ConnectionError:
                self._retried("connection")
                time.sleep(0.2)
                continue
            with self.log.lock:
                self.log.statuses[answer.status_code] += 1
            if answer.status_code == 503:
                wait = answer.headers.get("Retry-After")
                if wait is None:
                    with self.log.lock:
                        self.log.busy_without_retry_after += 1
                self._retried("503")
                time.sleep(float(wait or 1) * self.rng.uniform(0.5, 1.0))
                continue
            payload = answer.json() if answer.content else {}
            code = (payload.get("error") or {}).get("code") if isinstance(payload, dict) else None
            if answer.status_code == 409 and code == "idempotency_in_progress":
                self._retried("in_progress")
                time.sleep(0.5)
                continue
            if answer.status_code == 409 and code == "idempotency_response_lost":
                with self.log.lock:
                    self.log.answers_lost += 1
                return None
            with self.log.lock:
                self.log.latencies[operation].append((time.perf_counter() - began) * 1000)
                if answer.status_code in ok:
                    self.log.by_operation[operation] += 1
                else:
                    self.log.server_errors.append(f"{operation} {answer.status_code} {code}")
            return answer if answer.status_code in ok else None
        with self.log.lock:
            self.log.unanswered += 1
        return None

    def _retried(self, why: str) -> None:
        with self.log.lock:
            self.log.retries[why] += 1

    def step(self) -> None:
        draw = self.first_draws.pop(0) if self.first_draws else self.rng.random()
        user = self.rng.choice(self.users)
        if draw < 0.35 or (draw < 0.65 and not self.mine):  # feedback needs a session of this client's
            body: dict[str, Any] = {
                "user_id": user,
                "category_key": CATEGORY,
                "input": {"text": f"post {self.rng.randrange(10**6)}"},
                "output": "#spring #flowers",
                "model_id": self.rng.choice(SESSION_MODELS),
                "processing_time_ms": self.rng.randrange(50, 2000),
            }
            if self.rng.random() < 0.5:
                body["experiment_id"] = self.tenant.experiment_id
                with self.log.lock:
                    self.log.experiment_users.add(user)
            answer = self.write("session", "/v1/sessions", body, ok=(201,))
            if answer is not None:
                session_id = answer.json()["session_id"]
                self.mine.append(session_id)
                with self.log.lock:
                    self.log.sessions[session_id] = body
        elif draw < 0.65:
            session_id = self.rng.choice(self.mine)
            rater = self.rng.choice(self.users)
            signal: dict[str, Any] = (
                {"rating": self.rng.randrange(1, 6)} if self.rng.random() < 0.6 else {"thumbs": self.rng.choice(["up", "down"])}
            )
            answer = self.write("feedback", f"/v1/sessions/{session_id}/feedback", {"user_id": rater, **signal})
            if answer is not None:
                with self.log.lock:
                    self.log.feedback[(session_id, rater)] = {**signal, "feedback_id": answer.json()["feedback_id"]}
        elif draw < 0.8:
            body = {"user_id": user, "category_key": CATEGORY, "prompt": f"hashtags for post {self.rng.randrange(10**6)}"}
            with self.log.lock:
                self.log.generation_keys += 1
            answer = self.write("generation", "/v1/generations", body, ok=(201, 502, 504))
            if answer is not None:
                payload = answer.json()
                session_id = payload.get("session_id") or _detail_session(payload)
                if session_id:
                    self.mine.append(session_id)
                    with self.log.lock:
                        self.log.sessions[session_id] = {**body, "generated": answer.status_code}
        else:
            assign_user = f"a{self.rng.randrange(200)}"
            answer = self.write("assignment", f"/v1/experiments/{self.tenant.experiment_id}/assign", {"user_id": assign_user})
            if answer is not None:
                variant = answer.json()["variant_id"]
                with self.log.lock:
                    before = self.log.assignments.setdefault(assign_user, variant)
                    if before != variant:
                        self.log.server_errors.append(f"assignment of {assign_user} moved from {before} to {variant}")


def _detail_session(payload: dict[str, Any]) -> str | None:
    for detail in (payload.get("error") or {}).get("details") or []:
        if isinstance(detail, dict) and detail.get("session_id"):
            return str(detail["session_id"])
    return None


def create_tenant(url: str, name: str = "Chaos") -> Tenant:
    """A tenant, an app key and a running experiment of two variants; sent until answered (chaos may be on)."""

    def post(path: str, key: str, body: dict[str, Any]) -> Any:
        headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex}
        for _ in range(60):
            answer = requests.post(url + path, json=body, headers=headers, timeout=TIMEOUT_SECONDS)
            if answer.status_code in (200, 201):
                return answer.json()
            if answer.status_code not in (503, 409):
                raise RuntimeError(f"{path}: {answer.status_code} {answer.text}")
            time.sleep(1)
        raise RuntimeError(f"{path}: never answered")

    created = post("/v1/tenants", ROOT_KEY, {"name": name, "domain": f"{name.lower()}.example"})
    admin = created["api_key"]["key"]
    app = post("/v1/api-keys", admin, {"name": "load", "role": "app"})["key"]
    experiment = post(
        "/v1/experiments",
        admin,
        {
            "name": "Hashtag prompts",
            "category_key": CATEGORY,
            "metric": "success",
            "auto_optimize": False,
            "min_exploration": 0.1,
            "variants": [
                {"id": "plain", "name": "Plain", "prompt": "Hashtags for {text}", "is_control": True},
                {"id": "trendy", "name": "Trendy", "prompt": "Trending hashtags for {text}"},
            ],
        },
    )
    return Tenant(admin, app, experiment["id"])


def drive(
    url: str, tenant: Tenant, clients: int, seconds: float, seed: int = 7, step: Callable[[Client], None] | None = None
) -> Log:
    """`clients` threads stepping for `seconds` (each finishes the write it is in); what they saw."""
    log = Log()
    stop_at = time.monotonic() + seconds
    barrier = threading.Barrier(clients)

    def loop(number: int) -> None:
        client = Client(number, url, tenant, log, seed)
        barrier.wait()
        while True:  # at least one step each, and (the workload's own steps) its fixed first steps
            (step or Client.step)(client)
            if time.monotonic() >= stop_at and (step is not None or not client.first_draws):
                return

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return log


def figures_of(log: Log, seconds: float) -> dict[str, Any]:
    every = [ms for values in log.latencies.values() for ms in values]
    answers = sum(log.statuses.values())
    return {
        "requests": answers,
        "writes_acknowledged": dict(log.by_operation),
        "writes_per_second": round(sum(log.by_operation.values()) / seconds, 1),
        "statuses": {str(code): n for code, n in sorted(log.statuses.items())},
        "share_503": round(log.statuses[503] / answers, 4) if answers else 0.0,
        "retries": dict(log.retries),
        "p50_ms": round(percentile(every, 0.5), 1),
        "p99_ms": round(percentile(every, 0.99), 1),
        "by_operation_ms": {
            op: {"p50": round(percentile(v, 0.5), 1), "p99": round(percentile(v, 0.99), 1)}
            for op, v in sorted(log.latencies.items())
        },
        "unanswered": log.unanswered,
        "answers_lost": log.answers_lost,
    }


# --- the invariants -----------------------------------------------------------------------------------------------


def _get(url: str, path: str, key: str, **params: Any) -> Any:
    for _ in range(30):
        answer = requests.get(url + path, params=params, headers={"Authorization": f"Bearer {key}"}, timeout=60)
        if answer.status_code == 200:
            return answer.json()
        if answer.status_code != 503:
            raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text}")
        time.sleep(float(answer.headers.get("Retry-After", 1)))
    raise RuntimeError(f"GET {path}: never answered")


def summary_sessions(url: str, tenant: Tenant) -> int:
    """The tenant's sessions of today and yesterday as the analytics summary counts them (its counters)."""
    return int(_get(url, "/v1/analytics/summary", tenant.admin, days=2)["total_sessions"])


def _run_task(url: str, key: str, task: str) -> None:
    for _ in range(30):
        answer = requests.post(f"{url}/v1/scheduler/tasks/{task}/run", headers={"Authorization": f"Bearer {key}"}, timeout=60)
        if answer.status_code == 200:
            return
        time.sleep(float(answer.headers.get("Retry-After", 1)))
    raise RuntimeError(f"task {task}: never ran")


def _pages(url: str, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = _get(url, path, key, limit=200, **params, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def check(stack: Stack, tenant: Tenant, log: Log, day: str) -> dict[str, Any]:
    """Every invariant by name: {"ok": bool, ...what was compared}."""
    url, key = stack.url, tenant.admin
    results: dict[str, Any] = {}
    # Counter ADDs whose inline fold met busy shards wait in spill items (core/spill.py) for the next fold; the
    # scheduled roll-up folds them first, as the stream consumer would within a second on AWS.
    _run_task(url, key, "aggregate-metrics")
    listed = _pages(url, "/v1/sessions", key)
    ids = [s["id"] for s in listed]
    doubled = sorted(i for i, n in Counter(ids).items() if n > 1)
    missing = sorted(set(log.sessions) - set(ids))
    unknown = sorted(set(ids) - set(log.sessions))
    results["sessions exactly once"] = {
        "ok": not doubled and not missing and len(unknown) <= log.answers_lost,
        "acknowledged": len(log.sessions),
        "stored": len(ids),
        "doubled": doubled[:5],
        "missing": missing[:5],
        "not_acknowledged": len(unknown),
    }
    # Feedback: each session's feedback is one item per user, the last acknowledged one.
    stored_feedback: dict[tuple[str, str], dict[str, Any]] = {}
    wrong_feedback = 0
    full: dict[str, dict[str, Any]] = {}
    for session_id in ids:
        session = _get(url, f"/v1/sessions/{session_id}", key)
        full[session_id] = session
        users = [fb["user_id"] for fb in session.get("feedback", [])]
        wrong_feedback += len(users) - len(set(users))
        for fb in session.get("feedback", []):
            stored_feedback[(session_id, fb["user_id"])] = fb
    for pair, sent in log.feedback.items():
        got = stored_feedback.get(pair)
        if (
            got is None
            or got.get("feedback_id") != sent["feedback_id"]
            or any(got.get(k) != v for k, v in sent.items() if k != "feedback_id")
        ):
            wrong_feedback += 1
    results["feedback exactly once"] = {
        "ok": wrong_feedback == 0 and len(stored_feedback) == len(log.feedback),
        "acknowledged": len(log.feedback),
        "stored": len(stored_feedback),
        "wrong_or_doubled": wrong_feedback,
    }
    results["analytics summary = recount"] = _summary(url, key, day, full)
    results["experiment counters = recount"] = _experiment(url, tenant, full, log)
    results["model statistics = recount"] = _models(url, key, full)
    rebuild = requests.post(
        url + "/v1/analytics/rebuild", json={"from": day, "to": day}, headers={"Authorization": f"Bearer {key}"}, timeout=120
    ).json()
    results["analytics rebuild finds no drift"] = {"ok": rebuild.get("drift") == [], "drift": (rebuild.get("drift") or [])[:3]}
    probes = stack.probes()
    results["no provider called twice for one key"] = {
        "ok": not probes["keys_called_in_two_executions"]
        and not probes["keys_answered_twice"]
        and probes["provider_calls_without_key"] == 0
        and probes["keys_with_provider_calls"] <= log.generation_keys,
        "keys_with_provider_calls": probes["keys_with_provider_calls"],
        "keys_called_in_two_executions": len(probes["keys_called_in_two_executions"]),
        "keys_answered_twice": len(probes["keys_answered_twice"]),
        "provider_calls": probes["provider_calls"],
    }
    results["no 500"] = {"ok": log.statuses[500] == 0 and not log.server_errors, "unexpected": log.server_errors[:5]}
    results["every 503 has Retry-After"] = {"ok": log.busy_without_retry_after == 0, "without": log.busy_without_retry_after}
    results["every write answered"] = {
        "ok": log.unanswered == 0 and log.answers_lost == 0,
        "unanswered": log.unanswered,
        "409 idempotency_response_lost": log.answers_lost,
    }
    return results


def _is_rated(fb: dict[str, Any]) -> bool:
    return fb.get("rating") is not None or fb.get("thumbs") is not None


def _is_success(fb: dict[str, Any]) -> bool:
    return (fb.get("rating") or 0) >= 4 or fb.get("thumbs") == "up"


def _summary(url: str, key: str, day: str, full: dict[str, dict[str, Any]]) -> dict[str, Any]:
    summary = _get(url, "/v1/analytics/summary", key, **{"from": day, "to": day})
    feedback = [fb for s in full.values() for fb in s.get("feedback", [])]
    ratings = [fb["rating"] for fb in feedback if fb.get("rating") is not None]
    expected = {
        "total_sessions": len(full),
        "rated_sessions": sum(1 for s in full.values() if any(_is_rated(fb) for fb in s.get("feedback", []))),
        "average_rating": round(statistics.fmean(ratings), 2) if ratings else None,
        "total_tokens": sum(sum((s.get("usage") or {}).values()) for s in full.values()),
        "total_cost_usd": round(sum(s.get("cost_usd") or 0 for s in full.values()), 6),
    }
    got = {
        name: (round(summary[name], 2) if name == "average_rating" and summary[name] is not None else summary[name])
        for name in expected
    }
    got["total_cost_usd"] = round(got["total_cost_usd"], 6)
    return {"ok": got == expected, "summary": got, "recount": expected}


def _experiment(url: str, tenant: Tenant, full: dict[str, dict[str, Any]], log: Log) -> dict[str, Any]:
    results = _get(url, f"/v1/experiments/{tenant.experiment_id}/results", tenant.admin)
    got = {
        v["variant_id"]: {"sessions": v["sessions"], "feedback_count": v["feedback_count"], "successes": v["successes"]}
        for v in results["variants"]
    }
    expected: dict[str, dict[str, int]] = {v: {"sessions": 0, "feedback_count": 0, "successes": 0} for v in got}
    for session in full.values():
        if session.get("experiment_id") != tenant.experiment_id or not session.get("variant_id"):
            continue
        counts = expected.setdefault(session["variant_id"], {"sessions": 0, "feedback_count": 0, "successes": 0})
        counts["sessions"] += 1
        counts["feedback_count"] += len(session.get("feedback", []))
        counts["successes"] += sum(_is_success(fb) for fb in session.get("feedback", []))  # per feedback, as `rated`
    assignments = {v["variant_id"]: v["assignments"] for v in results["variants"]}
    users = set(log.assignments) | log.experiment_users
    return {
        "ok": got == expected and sum(assignments.values()) == len(users),
        "results": got,
        "recount": expected,
        "assignments": assignments,
        "assigned_users": len(users),
    }


def _models(url: str, key: str, full: dict[str, dict[str, Any]]) -> dict[str, Any]:
    mappings = _pages(url, f"/v1/tasks/{CATEGORY}/models", key)
    got = {m["model_id"]: {"total_uses": m["total_uses"], "total_feedback": m["total_feedback"]} for m in mappings}
    expected: dict[str, dict[str, int]] = {m: {"total_uses": 0, "total_feedback": 0} for m in got}
    for session in full.values():
        if session.get("model_id") in expected and session.get("category_key") == CATEGORY:  # the mapped models
            counts = expected[session["model_id"]]
            counts["total_uses"] += 1
            counts["total_feedback"] += len(session.get("feedback", []))
    return {"ok": got == expected, "statistics": got, "recount": expected}
