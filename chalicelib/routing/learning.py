"""Request-level routing learns from feedback: a sessions subscriber that moves the model's statistics.

Listed in `chalicelib.sessions.events.SUBSCRIBERS`, so it runs inside the transaction of every
feedback recorded, replaced or erased (and of every session created or erased, which carry no
rated answer and move nothing here). The deltas it receives are the difference the event makes to
what was counted before: `quality_count` (rated answers) and `quality_sum` (their quality scores).
It encodes what the session recorded, its `input` and `features` (`features.encode`, the same
encoding routing applies to the request), and ADDs `request_model.observation_deltas` at that x to
the statistics of the session's model on its category. A session's input and features never
change after it is recorded, so a replaced feedback moves the statistics by exactly the change of
its score and an erased one takes back exactly what it added: each feedback counts once, in the
transaction that records it, however often the client retried.
"""

from __future__ import annotations

from ..core import storage
from ..sessions.events import SessionFacts
from . import features, request_model, store


def session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    if not facts.model_id:
        return []
    count, total = float(deltas.get("quality_count", 0) or 0), float(deltas.get("quality_sum", 0) or 0)
    if not count and not total:
        return []
    encoded = features.encode(facts.input, facts.features)
    slot_deltas = request_model.observation_deltas(encoded.x, count, total)
    return store.add_ops(facts.tenant_id, facts.category_key, facts.model_id, slot_deltas, seed=facts.session_id)
