"""Injected faults: DynamoDB and the model providers misbehaving as they do under load, for the local stack and tests.

`LEARNLOOP_CHAOS` switches it on with a spec of comma-separated `name=value` entries, e.g.
`conflict=0.1,throttle=0.05,latency=5-200ms,provider_error=0.1,provider_timeout=0.05,seed=7`
(the table in docs/operations.md lists them all). Unset (the default) nothing is installed: no
event hook on the botocore client, no wrapper around a provider, so it costs nothing.

DynamoDB faults sit on the table client's event system (`before-call.dynamodb`, which
short-circuits the call with the error DynamoDB would answer, before any request is sent):

* A TransactWriteItems that touches an item another transaction is still preparing (sent, not
  yet answered) is cancelled with `TransactionConflict` on that item, as DynamoDB does; so is the
  first `conflict_first` transactions and a `conflict` share of the rest.
* Throttling: every attempt of any call is throttled with `throttle` chance (or the first
  `throttle_first` attempts); the SDK's retries are played (PynamoDB's `max_retry_attempts`), so a
  call fails with `ProvisionedThroughputExceededException` / `ThrottlingException` only when each
  of its attempts was throttled. A transaction is cancelled with a `ThrottlingError` reason
  instead (DynamoDB's way, and the SDK does not retry those).
* `latency` adds a uniform delay to every call (a transaction counts as in flight meanwhile).

`only=TransactWriteItems+UpdateItem` limits throttling and latency to those operations, and
`item=SESSION#` the injected conflicts and throttling of transactions to those with an item whose
key holds that text (overlaps are always conflicts), so that a test can aim at one write.
Provider faults wrap every provider, text (`provider_for`) and image (`image_provider_for`): a call fails with a server error, a
timeout or a 429 with Retry-After, each with its chance (or the first `provider_error_first`
calls fail with a server error). With `seed` the draws repeat run after run.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from .settings import get_settings

_CONTEXT_KEY = "learnloop_faults_in_flight"
_LATENCY = re.compile(r"^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?(ms|s)?$")


@dataclass(frozen=True)
class ChaosSpec:
    """What `LEARNLOOP_CHAOS` asks for: chances are 0..1, `*_first` counts, latency in milliseconds."""

    conflict: float = 0.0
    conflict_first: int = 0
    throttle: float = 0.0
    throttle_first: int = 0
    latency_ms: tuple[float, float] = (0.0, 0.0)
    only: frozenset[str] = field(default_factory=frozenset)
    item: str = ""  # injected transaction faults only for transactions with an item whose key holds this text
    provider_error: float = 0.0
    provider_error_first: int = 0
    provider_timeout: float = 0.0
    provider_429: float = 0.0
    retry_after: int = 1
    seed: int | None = None

    @classmethod
    def parse(cls, text: str) -> ChaosSpec:
        known = {f.name for f in fields(cls)} | {"latency"}
        values: dict[str, Any] = {}
        for entry in filter(None, (part.strip() for part in text.split(","))):
            name, sep, raw = (piece.strip() for piece in entry.partition("="))
            if not sep or name not in known or name == "latency_ms":
                raise ValueError(f"LEARNLOOP_CHAOS: unknown entry {entry!r} (known: {', '.join(sorted(known))})")
            try:
                if name == "latency":
                    values["latency_ms"] = _latency(raw)
                elif name == "item":
                    values["item"] = raw
                elif name == "only":
                    values["only"] = frozenset(filter(None, raw.split("+")))
                elif name in ("conflict_first", "throttle_first", "provider_error_first", "retry_after", "seed"):
                    values[name] = int(raw)
                else:
                    values[name] = float(raw)
            except ValueError:
                raise ValueError(f"LEARNLOOP_CHAOS: {name} cannot be {raw!r}") from None
            if name in ("conflict", "throttle", "provider_error", "provider_timeout", "provider_429"):
                if not 0 <= values[name] <= 1:
                    raise ValueError(f"LEARNLOOP_CHAOS: {name} is a chance, 0 to 1")
        return cls(**values)


def _latency(raw: str) -> tuple[float, float]:
    found = _LATENCY.match(raw.replace(" ", ""))
    if found is None:
        raise ValueError(raw)
    scale = 1000.0 if found.group(3) == "s" else 1.0
    low = float(found.group(1)) * scale
    high = float(found.group(2)) * scale if found.group(2) else low
    if high < low:
        raise ValueError(raw)
    return low, high


class Faults:
    """The draws and the transactions in flight of one spec (one per process and spec)."""

    def __init__(self, spec: ChaosSpec) -> None:
        self.spec = spec
        self._rng = random.Random(spec.seed)
        self._lock = threading.Lock()
        self._in_flight: Counter[tuple[str, str, str]] = Counter()
        self.transactions = 0  # seen (of those `item` selects), cancelled or not
        self.attempts = 0  # DynamoDB attempts the throttle could apply to
        self.provider_calls = 0
        self.injected: Counter[str] = Counter()  # what was injected, by kind (tests and logs read it)

    # --- DynamoDB -----------------------------------------------------------------------------------------

    def install(self, client: Any) -> None:
        events = client.meta.events
        events.register_first("before-call.dynamodb", self._before_call, unique_id="learnloop-faults")
        events.register("after-call.dynamodb", self._after_call, unique_id="learnloop-faults-done")
        events.register("after-call-error.dynamodb", self._after_call, unique_id="learnloop-faults-error")

    def _draw(self, chance: float) -> bool:
        return chance > 0 and self._rng.random() < chance

    def _before_call(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> Any:
        operation = model.name
        affected = not self.spec.only or operation in self.spec.only
        if operation == "TransactWriteItems":
            return self._transaction(params, context, affected)
        if affected:
            throttled = self._throttled(self._sdk_attempts(context))
            self._sleep()
            if throttled:
                code = "ProvisionedThroughputExceededException" if self._rng.random() < 0.5 else "ThrottlingException"
                return _error(code, "Rate of requests exceeds the allowed throughput (injected)")
        return None

    def _transaction(self, params: dict[str, Any], context: dict[str, Any], affected: bool) -> Any:
        items = _transaction_keys(params)
        reason: tuple[int, str] | None = None
        marked = [i for i, key in enumerate(items) if self.spec.item in key[1] or self.spec.item in key[2]]
        with self._lock:
            busy = next((i for i, key in enumerate(items) if self._in_flight[key]), None)
            if busy is not None:
                reason = (busy, "TransactionConflict")
            elif marked:
                self.transactions += 1
                if self.transactions <= self.spec.conflict_first or self._draw(self.spec.conflict):
                    reason = (marked[self._rng.randrange(len(marked))], "TransactionConflict")
                elif affected and self._throttled_locked(1):
                    reason = (marked[0], "ThrottlingError")
            if reason is None:
                self._in_flight.update(items)
                context[_CONTEXT_KEY] = items
            else:
                self.injected[reason[1]] += 1
        if affected:
            self._sleep()
        if reason is None:
            return None
        reasons = [{"Code": "None"} for _ in items] or [{"Code": "None"}]
        message = "Transaction is ongoing for the item" if reason[1] == "TransactionConflict" else "Throughput exceeds the limit"
        reasons[reason[0]] = {"Code": reason[1], "Message": message}
        codes = ", ".join(r["Code"] for r in reasons)
        return _error(
            "TransactionCanceledException",
            f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
            CancellationReasons=reasons,
        )

    def _after_call(self, context: dict[str, Any], **_: Any) -> None:
        items = context.pop(_CONTEXT_KEY, None)
        if items:
            with self._lock:
                self._in_flight.subtract(items)
                for key in items:
                    if self._in_flight[key] <= 0:
                        del self._in_flight[key]

    def _sdk_attempts(self, context: dict[str, Any]) -> int:
        retries = getattr(context.get("client_config"), "retries", None) or {}
        return max(1, int(retries.get("total_max_attempts") or retries.get("max_attempts", 0) + 1 or 1))

    def _throttled(self, attempts: int) -> bool:
        with self._lock:
            return self._throttled_locked(attempts)

    def _throttled_locked(self, attempts: int) -> bool:
        """Whether each of the call's `attempts` is throttled (the SDK retries the others away)."""
        for _ in range(attempts):
            self.attempts += 1
            if not (self.attempts <= self.spec.throttle_first or self._draw(self.spec.throttle)):
                return False
        self.injected["throttle"] += 1
        return True

    def _sleep(self) -> None:
        low, high = self.spec.latency_ms
        if high > 0:
            with self._lock:
                pause = self._rng.uniform(low, high)
            time.sleep(pause / 1000)

    # --- providers ----------------------------------------------------------------------------------------

    def provider_fault(self) -> str | None:
        """None, or the kind of failure the next provider call meets: server_error, timeout or rate_limited."""
        spec = self.spec
        with self._lock:
            self.provider_calls += 1
            kind = None
            if self.provider_calls <= spec.provider_error_first or self._draw(spec.provider_error):
                kind = "server_error"
            elif self._draw(spec.provider_timeout):
                kind = "timeout"
            elif self._draw(spec.provider_429):
                kind = "rate_limited"
            if kind:
                self.injected[f"provider_{kind}"] += 1
            return kind


