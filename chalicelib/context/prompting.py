"""The contextual prompt of seed 004, fitted to `max_chars` by dropping the oldest and least useful parts first.

Shape (seed 004's example):

    Store Context:
    - URL: mystore.myshopify.com
    - Type: shopify
    - Products: 150 products
    ...
    - Current Issues: slow_loading, poor_seo

    Recent Conversations:
    - User: ...
    - AI: ...

    Recent Optimizations:
    - Image optimization: Success

    User Message: ...

    Provide a context-aware response based on the store's specific situation and optimization history.

When the whole does not fit, parts go in this order until it does: optimisation actions (oldest
first), conversations (oldest first), the store's other data fields, then its URL, type, counts and
issues; last, the user's message itself is shortened. The result never exceeds `max_chars`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .schemas import ContextWindow

INSTRUCTION = "Provide a context-aware response based on the store's specific situation and optimization history."
_CORE_FIELDS = ("products", "productCount", "product_count", "themes", "themeCount", "theme_count")


@dataclass
class _Part:
    section: str  # store | conversations | optimizations
    lines: list[str]
    drop_rank: tuple[int, int]  # lower goes first


def build(window: ContextWindow, message: str, max_chars: int | None) -> tuple[str, int, int, bool]:
    """The prompt, how many conversations and optimisations it kept, and whether anything was cut."""
    parts = _parts(window)
    dropped = False
    text = _render(parts, message)
    if max_chars is not None:
        for part in sorted(parts, key=lambda p: p.drop_rank):
            if len(text) <= max_chars:
                break
            parts.remove(part)
            dropped = True
            text = _render(parts, message)
        if len(text) > max_chars:
            dropped = True
            text = _shorten_message(parts, message, max_chars)
    conversations = sum(1 for p in parts if p.section == "conversations")
    optimizations = sum(1 for p in parts if p.section == "optimizations")
    return text, conversations, optimizations, dropped


def _parts(window: ContextWindow) -> list[_Part]:
    parts: list[_Part] = []
    core: list[str] = []
    if window.store_url:
        core.append(f"- URL: {window.store_url}")
    if window.store_type:
        core.append(f"- Type: {window.store_type}")
    data = window.store_data
    products = _count(data, "products", "productCount", "product_count")
    if products is not None:
        core.append(f"- Products: {products} products")
    themes = _count(data, "themes", "themeCount", "theme_count")
    if themes is not None:
        core.append(f"- Themes: {themes} themes")
    if window.current_issues:
        core.append(f"- Current Issues: {', '.join(window.current_issues)}")
    if core:
        parts.append(_Part("store", core, (4, 0)))
    for rank, (key, value) in enumerate(sorted(data.items())):
        if key not in _CORE_FIELDS:
            parts.append(_Part("store", [f"- {_label(key)}: {_value(value)}"], (3, rank)))
    for age, conversation in enumerate(window.conversations):
        lines = [f"- User: {conversation.user_message}"]
        if conversation.ai_response:
            lines.append(f"- AI: {conversation.ai_response}")
        parts.append(_Part("conversations", lines, (2, age)))
    for age, optimization in enumerate(window.optimizations):
        parts.append(_Part("optimizations", [f"- {optimization.action}: {optimization.result.capitalize()}"], (1, age)))
    return parts


def _render(parts: list[_Part], message: str) -> str:
    blocks: list[str] = []
    for title, section in (
        ("Store Context:", "store"),
        ("Recent Conversations:", "conversations"),
        ("Recent Optimizations:", "optimizations"),
    ):
        lines = [line for part in parts if part.section == section for line in part.lines]
        if lines:
            blocks.append("\n".join([title, *lines]))
    blocks.append(f"User Message: {message}")
    blocks.append(INSTRUCTION)
    return "\n\n".join(blocks)


def _shorten_message(parts: list[_Part], message: str, max_chars: int) -> str:
    overhead = len(_render(parts, ""))
    room = max_chars - overhead - 1
    if room > 0:
        return _render(parts, message[:room] + "…")
    return _render(parts, message)[:max_chars]


def _count(data: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = data.get(name)
        if isinstance(value, list):
            return len(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def _label(key: str) -> str:
    spaced = "".join(f" {c.lower()}" if c.isupper() else c for c in key).replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:]


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value[:10]) + (f" (+{len(value) - 10} more)" if len(value) > 10 else "")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(v)}" for k, v in list(value.items())[:10])
    return str(value)
