"""Training examples: one per session with feedback, kept in step with the session, reviewed by administrators.

A session counter (chalicelib/contributions.py): every feedback recorded, replaced
or erased, and every change of a session's manual corrections, ADDs the same deltas to the session's
example in the same transaction (creating it on the session's first feedback). So the example's
quality score is the session's own (`chalicelib.sessions.scoring.session_quality`) at every moment,
exactly. The example item holds no payload: input, output and corrected output are read from the
session when examples are listed or a dataset is built, so a 350 KB session is never copied.

An administrator's review (PATCH) sets `validated`, a quality override and an expected-output override
in attributes that feedback never writes: the review survives later feedback.
"""

from __future__ import annotations

import json
from typing import Any

from ..core import clock, keys, pagination, storage
from ..core.errors import NotFound, PayloadTooLarge
from ..core.extensions import SessionFacts
from ..core.schemas import Page
from ..sessions import scoring
from ..sessions import service as sessions
from ..tenancy import service as tenancy
from .schemas import Example, ExamplePatch, ExampleQuery
from .store import ExampleItem, walk_examples

# Session deltas (chalicelib/sessions/events.py) that an example mirrors, and the example's field for each.
MIRRORED = {
    "feedback": "feedback_count",
    "rated": "rated_count",
    "successes": "success_count",
    "quality_count": "quality_count",
    "quality_sum": "quality_sum",
    "rating_count": "rating_count",
    "rating_sum": "rating_sum",
    "likes": "likes",
    "dislikes": "dislikes",
    "regenerates": "regenerates",
    "corrections": "corrections_count",
}
MAX_EXPECTED_OUTPUT_BYTES = 100 * 1024
_PREFIX = "ex_"


def session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    """The example's share of a session event: ADD the mirrored deltas, (re)state its index keys."""
    changes = {field: deltas[name] for name, field in MIRRORED.items() if deltas.get(name)}
    if not changes:
        return []
    if facts.erasing and facts.feedback_user_id in (None, facts.user_id):
        # The session's owner is being erased: `erasure.erase_user` deletes the example; never recreate it here.
        return []
    key = keys.training_example(facts.tenant_id, facts.session_id)
    when = keys.time_sort(facts.created_at, facts.session_id)
    month = facts.created_at[:7]
    actions: list[Any] = [getattr(ExampleItem, field).add(value) for field, value in sorted(changes.items())]
    actions += [
        ExampleItem.kind.set(ExampleItem),
        ExampleItem.id.set(example_id(facts.session_id)),
        ExampleItem.session_id.set(facts.session_id),
        ExampleItem.user_id.set(facts.user_id),
        ExampleItem.category_key.set(facts.category_key),
        ExampleItem.created_at.set(facts.created_at),
        ExampleItem.updated_at.set(clock.iso(clock.now())),
        ExampleItem.gsi1pk.set(keys.training_examples_by_month(facts.tenant_id, month)),
        ExampleItem.gsi1sk.set(when),
        ExampleItem.gsi2pk.set(keys.user_items(facts.tenant_id, facts.user_id)),
        ExampleItem.gsi2sk.set(keys.example_of_user(facts.created_at, facts.session_id)),
        ExampleItem.gsi3pk.set(keys.training_examples_by_category(facts.tenant_id, facts.category_key, month)),
        ExampleItem.gsi3sk.set(when),
    ]
    for name in ("model_id", "experiment_id", "variant_id"):
        if getattr(facts, name):
            actions.append(getattr(ExampleItem, name).set(getattr(facts, name)))
    return [storage.Update(ExampleItem(key.pk, key.sk), actions)]


# --- what an example says ------------------------------------------------------------------------


def example_id(session_id: str) -> str:
    return _PREFIX + session_id.split("_", 1)[-1]


def session_of(example: str) -> str:
    if not example.startswith(_PREFIX) or len(example) <= len(_PREFIX):
        raise NotFound(f"no training example {example}")
    return "ses_" + example[len(_PREFIX) :]


def quality_of(item: ExampleItem) -> float | None:
    """The administrator's quality score when there is one, else the session's."""
    if item.quality_override is not None:
        return float(item.quality_override)
    return scoring.session_quality(float(item.quality_sum or 0), int(item.quality_count or 0), int(item.corrections_count or 0))


def is_example(item: ExampleItem) -> bool:
    """A session becomes an example with its first feedback (a correction alone makes none)."""
    return int(item.feedback_count or 0) > 0


