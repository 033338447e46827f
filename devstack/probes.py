"""What the local stack counts for the load-and-chaos benchmark, answered at `GET /_local/probes`.

Only devstack serves it (outside the Chalice app, so never deployed and not in /openapi.json): every
provider call by the Idempotency-Key it ran under, and by the execution (the key's claim token) that
made it, so a benchmark can check that no key's provider calls happened in two executions; and what
the fault layer (`LEARNLOOP_CHAOS`) injected.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any

PATH = "/_local/probes"


class Probes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()  # by outcome: ok, or the ProviderError's kind
        self.calls_without_key = 0
        self._by_key: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))

    def start(self) -> None:
        from chalicelib.providers import registry

        registry.observe(self._seen)

    def _seen(self, request: Any, outcome: str) -> None:
        from chalicelib.core import idempotency

        guard = idempotency.current_guard()
        with self._lock:
            self.calls[outcome] += 1
            if guard is None:
                self.calls_without_key += 1
            else:
                self._by_key[f"{guard.key.pk}|{guard.key.sk}"][guard.token][outcome] += 1

    def snapshot(self) -> dict[str, Any]:
        from chalicelib.core import faults

        from .aws import SAVES

        with self._lock:
            keys = {
                key: {
                    "executions": len(runs),
                    "calls": sum(sum(c.values()) for c in runs.values()),
                    "answered": sum(c["ok"] for c in runs.values()),
                }
                for key, runs in self._by_key.items()
            }
            calls, without_key = dict(self.calls), self.calls_without_key
        active = faults.active()
        injected = {} if active is None else dict(active.injected)
        return {
            "provider_calls": calls,
            "provider_calls_without_key": without_key,
            "keys_with_provider_calls": len(keys),
            "keys_called_in_two_executions": sorted(k for k, v in keys.items() if v["executions"] > 1),
            "keys_answered_twice": sorted(k for k, v in keys.items() if v["answered"] > 1),
            "saves": list(SAVES),
            "chaos": None
            if active is None
            else {
                "transactions": active.transactions,
                "attempts": active.attempts,
                "provider_calls": active.provider_calls,
                "injected": injected,
            },
        }
