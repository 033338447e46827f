"""Other capabilities count session events in the same transaction as the event itself.

A session counter (`core.extensions.SessionCounter`, listed in chalicelib/contributions.py) is a function
`session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]`. It is
called when a session is created (deltas `sessions: 1`, plus its tokens, cost and timing; a generation's failed
calls in `facts.failed_calls`), when feedback is recorded or replaced (the difference the feedback makes:
`feedback`, `rated`, `successes`, `rating_sum`, `rating_sq_sum`, `rated_sessions`, ...), and when corrections change
(`corrections`, `corrected_sessions`). The ops it returns commit with the event, all or nothing,
so every counter moves exactly once. The counters' modules are imported on first use, not at cold start.
"""

from __future__ import annotations

from typing import Any

from ..core import extensions, storage
from ..core.extensions import SessionCounter, SessionFacts

__all__ = ["SessionFacts", "catalog_refs", "ops_for", "subscribe", "unsubscribe"]


def catalog_refs(features: Any) -> tuple[tuple[str, str], ...]:
    """The (kind, id) pairs of `features.catalog`, the tenant's catalog items a session used."""
    catalog = features.get("catalog") if isinstance(features, dict) else None
    if not isinstance(catalog, dict):
        return ()
    refs = {(str(kind), str(item)) for kind, items in catalog.items() for item in (items if isinstance(items, list) else [items])}
    return tuple(sorted(refs))


_extra: list[SessionCounter] = []


def subscribe(subscriber: SessionCounter) -> None:
    """Add a counter at run time (tests)."""
    _extra.append(subscriber)


def unsubscribe(subscriber: SessionCounter) -> None:
    if subscriber in _extra:
        _extra.remove(subscriber)


def ops_for(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    changes = {name: value for name, value in deltas.items() if value}
    if not changes:
        return []
    ops: list[storage.Op] = []
    for counter in [*extensions.installed().session_counters(), *_extra]:
        ops += counter(facts, dict(changes))
    return ops