def expected_output(item: ExampleItem, session: sessions.Recorded | None) -> tuple[Any, str | None]:
    """What the model should have answered, and where that comes from: an override, the user's correction, the AI."""
    if item.expected_output_override is not None:
        return item.expected_output_override, "override"
    if session is None:
        return None, None
    if session.corrected_output is not None:
        return session.corrected_output, "corrected_output"
    return session.output, ("output" if session.output is not None else None)


def as_text(value: Any) -> str | None:
    """A payload as training text: strings as they are, anything else as canonical JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# --- routes --------------------------------------------------------------------------------------


def list_examples(tenant_id: str, query: ExampleQuery) -> Page[Example]:
    """Examples newest first (by their session's creation), filtered, walking month partitions backwards."""
    state = pagination.decode(tenant_id, "training-examples", query.cursor) if query.cursor else None

    def keep(item: ExampleItem) -> bool:
        if not is_example(item):
            return False
        if query.validated is not None and bool(item.validated) != query.validated:
            return False
        if query.min_quality is not None:
            quality = quality_of(item)
            return quality is not None and quality >= query.min_quality
        return True

    newest = clock.iso(clock.now())
    oldest = tenancy.get_tenant(tenant_id).created_at
    found: list[ExampleItem] = []
    next_state = None
    for item, position in walk_examples(tenant_id, query.category_key, newest, oldest, keep=keep, start=state):
        found.append(item)
        if len(found) == query.limit:
            next_state = position
            break
    cursor = pagination.encode(tenant_id, "training-examples", next_state) if next_state else None
    return Page[Example](items=views(tenant_id, found), next_cursor=cursor)


def get_example(tenant_id: str, example: str) -> Example:
    item = _load(tenant_id, example)
    return views(tenant_id, [item])[0]


def patch_example(tenant_id: str, example: str, data: ExamplePatch) -> Example:
    session_id = session_of(example)
    key = keys.training_example(tenant_id, session_id)
    now = clock.iso(clock.now())
    given = data.model_fields_set
    actions: list[Any] = [ExampleItem.reviewed_at.set(now), ExampleItem.updated_at.set(now)]
    if "validated" in given:
        actions.append(
            ExampleItem.validated.set(data.validated) if data.validated is not None else ExampleItem.validated.remove()
        )
    if "quality_score" in given:
        actions.append(
            ExampleItem.quality_override.set(data.quality_score)
            if data.quality_score is not None
            else ExampleItem.quality_override.remove()
        )
    if "expected_output" in given:
        if data.expected_output is None:
            actions.append(ExampleItem.expected_output_override.remove())
        else:
            size = len(json.dumps(data.expected_output))
            if size > MAX_EXPECTED_OUTPUT_BYTES:
                raise PayloadTooLarge(f"expected_output is {size} bytes; the limit is {MAX_EXPECTED_OUTPUT_BYTES}")
            actions.append(ExampleItem.expected_output_override.set(data.expected_output))
    try:
        storage.commit([storage.Update(ExampleItem(key.pk, key.sk), actions, ExampleItem.feedback_count > 0)])
    except storage.ConditionFailed as exc:
        if exc.conflict:
            raise
        raise NotFound(f"no training example {example}") from exc
    return get_example(tenant_id, example)


def views(tenant_id: str, items: list[ExampleItem]) -> list[Example]:
    """The examples with their input, expected output and features read from their sessions (one BatchGetItem)."""
    found = sessions.recorded(tenant_id, [item.session_id for item in items])
    return [view(item, found.get(item.session_id)) for item in items]


def view(item: ExampleItem, session: sessions.Recorded | None) -> Example:
    expected, source = expected_output(item, session)
    return Example(
        id=item.id,
        example_id=item.id,
        session_id=item.session_id,
        user_id=item.user_id,
        category_key=item.category_key,
        input=session.input if session else None,
        expected_output=expected,
        expected_output_source=source,  # type: ignore[arg-type]
        quality_score=quality_of(item),
        quality_source="override" if item.quality_override is not None else ("feedback" if item.quality_count else None),
        validated=bool(item.validated),
        features=(session.features or {}) if session else {},
        model_id=item.model_id,
        experiment_id=item.experiment_id,
        variant_id=item.variant_id,
        feedback_count=int(item.feedback_count or 0),
        success_count=int(item.success_count or 0),
        regenerate_count=int(item.regenerates or 0),
        dislike_count=int(item.dislikes or 0),
        corrections_count=int(item.corrections_count or 0),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _load(tenant_id: str, example: str) -> ExampleItem:
    item = storage.get(ExampleItem, keys.training_example(tenant_id, session_of(example)))
    if item is None or not is_example(item):
        raise NotFound(f"no training example {example}")
    return item
