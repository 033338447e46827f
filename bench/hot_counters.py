"""Hot counters: one tenant's concurrent writers against the counter shards (`python -m bench hot_counters`).

Every session, generation and feedback transaction ADDs to the tenant's counter items (the day, the
hour, the model's day and hour, the latency histogram, the touched-days mark...), one shard of each.
DynamoDB cancels a transaction that meets another one still in progress on an item
(TransactionConflict); the fault layer simulates exactly that with `LEARNLOOP_CHAOS=conflict=0` (no
injected faults, overlapping transactions conflict). Each case is a burst of `writers` clients of one
tenant, each sending `REQUESTS` session creates back to back, against the real local stack with
`LEARNLOOP_COUNTER_SHARDS=shards`; the uncontended case is the same burst with the fault layer off. A
transaction that meets a busy shard spills its counter ADDs (chalicelib/core/spill.py) and is folded inline, so
`spilled` counts what was folded later and `pending` what was still waiting when the burst ended.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from . import load

REQUESTS = 3  # per writer
CASES = [  # (shards, writers); shards None: the fault layer off (nothing conflicts), the uncontended case
    (None, 50),
    (4, 50),
    (16, 50),
    (None, 200),
    (4, 200),
    (16, 200),
    (64, 200),
]


def _session_only(client: load.Client) -> None:
    body = {
        "user_id": client.rng.choice(client.users),
        "category_key": load.CATEGORY,
        "input": {"text": "post"},
        "output": "#spring",
        "model_id": client.rng.choice(load.SESSION_MODELS),
        "processing_time_ms": client.rng.randrange(50, 2000),
    }
    if len(client.mine) < REQUESTS:
        answer = client.write("session", "/v1/sessions", body, ok=(201,))
        client.mine.append(answer.json()["session_id"] if answer is not None else "")
    else:
        time.sleep(0.05)


def measure(shards: int | None, writers: int) -> dict[str, Any]:
    env = {"LEARNLOOP_COUNTER_SHARDS": str(shards or 4)}
    if shards is not None:
        env["LEARNLOOP_CHAOS"] = "conflict=0"
    with tempfile.TemporaryDirectory() as data:
        stack = load.start_stack(Path(data), env)
        try:
            tenant = load.create_tenant(stack.url)
            began = time.monotonic()
            log = _burst(stack.url, tenant, writers)
            seconds = time.monotonic() - began
            chaos = stack.probes()["chaos"] or {"transactions": 0, "injected": {}}
            counted = load.summary_sessions(stack.url, tenant)
        finally:
            stack.stop()
    latencies = log.latencies["session"]
    acknowledged = log.by_operation["session"]
    conflicts = chaos["injected"].get("TransactionConflict", 0)
    return {
        "shards": shards,
        "writers": writers,
        "acknowledged": acknowledged,
        "seconds": round(seconds, 1),
        "transactions_admitted": chaos["transactions"],
        "conflicts": conflicts,
        "conflict_rate": round(conflicts / (conflicts + acknowledged), 3) if acknowledged else None,
        "sessions_counted": counted,
        "answers_503": log.statuses[503],
        "answers_5xx": sum(n for code, n in log.statuses.items() if code >= 500),
        "p50_ms": round(load.percentile(latencies, 0.5)),
        "p99_ms": round(load.percentile(latencies, 0.99)),
    }


def _burst(url: str, tenant: load.Tenant, writers: int) -> load.Log:
    return load.drive(url, tenant, writers, seconds=0.0, step=_until_done)


def _until_done(client: load.Client) -> None:
    while len(client.mine) < REQUESTS:
        _session_only(client)


def run() -> dict[str, Any]:
    """Every case, or those of `HOT_COUNTERS_WRITERS` (e.g. `200`) only."""
    only = {int(n) for n in os.environ.get("HOT_COUNTERS_WRITERS", "").split(",") if n}
    cases = [(shards, writers) for shards, writers in CASES if not only or writers in only]
    return {"requests_per_writer": REQUESTS, "cases": [measure(shards, writers) for shards, writers in cases]}


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"## Hot counters (one tenant, each writer {figures['requests_per_writer']} session creates; local stack)",
        "",
        "| shards | writers | acknowledged | counted | s | conflicts | conflict rate | 503 | 5xx | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in figures["cases"]:
        shards = "uncontended" if c["shards"] is None else c["shards"]
        cells = [shards, c["writers"], c["acknowledged"], c["sessions_counted"], c["seconds"], c["conflicts"]]
        cells += [c["conflict_rate"], c["answers_503"], c["answers_5xx"], c["p50_ms"], c["p99_ms"]]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines)
