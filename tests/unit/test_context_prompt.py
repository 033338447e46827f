"""The contextual prompt: seed 004's shape, and never longer than max_chars."""

from __future__ import annotations

import pytest

from chalicelib.context import prompting
from chalicelib.context.schemas import ContextWindow, Conversation, OptimizationAction


def window(conversations: int = 1, optimizations: int = 2) -> ContextWindow:
    return ContextWindow(
        id="u/s",
        user_id="u",
        store_id="s",
        store_url="mystore.myshopify.com",
        store_type="shopify",
        store_data={"productCount": 150, "themes": ["dawn", "sense"], "currency": "EUR"},
        current_issues=["slow_loading", "poor_seo"],
        conversations=[
            Conversation(
                id=f"c{i}",
                seq=i,
                user_message="How to improve my product descriptions?",
                ai_response="I'll help you optimize your product descriptions...",
                created_at="2026-11-01T00:00:00.000Z",
            )
            for i in range(conversations)
        ],
        optimizations=[
            OptimizationAction(id=f"o{i}", seq=i, action=a, result="success", created_at="2026-11-01T00:00:00.000Z")
            for i, a in enumerate(["Image optimization", "SEO improvements"][:optimizations])
        ],
    )


def test_the_shape_of_seed_004s_example() -> None:
    text, conversations, optimizations, cut = prompting.build(window(), "How to fix my homepage speed?", None)
    assert text == (
        "Store Context:\n"
        "- URL: mystore.myshopify.com\n"
        "- Type: shopify\n"
        "- Products: 150 products\n"
        "- Themes: 2 themes\n"
        "- Current Issues: slow_loading, poor_seo\n"
        "- Currency: EUR\n\n"
        "Recent Conversations:\n"
        "- User: How to improve my product descriptions?\n"
        "- AI: I'll help you optimize your product descriptions...\n\n"
        "Recent Optimizations:\n"
        "- Image optimization: Success\n"
        "- SEO improvements: Success\n\n"
        "User Message: How to fix my homepage speed?\n\n"
        "Provide a context-aware response based on the store's specific situation and optimization history."
    )
    assert (conversations, optimizations, cut) == (1, 2, False)


def test_oldest_actions_go_first_then_oldest_conversations() -> None:
    full, *_ = prompting.build(window(conversations=3), "Speed?", None)
    limit = len(full) - 10
    text, conversations, optimizations, cut = prompting.build(window(conversations=3), "Speed?", limit)
    assert cut and len(text) <= limit
    assert optimizations == 1 and "SEO improvements" in text and "Image optimization" not in text
    assert conversations == 3
    text, conversations, optimizations, _ = prompting.build(window(conversations=3), "Speed?", limit - 150)
    assert optimizations == 0 and conversations < 3


@pytest.mark.parametrize("limit", [100, 150, 200, 260, 400, 700, 1000])
def test_never_longer_than_max_chars(limit: int) -> None:
    message = "Why is my checkout so slow? " * 40
    text, *_ = prompting.build(window(conversations=10, optimizations=2), message, limit)
    assert len(text) <= limit
