"""Other capabilities count session events in the same transaction as the event itself.

A subscriber is a module listed in `SUBSCRIBERS` with a function
`session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]`. It is
called when a session is created (deltas `sessions: 1`, plus its tokens, cost and timing),
when feedback is recorded or replaced (the difference the feedback makes: `feedback`, `rated`,
`successes`, `rating_sum`, `rating_sq_sum`, `rated_sessions`, ...), and when corrections change
(`corrections`, `corrected_sessions`). The ops it returns commit with the event, all or nothing,
so every counter moves exactly once. Subscribers are imported on first use, not at cold start.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core import storage

# Modules with a `session_counts` function; each capability that counts sessions adds itself here.
SUBSCRIBERS: list[str] = [
    "chalicelib.catalog.stats",
    "chalicelib.experiments.counting",
    "chalicelib.domain_catalog.service",
    "chalicelib.analytics.counting",
    "chalicelib.training.examples",
    "chalicelib.routing.learning",
]


@dataclass(frozen=True)
class SessionFacts:
    """What a subscriber may know of the session an event belongs to."""

    tenant_id: str
    session_id: str
    user_id: str
    category_key: str
    day: str
    created_at: str
    model_id: str | None = None
    experiment_id: str | None = None
    variant_id: str | None = None
    # The experiment's period of fixed weights the session counts in for its SRM check (None: in none).
    experiment_period: int | None = None
    # The user whose feedback this event is (None for the session's own events).
    feedback_user_id: str | None = None
    # True when the event undoes a session or a feedback being erased (a user's data deleted on request):
    # counters move by the negative deltas; subscribers that keep derived records must not recreate them.
    erasing: bool = False
    # Items of the tenant's own catalog the session used: `features.catalog` as {kind: [item ids]}.
    catalog_refs: tuple[tuple[str, str], ...] = ()
    # What the session recorded as its input and features (never changed after): request-level routing learns from them.
    input: Any = field(default=None, hash=False, compare=False)
    features: Any = field(default=None, hash=False, compare=False)


def catalog_refs(features: Any) -> tuple[tuple[str, str], ...]:
    """The (kind, id) pairs of `features.catalog`, the tenant's catalog items a session used."""
    catalog = features.get("catalog") if isinstance(features, dict) else None
    if not isinstance(catalog, dict):
        return ()
    refs = {(str(kind), str(item)) for kind, items in catalog.items() for item in (items if isinstance(items, list) else [items])}
    return tuple(sorted(refs))


Subscriber = Callable[[SessionFacts, dict[str, float]], list[storage.Op]]
_loaded: list[Subscriber] | None = None
_extra: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Add a subscriber at run time (tests)."""
    _extra.append(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _extra:
        _extra.remove(subscriber)


def ops_for(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    global _loaded
    if _loaded is None:
        _loaded = [importlib.import_module(name).session_counts for name in SUBSCRIBERS]
    changes = {name: value for name, value in deltas.items() if value}
    if not changes:
        return []
    ops: list[storage.Op] = []
    for subscriber in [*_loaded, *_extra]:
        ops += subscriber(facts, dict(changes))
    return ops