_active: dict[str, Faults] = {}
_active_lock = threading.Lock()


def active() -> Faults | None:
    """The faults of the current `LEARNLOOP_CHAOS` (one state per spec and process), or None when it is unset."""
    text = get_settings().chaos
    if not text:
        return None
    with _active_lock:
        if text not in _active:
            _active[text] = Faults(ChaosSpec.parse(text))
        return _active[text]


def reset() -> None:
    """Forget every spec's draws and counts (a test that wants its `*_first` counted from its own first call)."""
    with _active_lock:
        _active.clear()


def install(client: Any) -> None:
    """Hook the faults into a DynamoDB client, when `LEARNLOOP_CHAOS` is set."""
    faults = active()
    if faults is not None:
        faults.install(client)


def _transaction_keys(params: dict[str, Any]) -> list[tuple[str, str, str]]:
    body = params.get("body") or b"{}"
    request = json.loads(body if isinstance(body, str) else body.decode())
    found: list[tuple[str, str, str]] = []
    for entry in request.get("TransactItems", []):
        for action in entry.values():
            key = action.get("Key") or action.get("Item") or {}
            found.append((action.get("TableName", ""), _plain(key.get("pk")), _plain(key.get("sk"))))
    return found


def _plain(value: Any) -> str:
    return next(iter(value.values()), "") if isinstance(value, dict) else str(value or "")


def _error(code: str, message: str, **extra: Any) -> tuple[Any, dict[str, Any]]:
    """A DynamoDB error answer as botocore's `before-call` handlers return it: (http response, parsed body)."""
    from botocore.awsrequest import AWSResponse

    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {}, "RetryAttempts": 0},
        **extra,
    }
    return AWSResponse("https://dynamodb.local/", 400, {}, None), parsed
