"""The OpenAI-compatible chat route in process: the whole conversation is the session's input (routing reads its
text), `finish_reason` says when the answer was cut at max_tokens, and an experiment variant's prompt is rendered
with the request's metadata entries (422 naming the missing one)."""

from __future__ import annotations

from chalicelib.core.limits import PROMPT_MAX_CHARS
from tests.conftest import Api, Tenant

HEADERS = {"Learnloop-User-Id": "florist-1", "Learnloop-Category": "content_caption"}
CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Which flowers for a June wedding?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "stock", "arguments": '{"month": 6}'}}],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "peonies, garden roses"},
    {"role": "user", "content": "Write the caption with those"},
]


def chat(api: Api, tenant: Tenant, headers: dict[str, str] | None = None, **body: object) -> tuple[int, dict]:
    reply = api.post("/openai/v1/chat/completions", body, key=tenant.app, headers=headers or HEADERS)
    return reply.status, reply.body


def test_the_whole_conversation_is_the_sessions_input_and_routing_reads_its_text(api: Api, tenant: Tenant) -> None:
    status, made = chat(api, tenant, model="local:echo", messages=CONVERSATION)
    assert status == 200, made
    # local:echo answers the user's messages
    assert made["choices"][0]["message"]["content"] == "Which flowers for a June wedding?\nWrite the caption with those"
    assert made["choices"][0]["finish_reason"] == "stop"
    session = api.get(f"/v1/sessions/{made['learnloop']['session_id']}", key=tenant.read).body
    # Tool calls and results as they were sent (a null field is left out, as the models are sent it).
    sent = [{k: v for k, v in m.items() if v is not None} for m in CONVERSATION]
    assert session["input"] == {"messages": sent} and len(sent[2]["tool_calls"]) == 1
    # Request-level routing reads the conversation's text, every message of it.
    from chalicelib.generation.chat import Chat
    from chalicelib.sdk_compat.service import _prompt_of

    assert _prompt_of(Chat(CONVERSATION)) == (
        "Be brief.\nWhich flowers for a June wedding?\npeonies, garden roses\nWrite the caption with those"
    )

    too_long = [{"role": "user", "content": "x" * (PROMPT_MAX_CHARS // 2 + 1)}] * 2
    status, refused = chat(api, tenant, model="local:echo", messages=too_long)
    assert status == 413 and refused["error"]["details"][0]["field"] == "body.messages", refused


def test_finish_reason_is_length_when_the_answer_was_cut_at_max_tokens(api: Api, tenant: Tenant) -> None:
    messages = [{"role": "user", "content": "Write a long caption about roses, peonies and tulips for the shop"}]
    status, whole = chat(api, tenant, model="local:sage", messages=messages)
    assert status == 200 and whole["choices"][0]["finish_reason"] == "stop"
    assert whole["usage"]["completion_tokens"] > 3
    status, cut = chat(api, tenant, model="local:sage", messages=messages, max_tokens=3)
    assert status == 200 and cut["choices"][0]["finish_reason"] == "length", cut
    assert cut["usage"]["completion_tokens"] <= 3
    assert whole["choices"][0]["message"]["content"].startswith(cut["choices"][0]["message"]["content"])


def test_an_experiment_variants_prompt_is_rendered_with_the_requests_metadata(api: Api, tenant: Tenant) -> None:
    created = api.post(
        "/v1/experiments",
        {
            "name": "Caption voice",
            "category_key": "content_caption",
            "metric": "success",
            "auto_optimize": False,
            "variants": [
                {"id": "shop", "name": "Shop", "prompt": "You write captions for {shop} in {city}.", "weight": 1,
                 "is_control": True, "model_id": "local:echo"},
            ],
        },
        key=tenant.admin,
    )  # fmt: skip
    assert created.status == 201, created.body
    messages = [{"role": "user", "content": "A caption for {tulips}"}]  # braces in a message are text, not a template
    status, made = chat(api, tenant, model="learnloop/content_caption", messages=messages,
                        metadata={"user_id": "u-1", "shop": "Bloom & Co", "city": "Lyon"})  # fmt: skip
    assert status == 200, made
    assert made["learnloop"]["variant_id"] == "shop"
    session = api.get(f"/v1/sessions/{made['learnloop']['session_id']}", key=tenant.read).body
    assert session["prompt"]["system"] == "You write captions for Bloom & Co in Lyon."
    assert session["input"] == {"messages": messages}
    status, refused = chat(api, tenant, model="learnloop/content_caption", messages=messages,
                           metadata={"user_id": "u-1", "shop": "Bloom & Co"})  # fmt: skip
    assert status == 422, refused
    assert [d["field"] for d in refused["error"]["details"]] == ["body.metadata.city"]
