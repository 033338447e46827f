"""The local stack as its data grows (`python -m bench local_stack`, issue 22): throughput and latency over HTTP.

For each scale (0, 10,000 and 100,000 stored sessions; `BENCH_LOCAL_SCALES` changes them) the real stack
(`python -m devstack`, what `make run` starts) is started on a data directory holding that many sessions of
one tenant, a new tenant is created, and `BENCH_LOCAL_CLIENTS` (8) clients of it, each a thread with its own
connection, loop for `BENCH_LOCAL_SECONDS` (60) over the calls a product makes: record a session, rate it, ask
the router, generate with the offline models, read the 30-day summary. Then the summary of the tenant holding
the stored sessions (30 days of counters) is read five times, one at a time.
Reported per scale: calls per second, p50/p95 of each call,
how long the stack took to start (restore) and to stop, and each save of the data directory during the run
(items, seconds the backend lock was held, seconds in all; devstack's `GET /_local/probes`), and the CPU time the
stack's process spent per call (from /proc: on a shared machine, the figure that does not depend on its load).

The bulk is recorded as bench/analytics_scaling.py records it (the domain's own functions, their transactions
applied in bulk) into an in-process moto, then written as the stack's snapshot (`dynamodb.json`), which the
stack restores at start; it is built once per scale and kept in `BENCH_LOCAL_CACHE` (a temporary directory).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
ROOT_KEY = "local-stack-bench-root-0123456789"
TABLE = "learnloop-local"
SCALES = tuple(int(n) for n in os.environ.get("BENCH_LOCAL_SCALES", "0,10000,100000").split(","))
CLIENTS = int(os.environ.get("BENCH_LOCAL_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_LOCAL_SECONDS", "60"))
CACHE = Path(os.environ.get("BENCH_LOCAL_CACHE", Path(tempfile.gettempdir()) / "learnloop-bench-local-stack"))
CATEGORY = "content_hashtags"  # offline models only
CALLS = ("session", "feedback", "route", "generation", "summary")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# --- the bulk ----------------------------------------------------------------------------------------------------


def build_snapshots(scales: list[int]) -> None:
    """Record each scale's sessions (cumulatively) in an in-process moto and write each as a stack snapshot."""
    from .analytics_scaling import record_bulk
    from .harness import ROOT_KEY as HARNESS_ROOT
    from .harness import call, local_account

    with local_account() as client:
        _, created = call(client, "POST", "/v1/tenants", HARNESS_ROOT, {"name": "Grown", "domain": "grown.example"})
        admin, tenant_id = created["api_key"]["key"], created["tenant"]["id"]
        keys = {
            "admin": admin,
            "app": call(client, "POST", "/v1/api-keys", admin, {"name": "app", "role": "app"})[1]["key"],
            "read": call(client, "POST", "/v1/api-keys", admin, {"name": "read", "role": "read"})[1]["key"],
            "tenant": tenant_id,
        }
        rng = random.Random(22)
        now = datetime.now(UTC)
        days = [(now - timedelta(days=d)).replace(hour=0, minute=0, second=0, microsecond=0) for d in range(30)]
        total = 0
        for scale in sorted(scales):
            began = time.perf_counter()
            bulk = record_bulk(tenant_id, scale - total, days, rng)
            total = scale
            items = _dump_table()
            folder = CACHE / str(scale)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "dynamodb.json").write_text(json.dumps({"format": 1, "tables": {TABLE: items}}, separators=(",", ":")))
            (folder / "keys.json").write_text(json.dumps(keys))
            spent = time.perf_counter() - began
            print(f"[local_stack] {scale} sessions: {len(items)} items, {bulk}, {spent:.0f}s", file=sys.stderr, flush=True)


