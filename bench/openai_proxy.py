"""The OpenAI-compatible proxy's overhead: what a chat completion through Learnloop adds over calling the model directly.

The model is the offline `local:swift` (its simulated latency, 15 ms + 0.5 ms a token, as `make run` has it). Directly:
the provider's call in this process, as an application embedding the model would make it. Through the proxy: the
unmodified openai SDK against the real local stack (`python -m devstack` in a subprocess, moto on 127.0.0.1), with
`base_url=<stack>/openai/v1`: authentication, routing, the budget, the provider call, the session's transaction and the
answer, over HTTP. Also `stream: true` and `POST /v1/generations` for comparison. The figure is the difference of the
medians (the added latency), with the proxy's own server-side time (total minus the model call it reports).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from .local_stack import ROOT_KEY, Stack

CALLS = 100
WARMUP = 10
TEXT = "Peonies and ranunculus in blush pink for a June garden wedding"
MESSAGES = [{"role": "user", "content": TEXT}]


def run() -> dict[str, Any]:
    import openai

    from chalicelib.providers.base import CompletionRequest
    from chalicelib.providers.local import LocalProvider

    provider = LocalProvider()
    request = CompletionRequest(model_id="local:swift", messages=MESSAGES, max_tokens=500, task="content_caption")
    direct = _timed(lambda: provider.complete(request), CALLS + WARMUP)[WARMUP:]

    with tempfile.TemporaryDirectory() as data:
        stack = Stack(Path(data))
        try:
            made = requests.post(
                stack.url + "/v1/tenants",
                json={"name": "Bench", "domain": "proxy.bench"},
                headers={"Authorization": f"Bearer {ROOT_KEY}"},
                timeout=30,
            ).json()
            admin = made["api_key"]["key"]
            app = requests.post(
                stack.url + "/v1/api-keys",
                json={"name": "app", "role": "app"},
                headers={"Authorization": f"Bearer {admin}"},
                timeout=30,
            ).json()["key"]
            sdk = openai.OpenAI(
                base_url=stack.url + "/openai/v1",
                api_key=app,
                max_retries=0,
                default_headers={"Learnloop-Category": "content_caption", "Learnloop-User-Id": "bench"},
            )
            session = requests.Session()
            body = {"user_id": "bench", "category_key": "content_caption", "prompt": TEXT, "model_id": "local:swift"}
            model_ms: list[float] = []

            def chat() -> None:
                answer = sdk.chat.completions.create(model="local:swift", messages=MESSAGES)  # type: ignore[arg-type]
                model_ms.append(answer.learnloop["attempts"][0]["latency_ms"])  # type: ignore[attr-defined]

            def stream() -> None:
                list(sdk.chat.completions.create(model="local:swift", messages=MESSAGES, stream=True))  # type: ignore[arg-type]

            def generation() -> None:
                headers = {"Authorization": f"Bearer {app}"}
                session.post(stack.url + "/v1/generations", json=body, headers=headers, timeout=30).raise_for_status()

            # Interleaved, so that the machine's load falls alike on each way.
            proxied, streamed, generated = [], [], []
            for _ in range(CALLS + WARMUP):
                proxied += _timed(chat, 1)
                streamed += _timed(stream, 1)
                generated += _timed(generation, 1)
            proxied, streamed, generated, model_ms = (v[WARMUP:] for v in (proxied, streamed, generated, model_ms))
        finally:
            stack.stop()
    server_side = [total - model for total, model in zip(proxied, model_ms, strict=True)]
    return {
        "calls": CALLS,
        "model": "local:swift",
        "direct_ms": _summary(direct),
        "proxy_ms": _summary(proxied),
        "proxy_stream_ms": _summary(streamed),
        "generations_ms": _summary(generated),
        "model_call_in_proxy_ms": _summary(model_ms),
        "added_median_ms": round(statistics.median(proxied) - statistics.median(direct), 2),
        "added_median_stream_ms": round(statistics.median(streamed) - statistics.median(direct), 2),
        "proxy_minus_its_model_call_median_ms": round(statistics.median(server_side), 2),
    }


def _timed(call: Any, times: int) -> list[float]:
    spent = []
    for _ in range(times):
        began = time.perf_counter()
        call()
        spent.append((time.perf_counter() - began) * 1000)
    return spent


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


def report(figures: dict[str, Any]) -> str:
    return (
        f"openai_proxy: {figures['calls']} chat completions of {figures['model']} each way\n"
        f"  direct call p50 {figures['direct_ms']['p50']} ms; through /openai/v1 with the openai SDK p50 "
        f"{figures['proxy_ms']['p50']} ms (p95 {figures['proxy_ms']['p95']}), "
        f"streamed p50 {figures['proxy_stream_ms']['p50']} ms; "
        f"POST /v1/generations p50 {figures['generations_ms']['p50']} ms\n"
        f"  added by the proxy: median {figures['added_median_ms']} ms ({figures['added_median_stream_ms']} ms streamed); "
        f"the proxy's own time around the model call: median {figures['proxy_minus_its_model_call_median_ms']} ms"
    )
