"""Foundation: DynamoDB requests per call and in-process latency of session create and feedback.

Through chalice.test.Client over the hardened in-process moto, so the latencies measure our
code plus botocore and moto, not a network; the request counts are what DynamoDB would see.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from .harness import ROOT_KEY, RequestCounter, call, local_account

ITERATIONS = 300


def run() -> dict[str, Any]:
    with local_account() as client:
        _, created = call(client, "POST", "/v1/tenants", ROOT_KEY, {"name": "Bench", "domain": "bench.example"})
        admin = created["api_key"]["key"]
        _, minted = call(client, "POST", "/v1/api-keys", admin, {"name": "app", "role": "app"})
        app_key = minted["key"]
        counter = RequestCounter()
        session = {"user_id": "u", "category_key": "ai_resize", "input": {"canvas": [1080, 1080]}, "output": "ok"}
        cases: dict[str, Any] = {}

        def measure(name: str, request: Any) -> None:
            latencies, requests = [], []
            for i in range(ITERATIONS):
                with counter.measure() as seen:
                    began = time.perf_counter()
                    status = request(i)
                    latencies.append((time.perf_counter() - began) * 1000)
                assert status in (200, 201), (name, status)
                requests.append(dict(seen))
            operations = {op: sum(r.get(op, 0) for r in requests) / ITERATIONS for op in sorted({o for r in requests for o in r})}
            cases[name] = {
                "dynamodb_requests_per_call": round(sum(operations.values()), 2),
                "by_operation": operations,
                "median_ms": round(statistics.median(latencies), 2),
                "p95_ms": round(sorted(latencies)[int(0.95 * len(latencies)) - 1], 2),
            }

        ids: list[str] = []

        def create(i: int) -> int:
            status, body = call(client, "POST", "/v1/sessions", app_key, session)
            ids.append(body["session_id"])
            return status

        measure("session create", create)
        measure(
            "session create with Idempotency-Key",
            lambda i: call(client, "POST", "/v1/sessions", app_key, session, {"Idempotency-Key": f"k{i}"})[0],
        )
        measure(
            "feedback (new)",
            lambda i: call(client, "POST", f"/v1/sessions/{ids[i]}/feedback", app_key, {"user_id": "u", "rating": 4})[0],
        )
        measure(
            "feedback (replacing)",
            lambda i: call(client, "POST", f"/v1/sessions/{ids[i]}/feedback", app_key, {"user_id": "u", "thumbs": "down"})[0],
        )
        measure(
            "idempotent replay",
            lambda i: call(client, "POST", "/v1/sessions", app_key, session, {"Idempotency-Key": f"k{i}"})[0],
        )
    return {"iterations": ITERATIONS, "cases": cases}


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"## Foundation ({figures['iterations']} calls each, chalice.test.Client over in-process moto)",
        "",
        "| call | DynamoDB requests | of which | median ms | p95 ms |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for name, case in figures["cases"].items():
        ops = ", ".join(f"{op} {n:g}" for op, n in case["by_operation"].items())
        lines.append(f"| {name} | {case['dynamodb_requests_per_call']:g} | {ops} | {case['median_ms']} | {case['p95_ms']} |")
    return "\n".join(lines)
