"""Context use cases: the store's context, recent conversations and actions, the contextual prompt.

A window never holds more than 10 conversations or 50 actions: each entry takes a sequence
number (an atomic ADD on the context item) and is written to slot `seq mod 10` (or 50) on
condition that the slot holds nothing newer, so the ring overwrites its oldest entry and a
late writer never replaces a newer one. Entries expire after 30 days (TTL), and reads ignore
any that are older but not yet removed. A conversation is also recorded as a session, so that
its feedback makes it a training example like any other AI call.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..core import clock, keys, persist, storage
from ..core.errors import NotFound, ValidationFailed
from ..core.extensions import Erasure
from ..core.ids import new_id
from ..core.schemas import ClientId, Page
from ..sessions import service as sessions
from ..sessions.schemas import SessionCreate
from . import prompting
from .schemas import (
    MAX_CONVERSATIONS,
    MAX_OPTIMIZATIONS,
    RETENTION_DAYS,
    ContextListQuery,
    ContextPrompt,
    ContextPut,
    ContextSummary,
    ContextWindow,
    Conversation,
    ConversationCreate,
    OptimizationAction,
    OptimizationCreate,
    StoreId,
)
from .store import ContextEntry, ContextItem, entries_of, user_context_items, windows_page

CONVERSATION_CATEGORY = "conversation"
_RINGS = {"CONV": (MAX_CONVERSATIONS, "conversation_seq"), "OPT": (MAX_OPTIMIZATIONS, "optimization_seq")}


def put_context(tenant_id: str, user_id: str, store_id: str, body: ContextPut) -> ContextWindow:
    _check_ids(user_id, store_id)
    key = keys.context_window(tenant_id, user_id, store_id)
    now = clock.iso(clock.now())
    item = ContextItem(key.pk, key.sk)
    item.update(
        actions=[
            ContextItem.kind.set(ContextItem),
            ContextItem.user_id.set(user_id),
            ContextItem.store_id.set(store_id),
            ContextItem.store_url.set(body.store_url) if body.store_url else ContextItem.store_url.remove(),
            ContextItem.store_type.set(body.store_type) if body.store_type else ContextItem.store_type.remove(),
            ContextItem.store_data.set(body.store_data) if body.store_data else ContextItem.store_data.remove(),
            ContextItem.current_issues.set(body.current_issues) if body.current_issues else ContextItem.current_issues.remove(),
            ContextItem.updated_at.set(now),
            *_listed(tenant_id, user_id, store_id, now),
        ],
        add_version_condition=False,
    )
    return get_window(tenant_id, user_id, store_id)


def add_conversation(tenant_id: str, user_id: str, store_id: str, body: ConversationCreate) -> Conversation:
    """Record an exchange made outside Learnloop: in the window, and as a session that feedback can rate."""
    _check_ids(user_id, store_id)
    session = sessions.create_session(
        tenant_id,
        SessionCreate(
            user_id=user_id,
            category_key=body.category or CONVERSATION_CATEGORY,
            input=body.user_message,
            output=body.ai_response,
            features={"store_id": store_id},
        ),
    )
    return record_exchange(tenant_id, user_id, store_id, body.user_message, body.ai_response, body.category, session.session_id)


def record_exchange(
    tenant_id: str,
    user_id: str,
    store_id: str,
    user_message: str,
    ai_response: str,
    category: str | None,
    session_id: str | None,
) -> Conversation:
    entry = _append(
        tenant_id,
        user_id,
        store_id,
        "CONV",
        user_message=user_message,
        ai_response=ai_response,
        category=category,
        session_id=session_id,
    )
    return _conversation(entry)


def add_optimization(tenant_id: str, user_id: str, store_id: str, body: OptimizationCreate) -> OptimizationAction:
    _check_ids(user_id, store_id)
    entry = _append(tenant_id, user_id, store_id, "OPT", action=body.action, result=body.result, details=body.details or None)
    return _optimization(entry)


def get_window(tenant_id: str, user_id: str, store_id: str) -> ContextWindow:
    _check_ids(user_id, store_id)
    head = persist.find(ContextItem, keys.context_window(tenant_id, user_id, store_id))
    cutoff = clock.iso(clock.now() - timedelta(days=RETENTION_DAYS))
    entries = [item for item in entries_of(tenant_id, user_id, store_id) if item.created_at >= cutoff]
    if head is None and not entries:
        raise NotFound(f"no context for user {user_id} and store {store_id}")
    conversations = sorted((e for e in entries if e.entry_kind == "CONV"), key=lambda e: e.seq)[-MAX_CONVERSATIONS:]
    optimizations = sorted((e for e in entries if e.entry_kind == "OPT"), key=lambda e: e.seq)[-MAX_OPTIMIZATIONS:]
    return ContextWindow(
        id=f"{user_id}/{store_id}",
        user_id=user_id,
        store_id=store_id,
        store_url=head.store_url if head else None,
        store_type=head.store_type if head else None,
        store_data=(head.store_data or {}) if head else {},
        current_issues=list(head.current_issues or []) if head else [],
        conversations=[_conversation(e) for e in conversations],
        optimizations=[_optimization(e) for e in optimizations],
        updated_at=head.updated_at if head else None,
    )


def list_windows(tenant_id: str, query: ContextListQuery) -> Page[ContextSummary]:
    """The tenant's context windows, the most recently updated first (one user's when asked)."""
    found, cursor = windows_page(tenant_id, query.user_id, query.limit, query.cursor)
    items = [
        ContextSummary.of(
            item,
            id=f"{item.user_id}/{item.store_id}",
            current_issues=list(item.current_issues or []),
            conversations_recorded=int(item.conversation_seq or 0),
            optimizations_recorded=int(item.optimization_seq or 0),
        )
        for item in found
    ]
    return Page[ContextSummary](items=items, next_cursor=cursor)


def contextual_prompt(tenant_id: str, user_id: str, store_id: str, message: str, max_chars: int | None) -> ContextPrompt:
    try:
        window = get_window(tenant_id, user_id, store_id)
    except NotFound:
        window = ContextWindow(id=f"{user_id}/{store_id}", user_id=user_id, store_id=store_id)
    text, conversations, optimizations, truncated = prompting.build(window, message, max_chars)
    return ContextPrompt(
        prompt=text,
        length=len(text),
        conversations_included=conversations,
        optimizations_included=optimizations,
        truncated=truncated,
    )


def erase_user_data(erasure: Erasure) -> None:
    """Every context window of the user (their own partition: each store's head and its entries), counted as
    `contexts`, one per store (a user erasure, chalicelib/contributions.py)."""
    tenant_id, user_id = erasure.tenant_id, erasure.user_id
    items = user_context_items(tenant_id, user_id)
    stores = {item.sk.split("#")[1] for item in items}
    erasure.delete_counted(items, "contexts", {keys.context_window(tenant_id, user_id, store).sk: 1 for store in stores})


def _append(tenant_id: str, user_id: str, store_id: str, kind: str, **fields: Any) -> ContextEntry:
    size, seq_field = _RINGS[kind]
    head_key = keys.context_window(tenant_id, user_id, store_id)
    head = ContextItem(head_key.pk, head_key.sk)
    now = clock.now()
    head.update(
        actions=[
            getattr(ContextItem, seq_field).add(1),
            ContextItem.kind.set(ContextItem),
            ContextItem.user_id.set(user_id),
            ContextItem.store_id.set(store_id),
            ContextItem.updated_at.set(clock.iso(now)),
            *_listed(tenant_id, user_id, store_id, clock.iso(now)),
        ],
        add_version_condition=False,
    )
    seq = int(getattr(head, seq_field))
    key = keys.context_entry(tenant_id, user_id, store_id, kind, seq % size)
    entry = ContextEntry(
        key.pk,
        key.sk,
        entry_kind=kind,
        seq=seq,
        entry_id=new_id("ctx"),
        created_at=clock.iso(now),
        expires_at=now + timedelta(days=RETENTION_DAYS),
        **fields,
    )
    try:
        # The slot's previous tenant was `size` entries ago; never replace something newer.
        storage.commit([storage.Put(entry, ContextEntry.seq.does_not_exist() | (ContextEntry.seq < seq))])
    except storage.ConditionFailed:
        pass  # a newer entry already holds the slot: this one is beyond the window
    return entry


def _listed(tenant_id: str, user_id: str, store_id: str, now: str) -> list[Any]:
    """The window's place in the tenant's list (GSI3), most recently updated first."""
    return [
        ContextItem.gsi3pk.set(keys.context_windows_of(tenant_id)),
        ContextItem.gsi3sk.set(f"{now}#{user_id}#{store_id}"),
    ]


def _check_ids(user_id: str, store_id: str) -> None:
    from pydantic import TypeAdapter, ValidationError

    try:
        TypeAdapter(ClientId).validate_python(user_id)
    except ValidationError:
        raise ValidationFailed.field("path.user_id", "must be 1 to 128 printable characters", "pattern") from None
    try:
        TypeAdapter(StoreId).validate_python(store_id)
    except ValidationError:
        raise ValidationFailed.field("path.store_id", "must be letters, digits, . _ : - (1 to 128)", "pattern") from None


def _conversation(entry: ContextEntry) -> Conversation:
    return Conversation(
        id=entry.entry_id,
        seq=int(entry.seq),
        user_message=entry.user_message or "",
        ai_response=entry.ai_response or "",
        category=entry.category,
        session_id=entry.session_id,
        created_at=entry.created_at,
    )


def _optimization(entry: ContextEntry) -> OptimizationAction:
    return OptimizationAction(
        id=entry.entry_id,
        seq=int(entry.seq),
        action=entry.action or "",
        result=entry.result or "",
        details=entry.details or {},
        created_at=entry.created_at,
    )