def _dump_table() -> list[dict[str, Any]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.core.settings import get_settings

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[get_settings().table_name]
    return [item.to_json()["Attributes"] for by_range in table.items.values() for item in by_range.values()]


# --- the stack ---------------------------------------------------------------------------------------------------


class Stack:
    def __init__(self, data_dir: Path) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNLOOP_", "AWS_"))}
        env |= {"PORT": str(self.port), "LEARNLOOP_DATA_DIR": str(data_dir), "LEARNLOOP_ROOT_KEY": ROOT_KEY}
        env |= {"LEARNLOOP_SCHEDULER_TICK": "3600", "LEARNLOOP_LOG_LEVEL": "ERROR"}
        began = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devstack"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the stack exited with {self.process.returncode}")
            try:
                if requests.get(self.url + "/health", timeout=5).status_code == 200:
                    self.start_seconds = time.perf_counter() - began
                    return
            except requests.RequestException:
                time.sleep(0.5)
        self.process.kill()
        raise RuntimeError("the stack did not answer /health")

    def probes(self) -> dict[str, Any]:
        return requests.get(self.url + "/_local/probes", timeout=600).json()

    def cpu_seconds(self) -> float:
        """CPU time the stack's process has used (all its threads): what each call costs, however loaded the machine."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> float:
        began = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.perf_counter() - began


def onboard(url: str) -> dict[str, str]:
    def post(path: str, key: str, body: dict[str, Any]) -> Any:
        answer = requests.post(url + path, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=600)
        assert answer.status_code in (200, 201), (path, answer.status_code, answer.text)
        return answer.json()

    created = post("/v1/tenants", ROOT_KEY, {"name": "Fresh", "domain": "fresh.example"})
    admin = created["api_key"]["key"]
    return {
        "admin": admin,
        "app": post("/v1/api-keys", admin, {"name": "app", "role": "app"})["key"],
        "read": post("/v1/api-keys", admin, {"name": "read", "role": "read"})["key"],
        "tenant": created["tenant"]["id"],
    }


# --- the clients -------------------------------------------------------------------------------------------------


def drive(url: str, keys: dict[str, str], clients: int, seconds: float) -> dict[str, Any]:
    """`clients` threads looping over CALLS for `seconds` (each ends the round it is in): latencies and failures."""
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    stop_at: list[float] = [0.0]

    def timed(http: requests.Session, name: str, method: str, path: str, key: str, body: Any = None) -> Any:
        began = time.perf_counter()
        answer = http.request(method, url + path, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=600)
        ms = (time.perf_counter() - began) * 1000
        with lock:
            latencies[name].append(ms)
            if answer.status_code >= 300:
                failures[f"{name} {answer.status_code}"] += 1
        return answer.json() if answer.status_code < 300 else None

    def loop(number: int) -> None:
        http = requests.Session()
        rng = random.Random(number)
        barrier.wait()
        n = 0
        while time.monotonic() < stop_at[0]:
            n += 1
            user = f"bench-{number}-{n % 5}"
            made = timed(
                http, "session", "POST", "/v1/sessions", keys["app"],
                {"user_id": user, "category_key": CATEGORY, "input": {"text": f"post {n}"}, "output": "#spring",
                 "model_id": rng.choice(["local:swift", "local:sage"]), "processing_time_ms": rng.randrange(50, 2000)},
            )  # fmt: skip
            if made is not None:
                timed(http, "feedback", "POST", f"/v1/sessions/{made['session_id']}/feedback", keys["app"],
                      {"user_id": user, "rating": rng.randrange(1, 6)})  # fmt: skip
            timed(http, "route", "POST", "/v1/route", keys["app"], {"category_key": CATEGORY, "user_id": user})
            timed(http, "generation", "POST", "/v1/generations", keys["app"],
                  {"user_id": user, "category_key": CATEGORY, "prompt": f"hashtags for post {n}"})  # fmt: skip
            timed(http, "summary", "GET", "/v1/analytics/summary?days=30", keys["read"])

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    calls = sum(len(v) for v in latencies.values())
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "calls": calls,
        "calls_per_second": round(calls / elapsed, 2),
        "failures": dict(failures),
        "by_call": {
            name: {
                "n": len(latencies[name]),
                "p50_ms": round(percentile(latencies[name], 0.5), 1),
                "p95_ms": round(percentile(latencies[name], 0.95), 1),
            }
            for name in CALLS
        },
    }


def grown_summary(url: str, keys: dict[str, str]) -> dict[str, float]:
    """The 30-day summary of the tenant holding the stored sessions, one call at a time (its counters of 30 days)."""
    taken = []
    for _ in range(5):
        began = time.perf_counter()
        answer = requests.get(
            url + "/v1/analytics/summary?days=30", headers={"Authorization": f"Bearer {keys['read']}"}, timeout=600
        )
        assert answer.status_code == 200, answer.text
        taken.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": round(percentile(taken, 0.5), 1), "max_ms": round(max(taken), 1)}


def measure(scale: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"local-stack-{scale}-"))
    try:
        if scale:
            shutil.copy(CACHE / str(scale) / "dynamodb.json", data_dir / "dynamodb.json")
        stack = Stack(data_dir)
        try:
            keys = onboard(stack.url)  # a new tenant on a table of `scale` sessions (the newcomer)
            drive(stack.url, keys, 2, 3)  # warm up: imports, first tenant reads
            saves_before = len(stack.probes()["saves"])
            cpu_before = stack.cpu_seconds()
            run = drive(stack.url, keys, CLIENTS, SECONDS)
            run["stack_cpu_ms_per_call"] = round((stack.cpu_seconds() - cpu_before) * 1000 / max(1, run["calls"]), 1)
            saves = stack.probes()["saves"][saves_before:]
            grown = grown_summary(stack.url, json.loads((CACHE / str(scale) / "keys.json").read_text())) if scale else None
        finally:
            stop_seconds = stack.stop()
        return {
            "grown_tenant_summary_ms": grown,
            "sessions": scale,
            "start_seconds": round(stack.start_seconds, 1),
            "stop_seconds": round(stop_seconds, 1),
            **run,
            "saves": {
                "count": len(saves),
                "items": max((s["items"] for s in saves), default=0),
                "lock_seconds_max": max((s["lock_seconds"] for s in saves), default=0.0),
                "seconds_max": max((s["seconds"] for s in saves), default=0.0),
                "seconds_p50": percentile([s["seconds"] for s in saves], 0.5),
            },
        }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run() -> dict[str, Any]:
    missing = [s for s in SCALES if s and not (CACHE / str(s) / "dynamodb.json").exists()]
    if missing:
        build_snapshots(sorted({*missing, *(s for s in SCALES if s)}))
    figures: dict[str, Any] = {"scales": {}}
    for scale in SCALES:
        figures["scales"][str(scale)] = measure(scale)
        print(f"[local_stack] {scale}: {json.dumps(figures['scales'][str(scale)])}", file=sys.stderr, flush=True)
    if 0 in SCALES:
        empty = figures["scales"]["0"]["by_call"]
        figures["p50_over_empty"] = {
            str(scale): {
                name: round(figures["scales"][str(scale)]["by_call"][name]["p50_ms"] / max(empty[name]["p50_ms"], 1e-9), 2)
                for name in CALLS
            }
            for scale in SCALES
            if scale
        }
    return figures


def report(figures: dict[str, Any]) -> str:
    lines = [f"Local stack over HTTP: {CLIENTS} clients for {SECONDS:g}s per scale (p50 / p95 ms per call)"]
    names = " ".join(f"{name:>17}" for name in CALLS)
    lines.append(f"{'sessions':>9} {'calls/s':>8} {'cpu ms':>7} {names} {'save s (lock)':>15} {'start s':>8}")
    for scale, row in figures["scales"].items():
        cells = " ".join(f"{row['by_call'][n]['p50_ms']:>8.0f}/{row['by_call'][n]['p95_ms']:<8.0f}" for n in CALLS)
        save = f"{row['saves']['seconds_max']:.2f} ({row['saves']['lock_seconds_max']:.2f})"
        head = f"{int(scale):>9} {row['calls_per_second']:>8.2f} {row.get('stack_cpu_ms_per_call', 0.0):>7.1f}"
        lines.append(f"{head} {cells} {save:>15} {row['start_seconds']:>8.1f}")
    for scale, ratios in figures.get("p50_over_empty", {}).items():
        told = ", ".join(f"{k} {v}x" for k, v in ratios.items())
        lines.append(f"p50 at {int(scale):,} sessions over the empty stack's: {told}")
    return "\n".join(lines)
