"""Adoption in one line, against the real local stack: the unmodified openai SDK on /openai/v1 (chat completions,
streaming, images, models, errors, tools), experiments a base_url client meets, feedback by the session id, and
the Python client `clients/python` (every method; its retries under the fault layer write once).

One stack for the module. Its fault layer cancels the first 10 transactions that write a session (8 tries answer a
503 `storage_busy`): the first test meets them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
import requests

from tests.fakes.openai_server import FakeOpenAI

from .conftest import ROOT_KEY, LocalStack, start_stack

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))

import learnloop
from learnloop import models as client_models
from learnloop.openai import OpenAI as DropIn

pytestmark = pytest.mark.e2e
TEXT = "Peonies and ranunculus for a June wedding"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, fake: FakeOpenAI) -> Iterator[LocalStack]:
    env = {
        "LEARNLOOP_CHAOS": "conflict_first=10,item=#SESSION#",
        "LEARNLOOP_PROVIDERS": json.dumps({"fakeai": {"base_url": fake.base_url, "api_key": "fake"}}),
        "LEARNLOOP_SCHEDULER_TICK": "3600",
    }
    running = start_stack(tmp_path_factory.mktemp("openai-stack"), extra_env=env)
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="module")
def keys(stack: LocalStack) -> dict[str, str]:
    made = stack.call("POST", "/v1/tenants", key=ROOT_KEY, json={"name": "Bloom", "domain": "bloom.example"})
    assert made.status_code == 201, made.text
    admin = made.json()["api_key"]["key"]
    app = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "backend", "role": "app"}).json()["key"]
    return {"admin": admin, "app": app}


@pytest.fixture(scope="module")
def sdk(stack: LocalStack, keys: dict[str, str]) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{stack.url}/openai/v1", api_key=keys["app"], max_retries=0)


def session(stack: LocalStack, keys: dict[str, str], session_id: str) -> dict[str, Any]:
    reply = stack.call("GET", f"/v1/sessions/{session_id}", key=keys["app"])
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_client_retries_through_the_fault_layer_write_each_session_once(stack: LocalStack, keys: dict[str, str]) -> None:
    client = learnloop.Learnloop(keys["app"], stack.url, backoff_seconds=0.05)
    created = client.create_session("retrier", "content_caption", {"text": TEXT}, output="A June wedding")
    # The first try met 8 injected conflicts (503, Retry-After: 1); the retry, with the same Idempotency-Key, wrote.
    assert client.transport.attempts == 2
    assert [s.session_id for s in client.sessions(user_id="retrier")] == [created.session_id]
    replayed = client.create_session(
        "retrier", "content_caption", {"text": TEXT}, output="A June wedding", idempotency_key="fixed-key"
    )
    again = client.create_session(
        "retrier", "content_caption", {"text": TEXT}, output="A June wedding", idempotency_key="fixed-key"
    )
    assert again.session_id == replayed.session_id
    assert sorted(s.session_id for s in client.sessions(user_id="retrier")) == sorted({created.session_id, replayed.session_id})
    summary = client.summary(days=1)
    assert summary.total_sessions == 2


def test_the_unmodified_sdk_chats_and_every_call_is_a_session(
    stack: LocalStack, keys: dict[str, str], sdk: openai.OpenAI
) -> None:
    raw = sdk.chat.completions.with_raw_response.create(
        model="local:echo",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": TEXT}],
        extra_headers={"Learnloop-User-Id": "florist-1", "Learnloop-Category": "content_caption"},
    )
    completion = raw.parse()
    assert completion.choices[0].message.content == TEXT  # local:echo answers the user's message
    assert completion.model == "local:echo"
    session_id = raw.headers["Learnloop-Session-Id"]
    assert completion.learnloop["session_id"] == session_id  # type: ignore[attr-defined]
    recorded = session(stack, keys, session_id)
    assert (recorded["user_id"], recorded["category_key"], recorded["model_id"]) == ("florist-1", "content_caption", "local:echo")
    # The whole conversation is the session's input.
    assert recorded["input"] == {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": TEXT}]}
    assert recorded["output"] == TEXT
    assert recorded["usage"] == {
        "input_tokens": completion.usage.prompt_tokens,
        "output_tokens": completion.usage.completion_tokens,
    }
    assert recorded["cost_usd"] == 0.0 and recorded["selected_by"] == "user_override"
    assert recorded["attempts"][0]["model_id"] == "local:echo" and recorded["attempts"][0]["ok"] is True

    # learnloop/auto: routing chooses within the category, and its decision is the session's.
    auto = sdk.chat.completions.create(
        model="learnloop/auto",
        messages=[{"role": "user", "content": TEXT}],
        metadata={"user_id": "florist-2", "category": "content_caption", "channel": "instagram"},
    )
    routed = session(stack, keys, auto.learnloop["session_id"])  # type: ignore[attr-defined]
    assert routed["selected_by"] == "auto" and routed["model_id"] == auto.model
    assert auto.model in {c["model_id"] for c in routed["candidates"]}
    assert {c["model_id"] for c in routed["candidates"]} <= {"local:echo", "local:swift", "local:sage", "fakeai:tools"}
    assert routed["features"] == {"channel": "instagram"} and routed["user_id"] == "florist-2"

    # Feedback by the session id alone: the session's user gives it.
    feedback = stack.call("POST", "/openai/v1/feedback", key=keys["app"], json={"session_id": session_id, "rating": 5})
    assert feedback.status_code == 201, feedback.text
    assert session(stack, keys, session_id)["feedback"][0]["user_id"] == "florist-1"


def test_streaming_images_models_and_errors_through_the_sdk(stack: LocalStack, keys: dict[str, str], sdk: openai.OpenAI) -> None:
    chunks = list(
        sdk.chat.completions.create(
            model="local:echo",
            messages=[{"role": "user", "content": TEXT}],
            stream=True,
            stream_options={"include_usage": True},
            extra_headers={"Learnloop-Category": "content_caption"},
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    usage = chunks[-1].usage
    streamed = session(stack, keys, chunks[0].learnloop["session_id"])  # type: ignore[attr-defined]
    assert streamed["output"] == TEXT and streamed["usage"]["output_tokens"] == usage.completion_tokens

    listed = {m.id: m.owned_by for m in sdk.models.list()}
    assert listed["local:echo"] == "local" and listed["learnloop/auto"] == "learnloop"
    assert listed["learnloop/content_caption"] == "learnloop" and "openai:gpt-4o-mini" in listed

    image = sdk.images.generate(model="local:petal", prompt="pink peonies in a glass vase", size="256x256")
    png = requests.get(image.data[0].url, timeout=10).content
    made = session(stack, keys, image.learnloop["session_id"])  # type: ignore[attr-defined]
    assert made["category_key"] == "image_social" and made["images"][0]["sha256"] == hashlib.sha256(png).hexdigest()
    inline = sdk.images.generate(
        model="local:petal", prompt="pink peonies in a glass vase", size="256x256", response_format="b64_json"
    )
    assert base64.b64decode(inline.data[0].b64_json) == png  # the same deterministic design, read back from the store

    with pytest.raises(openai.NotFoundError) as missing:
        sdk.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "hi"}])
    assert missing.value.body["code"] == "model_not_found" and missing.value.body["type"] == "invalid_request_error"
    with pytest.raises(openai.UnprocessableEntityError) as invalid:
        sdk.chat.completions.create(model="learnloop/auto", messages=[{"role": "user", "content": "hi"}])
    assert invalid.value.body["param"] == "header.Learnloop-Category"
    with pytest.raises(openai.AuthenticationError) as refused:
        openai.OpenAI(base_url=f"{stack.url}/openai/v1", api_key="ll.nope", max_retries=0).models.list()
    assert refused.value.body["type"] == "authentication_error"


def test_tools_and_response_format_reach_only_the_models_that_take_them(
    stack: LocalStack, keys: dict[str, str], sdk: openai.OpenAI, fake: FakeOpenAI
) -> None:
    model = {
        "model_name": "Tools (fake)",
        "provider": "fakeai",
        "capabilities": ["text_generation", "function_calling"],
        "cost_bucket": "low",
        "cost_per_1k_input": 1.0,  # costs under 1e-4 are written as "4e-05", which moto cannot add to (billing)
        "cost_per_1k_output": 2.0,
        "context_window": 8000,
        "max_tokens": 1000,
        "average_speed_ms": 50,
        "is_active": True,
        "is_recommended": False,
        "priority_rank": 5,
        "description": "A fake OpenAI-compatible model that calls tools",
        "use_cases": [],
        "limitations": "",
    }
    assert stack.call("PUT", "/v1/models/fakeai:tools", key=keys["admin"], json=model).status_code in (200, 201)
    tools = [{"type": "function", "function": {"name": "find_bouquet", "parameters": {"type": "object", "properties": {}}}}]
    called = sdk.chat.completions.create(
        model="fakeai:tools",
        messages=[{"role": "user", "content": TEXT}],
        tools=tools,
        response_format={"type": "json_object"},
        extra_headers={"Learnloop-Category": "content_caption"},
    )
    [call] = called.choices[0].message.tool_calls
    assert call.function.name == "find_bouquet" and json.loads(call.function.arguments) == {"text": TEXT}
    assert called.choices[0].finish_reason == "tool_calls"
    sent = fake.requests[-1]["body"]
    assert sent["tools"] == tools and "response_format" not in sent  # the model has no json_mode
    assert called.learnloop["ignored_parameters"] == ["response_format"]  # type: ignore[attr-defined]
    assert session(stack, keys, called.learnloop["session_id"])["output"]["tool_calls"][0]["function"]["name"] == "find_bouquet"  # type: ignore[attr-defined]


def test_an_experiment_on_a_category_changes_what_a_base_url_client_gets(
    stack: LocalStack, keys: dict[str, str], sdk: openai.OpenAI
) -> None:
    client = learnloop.Learnloop(keys["admin"], stack.url)
    experiment = client.create_experiment(
        "echo or swift",
        [
            {"id": "echo", "name": "Echo", "model_id": "local:echo", "weight": 1, "is_control": True},
            {"id": "swift", "name": "Swift", "model_id": "local:swift", "weight": 1},
        ],
        category_key="content_hooks",
    )
    assert [e.experiment_id for e in client.experiments(status="running")] == [experiment.experiment_id]
    got: dict[str, str] = {}
    for i in range(8):
        user = f"viewer-{i}"
        answers = [
            sdk.chat.completions.create(
                model="learnloop/content_hooks",
                messages=[{"role": "user", "content": TEXT}],
                extra_headers={"Learnloop-User-Id": user},
            )
            for _ in range(2)
        ]
        variants = {a.learnloop["variant_id"] for a in answers}  # type: ignore[attr-defined]
        assert len(variants) == 1  # sticky per Learnloop-User-Id
        got[user] = variants.pop()
        assert client.assign(experiment.experiment_id, user).variant_id == got[user]
        expected_model = "local:echo" if got[user] == "echo" else "local:swift"
        assert {a.model for a in answers} == {expected_model}
        if got[user] == "echo":
            assert answers[0].choices[0].message.content == TEXT
        else:
            assert answers[0].choices[0].message.content != TEXT
    assert set(got.values()) == {"echo", "swift"}
    results = client.experiment_results(experiment.experiment_id)
    counted = {v["variant_id"]: v["sessions"] for v in results.variants}
    assert counted == {v: 2 * list(got.values()).count(v) for v in ("echo", "swift")}


def test_the_drop_in_client_and_the_track_decorator(stack: LocalStack, keys: dict[str, str], fake: FakeOpenAI) -> None:
    sent_keys: list[str | None] = []

    class FailingOnce(httpx2.HTTPTransport):
        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            sent_keys.append(request.headers.get("Idempotency-Key"))
            if len(sent_keys) == 1:  # the first attempt is lost on the way: the SDK retries it
                raise httpx2.ConnectError("dropped", request=request)
            return super().handle_request(request)

    dropin = DropIn(
        api_key=keys["app"],
        base_url=stack.url,
        user_id="dropper",
        category="content_caption",
        http_client=httpx2.Client(transport=FailingOnce()),
    )
    answer = dropin.chat.completions.create(model="local:echo", messages=[{"role": "user", "content": TEXT}])
    assert len(sent_keys) == 2 and sent_keys[0] is not None and sent_keys[0] == sent_keys[1]
    reader = learnloop.Learnloop(keys["app"], stack.url)
    [recorded] = list(reader.sessions(user_id="dropper"))
    assert recorded.session_id == answer.learnloop["session_id"] and recorded.model_id == "local:echo"  # type: ignore[attr-defined]
    other = dropin.for_user("dropper-2").chat.completions.create(model="local:echo", messages=[{"role": "user", "content": "x"}])
    assert reader.get_session(other.learnloop["session_id"]).user_id == "dropper-2"  # type: ignore[attr-defined]

    # The application's own OpenAI call (here the fake OpenAI), recorded by the decorator.
    own = openai.OpenAI(base_url=fake.base_url, api_key="sk-fake", max_retries=0)

    @learnloop.track(category="content_caption", client=reader, user_id="tracked-1")
    def caption(topic: str, tone: str = "warm") -> Any:
        return own.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"{tone} {topic}"}])

    made = caption("peonies", tone="playful")
    tracked = reader.get_session(learnloop.last_session_id() or "")
    assert tracked.input == {"topic": "peonies", "tone": "playful"}
    assert tracked.output == made.choices[0].message.content == "[gpt-4o-mini] playful peonies"
    assert tracked.model_id == "openai:gpt-4o-mini" and tracked.user_id == "tracked-1"
    assert tracked.features == {"prompt_tokens": made.usage.prompt_tokens, "completion_tokens": made.usage.completion_tokens}


def test_every_client_method_against_the_stack(stack: LocalStack, keys: dict[str, str]) -> None:
    app = learnloop.Learnloop(keys["app"], stack.url)
    admin = learnloop.Learnloop(keys["admin"], stack.url)
    made = [
        app.create_session(f"writer-{i}", "content_caption", {"text": f"caption {i}"}, output=f"draft {i}", model_id="local:sage")
        for i in range(5)
    ]
    assert isinstance(made[0], client_models.SessionCreated)
    for i, created in enumerate(made):
        patched = app.update_session(created.session_id, corrected_output=f"Blushing peonies, caption {i}")
        assert patched.corrected_output == f"Blushing peonies, caption {i}"
        recorded = app.feedback(created.session_id, f"writer-{i}", rating=5, thumbs="up")
        assert recorded.quality_score == 1.0 and recorded.replaced is False
    replaced = app.feedback(made[0].session_id, "writer-0", rating=4)
    assert replaced.replaced is True and replaced.quality_score == 0.75
    # Pagination: 5 sessions of the category fetched 2 at a time, newest first, none twice.
    paged = [s.session_id for s in app.sessions(category_key="content_caption", page_size=2) if s.user_id.startswith("writer-")]
    assert paged == [c.session_id for c in reversed(made)]
    detail = app.get_session(made[1].session_id)
    assert detail.feedback[0]["rating"] == 5 and detail.quality_score == 1.0

    generated = app.generate("writer-9", "content_caption", prompt=TEXT, model_id="local:echo")
    assert generated.output == TEXT and generated.usage.input_tokens > 0
    routed = app.route("content_caption", user_id="writer-9")
    assert routed.selected.model_id in {c["model_id"] for c in routed.candidates}

    examples = list(admin.training_examples(category_key="content_caption", min_quality=0.75, page_size=2))
    assert {e.session_id for e in examples} >= {c.session_id for c in made}
    dataset = admin.create_dataset(1, 4, category_key="content_caption", validation_split=0.2)
    assert dataset.train_count + dataset.validation_count == len(examples)
    job = admin.create_training_job(dataset.dataset_id, "local:sage")
    assert admin.get_training_job(job.job_id).status in ("pending", "running", "succeeded")

    model = admin.register_model("churn", "1.0", "classification", "logistic_regression", feature_columns=["visits"])
    assert [m.model_id for m in admin.registry_models(model_name="churn")] == [model.model_id]
    prediction = app.record_prediction("churn", "1.0", "classification", {"visits": 3}, "stays", confidence=0.8)
    assert prediction.prediction_id

    with pytest.raises(learnloop.NotFound) as missing:
        app.get_session("ses_missing")
    assert missing.value.status == 404 and missing.value.envelope["error"]["code"] == "not_found"
    with pytest.raises(learnloop.ValidationFailed) as invalid:
        app.feedback(made[0].session_id, "writer-0", rating=9)
    assert [d["field"] for d in invalid.value.details] == ["body.rating"]
    with pytest.raises(learnloop.PermissionDenied):
        app.create_dataset(1, 4)
