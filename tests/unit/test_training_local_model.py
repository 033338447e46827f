"""The offline fine-tuned model: its scoring (token F1), its nearest-input index, its fallback to the base model."""

from __future__ import annotations

import pytest

from chalicelib.providers import local
from chalicelib.providers.base import CompletionRequest, ProviderError
from chalicelib.training.local_model import Index, token_f1


def test_token_f1() -> None:
    assert token_f1("the red roses", "the red roses") == 1.0
    assert token_f1("Red, roses!", "red roses") == 1.0  # case and punctuation do not count
    assert token_f1("red tulips", "red roses") == pytest.approx(0.5)
    assert token_f1("blue sky", "red roses") == 0.0
    assert token_f1("", "") == 1.0 and token_f1("", "x") == 0.0
    assert token_f1("roses roses roses", "roses") == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))


def request(prompt: str, task: str | None = "content_caption") -> CompletionRequest:
    return CompletionRequest(
        model_id="local:ft-test", messages=[{"role": "user", "content": prompt}], task=task, tenant_id="ten_1"
    )


def test_the_index_answers_with_the_nearest_training_input_and_falls_back_to_its_base() -> None:
    index = Index(
        "local:sage",
        ["caption for a romantic wedding bouquet of pink roses", "caption for a birthday bouquet of yellow tulips"],
        ["Pink roses for the big day.", "Tulips that shout happy birthday!"],
    )
    assert index.nearest("Caption for a romantic WEDDING bouquet of pink roses")[1] == pytest.approx(1.0)
    assert index.respond(request("caption for a romantic wedding bouquet of pink roses")) == "Pink roses for the big day."
    assert (
        index.respond(request("caption for a birthday bouquet of yellow tulips, please")) == "Tulips that shout happy birthday!"
    )
    unrelated = request("write a hook about running shoes")
    assert index.nearest(unrelated.prompt)[1] < index.threshold
    assert index.respond(unrelated) == local.answer(CompletionRequest(**{**unrelated.__dict__, "model_id": "local:sage"}))
    assert Index.loads(index.dumps()).respond(request("caption for a birthday bouquet of yellow tulips")) == (
        "Tulips that shout happy birthday!"
    )


def test_an_empty_index_is_its_base_model() -> None:
    index = Index("local:swift", [], [])
    assert index.nearest("anything") == (None, 0.0)
    assert index.respond(request("roses and tulips")) == local.answer(
        CompletionRequest(
            model_id="local:swift", messages=[{"role": "user", "content": "roses and tulips"}], task="content_caption"
        )
    )


def test_the_family_needs_its_tenant() -> None:
    from chalicelib.training.local_model import answer

    with pytest.raises(ProviderError):
        answer(CompletionRequest(model_id="local:ft-x", messages=[{"role": "user", "content": "hi"}]))
