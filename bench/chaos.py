"""Load and chaos: many clients against the real local stack, with and without faults (`python -m bench chaos`).

Each scenario starts the local stack (`python -m devstack`, `LEARNLOOP_CHAOS` set or not), creates a
tenant with an experiment, runs `CLIENTS` clients for `SECONDS` (bench/load.py: sessions, feedback,
generations on the offline models, experiment assignments; every write with an Idempotency-Key,
retried on 503, timeouts and a key still in progress), then checks the invariants (every
acknowledged write exactly once, the counters equal to a recount, no provider call made twice for
one key, no 500, Retry-After on every 503). The local DynamoDB is moto, which serialises requests
under one lock on a shared machine: the latencies are those of this simulation, not of AWS.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from . import load

CLIENTS = 50
SECONDS = 30.0
SEED = 7


def scenario(chaos: str | None, clients: int = CLIENTS, seconds: float = SECONDS, seed: int = SEED) -> dict[str, Any]:
    """One run: the figures of the load and each invariant's outcome."""
    env = {"LEARNLOOP_CHAOS": f"{chaos},seed={seed}"} if chaos else {}
    with tempfile.TemporaryDirectory() as data:
        stack = load.start_stack(Path(data), env)
        try:
            tenant = load.create_tenant(stack.url)
            day = time.strftime("%Y-%m-%d", time.gmtime())
            began = time.monotonic()
            log = load.drive(stack.url, tenant, clients, seconds, seed=seed)
            elapsed = time.monotonic() - began
            invariants = load.check(stack, tenant, log, day)
            probes = stack.probes()
        finally:
            stack.stop()
    return {
        "chaos": chaos,
        "clients": clients,
        "seconds": round(elapsed, 1),
        **load.figures_of(log, elapsed),
        "injected": (probes["chaos"] or {}).get("injected", {}),
        "provider_calls": probes["provider_calls"],
        "invariants": invariants,
        "invariants_hold": all(result["ok"] for result in invariants.values()),
    }


def run() -> dict[str, Any]:
    return {"scenarios": [scenario(None), scenario(load.CHAOS)]}


def report(figures: dict[str, Any]) -> str:
    lines = [
        "## Load and chaos (the local stack over HTTP; moto serialises DynamoDB, so latencies are the simulation's)",
        "",
        "| chaos | clients | s | requests | writes acknowledged | 503 share | client retries | p50 ms | p99 ms | "
        "faults injected | invariants |",
        "| --- | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | --- | --- |",
    ]
    for s in figures["scenarios"]:
        writes = ", ".join(f"{op} {n}" for op, n in sorted(s["writes_acknowledged"].items()))
        retried = ", ".join(f"{why} {n}" for why, n in sorted(s["retries"].items())) or "0"
        injected = ", ".join(f"{kind} {n}" for kind, n in sorted(s["injected"].items())) or "none"
        held = (
            "all hold"
            if s["invariants_hold"]
            else "FAILED: " + ", ".join(name for name, result in s["invariants"].items() if not result["ok"])
        )
        lines.append(
            f"| {s['chaos'] or 'off'} | {s['clients']} | {s['seconds']} | {s['requests']} | {writes} | "
            f"{s['share_503']:.2%} | {retried} | {s['p50_ms']} | {s['p99_ms']} | {injected} | {held} |"
        )
    lines += [
        "",
        "Invariants (with chaos): " + "; ".join(_invariant(n, r) for n, r in figures["scenarios"][-1]["invariants"].items()),
    ]
    return "\n".join(lines)


def _invariant(name: str, result: dict[str, Any]) -> str:
    return f"{name}: {'ok' if result['ok'] else 'FAILED ' + str(result)}"
