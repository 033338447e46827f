"""Providers: the offline models, and the real openai SDK against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from chalicelib.core.settings import ProviderSettings
from chalicelib.providers.base import CompletionRequest, ProviderError
from chalicelib.providers.local import LocalProvider, key_terms
from chalicelib.providers.openai_compat import OpenAICompatibleProvider
from tests.fakes.openai_server import FakeOpenAI

PROMPT = "Write a caption for our spring tulips and daffodils bouquet, pastel colours, for Mother's Day"


def ask(model_id: str, task: str = "content_caption", **kw) -> str:
    return LocalProvider().complete(CompletionRequest(model_id, [{"role": "user", "content": PROMPT}], task=task, **kw)).output


def test_offline_models_are_deterministic_and_differ_in_quality() -> None:
    assert ask("local:echo") == PROMPT
    assert ask("local:sage") == ask("local:sage")
    terms = key_terms(PROMPT)
    covered = {name: sum(term in ask(name).lower() for term in terms) for name in ("local:swift", "local:sage")}
    assert covered["local:sage"] == len(terms) > covered["local:swift"] == 3
    assert ask("local:swift", "content_hashtags").startswith("#caption")
    assert ask("local:sage", "content_ideas").startswith("Ideas:\n1.")


def test_offline_models_differ_in_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_LOCAL_LATENCY_SCALE", "1")

    def timed(model_id: str) -> float:
        began = time.perf_counter()
        ask(model_id)
        return time.perf_counter() - began

    assert timed("local:swift") < 0.05 < 0.09 < timed("local:sage")


def test_offline_usage_and_limits() -> None:
    completion = LocalProvider().complete(
        CompletionRequest("local:sage", [{"role": "user", "content": PROMPT}], task="content_caption", max_tokens=5)
    )
    assert completion.output_tokens <= 5 and completion.input_tokens > 10
    with pytest.raises(ProviderError) as raised:
        LocalProvider().complete(CompletionRequest("local:nope", [{"role": "user", "content": "x"}]))
    assert raised.value.kind == "unavailable"


@pytest.fixture
def server():
    fake = FakeOpenAI(slow_seconds=1.5).start()
    yield fake
    fake.stop()


def provider(server: FakeOpenAI, retries: int = 0) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(
        "openai", ProviderSettings(base_url=server.base_url, api_key="sk-test", timeout_seconds=0.5, max_retries=retries)
    )


def test_the_openai_sdk_over_http_returns_text_and_usage(server: FakeOpenAI) -> None:
    done = provider(server).complete(
        CompletionRequest("openai:gpt-4o-mini", [{"role": "user", "content": "hello there"}], max_tokens=50, temperature=0.3)
    )
    assert done.output == "[gpt-4o-mini] hello there"
    assert (done.input_tokens, done.output_tokens) == (9, 3)
    sent = server.requests[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    assert sent["body"]["max_tokens"] == 50 and sent["body"]["temperature"] == 0.3


@pytest.mark.parametrize(("model", "kind"), [("fail-429", "rate_limited"), ("fail-500", "server_error"), ("slow", "timeout")])
def test_provider_failures_become_provider_errors(server: FakeOpenAI, model: str, kind: str) -> None:
    with pytest.raises(ProviderError) as raised:
        provider(server).complete(CompletionRequest(f"openai:{model}", [{"role": "user", "content": "x"}]))
    assert raised.value.kind == kind


def test_the_sdk_retries_before_giving_up(server: FakeOpenAI) -> None:
    done = provider(server, retries=2).complete(CompletionRequest("openai:flaky-2", [{"role": "user", "content": "x"}]))
    assert done.output.startswith("[flaky-2]")
    assert server.calls["flaky-2"] == 3


def test_an_image_request_is_never_a_chat_call(server: FakeOpenAI) -> None:
    # Images are made by the image providers (providers/images.py) and stored in S3; the text provider refuses them.
    with pytest.raises(ProviderError) as refused:
        provider(server).complete(CompletionRequest("openai:dall-e-3", [{"role": "user", "content": "roses"}], kind="image"))
    assert refused.value.kind == "not_supported" and server.calls.get("dall-e-3", 0) == 0
