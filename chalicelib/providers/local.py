"""The offline `local` provider: models that need no key and no network, so the whole loop runs on a laptop.

- `local:echo` answers with the prompt itself, deterministically: for wiring and tests.
- `local:swift` is fast and terse: one line built from the request's first key terms.
- `local:sage` is slower and thorough: a structured answer, shaped by the task, covering every key term.

Their answers differ in quality (how much of the request they cover, how they are shaped) and
in speed (a simulated latency per call and per token, scaled by `LEARNLOOP_LOCAL_LATENCY_SCALE`),
so routing and experiments have something real to learn offline. Fine-tuned local models
(`local:ft-…`) are a local model family of the training capability's (chalicelib/contributions.py), registered with
`register_model` when a name no loaded model answers is first asked for.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable

from ..core import deadline, extensions
from ..core.settings import get_settings
from .base import Completion, CompletionRequest, ProviderError, count_tokens

_STOP = set(
    "a an and are as at be by for from has have in into is it its of on or that the this to was were will with "
    "create write make give generate design please about some your our my me we you i new get using use".split()
)

LocalModel = Callable[[CompletionRequest], str]
_MODELS: dict[str, tuple[LocalModel, float, float]] = {}
_families_loaded = False  # the local model families (core/extensions.py) are loaded on the first name none answers


def register_model(name: str, answer: LocalModel, *, base_ms: float, per_token_ms: float) -> None:
    """Add an offline model `local:<name>` (or a family: a name ending in `*` matches its prefix)."""
    _MODELS[name] = (answer, base_ms, per_token_ms)


def find(name: str) -> tuple[LocalModel, float, float] | None:
    """The offline model `name` (its answer function and simulated latency), or None."""
    global _families_loaded
    found = _lookup(name)
    if found is None and not _families_loaded:
        for family in extensions.installed().local_model_families():
            family()
        _families_loaded = True
        found = _lookup(name)
    return found


def answer(request: CompletionRequest) -> str:
    """What offline model `request.model_name` answers, without simulated latency or truncation."""
    found = find(request.model_name)
    if found is None:
        raise ProviderError("unavailable", f"no offline model {request.model_id}")
    return found[0](request)


def _lookup(name: str) -> tuple[LocalModel, float, float] | None:
    return _MODELS.get(name) or next(
        (spec for pattern, spec in _MODELS.items() if pattern.endswith("*") and name.startswith(pattern[:-1])), None
    )


def key_terms(text: str) -> list[str]:
    """The request's content words, in order, without repeats."""
    seen: dict[str, None] = {}  # a dict keeps the order and finds a repeat at once (a list made it quadratic)
    for word in re.findall(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]", text):
        lower = word.lower()
        if lower not in _STOP and len(lower) > 2:
            seen.setdefault(lower)
    return list(seen)


def _echo(request: CompletionRequest) -> str:
    return request.prompt


def _swift(request: CompletionRequest) -> str:
    terms = key_terms(request.prompt)[:3] or ["something"]
    if request.task == "content_hashtags":
        return " ".join(f"#{t.replace('-', '')}" for t in terms)
    if request.task == "content_hooks":
        return f"{terms[0].capitalize()}? You need to see this."
    return f"{' '.join(terms).capitalize()}."


def _sage(request: CompletionRequest) -> str:
    terms = key_terms(request.prompt) or ["your idea"]
    lead, rest = terms[:3], terms[3:]
    tags = " ".join(f"#{t.replace('-', '').replace(chr(39), '')}" for t in terms[:6])
    if request.task == "content_hashtags":
        pairs = [f"#{a}{b}".replace("-", "") for a, b in itertools.pairwise(terms)][:4]
        return " ".join([tags, *pairs]).strip()
    if request.task == "content_hooks":
        lines = [
            f"1. What nobody tells you about {' and '.join(lead)}.",
            f"2. {lead[0].capitalize()} in 30 seconds: {', '.join(terms[:5])}.",
            f"3. Stop scrolling if you care about {terms[-1]}.",
        ]
        return "\n".join(lines)
    if request.task == "content_ideas":
        ideas = [
            f"{i + 1}. A story that pairs {terms[i % len(terms)]} with {terms[(i + 2) % len(terms)]}, "
            f"told from the customer's side."
            for i in range(5)
        ]
        return "Ideas:\n" + "\n".join(ideas)
    body = f"{' '.join(lead).capitalize()}"
    if rest:
        body += f", with {', '.join(rest[:-1]) + (' and ' if len(rest) > 1 else '') + rest[-1]}"
    return f"{body}. Crafted with care for the moment it is meant for.\n{tags}"


register_model("echo", _echo, base_ms=1, per_token_ms=0)
register_model("swift", _swift, base_ms=15, per_token_ms=0.5)
register_model("sage", _sage, base_ms=90, per_token_ms=2.0)


class LocalProvider:
    def complete(self, request: CompletionRequest) -> Completion:
        if request.kind != "text":
            raise ProviderError("not_supported", "the offline models generate text only")
        found = find(request.model_name)
        if found is None:
            raise ProviderError("unavailable", f"no offline model {request.model_id}")
        answer, base_ms, per_token_ms = found
        began = time.perf_counter()
        output = answer(request)
        whole = output
        if request.max_tokens is not None:
            output = _truncate(output, request.max_tokens)
        finish_reason = "stop" if output == whole else "length"  # cut at max_tokens
        output_tokens = count_tokens(output)
        simulated = (base_ms + per_token_ms * output_tokens) * get_settings().local_latency_scale / 1000
        remaining = simulated - (time.perf_counter() - began)
        left = deadline.left()
        if left is not None and remaining > left:  # the simulated model is slower than the time left: it times out
            time.sleep(max(left, 0.0))
            raise ProviderError("timeout", f"{request.model_id} did not answer within the deadline")
        if remaining > 0:
            time.sleep(remaining)
        input_tokens = sum(count_tokens(m["content"]) for m in request.messages)
        return Completion(output=output, input_tokens=input_tokens, output_tokens=output_tokens, finish_reason=finish_reason)


def _truncate(text: str, max_tokens: int) -> str:
    """The longest run of the text's first words within `max_tokens`, in time linear in words: a token never
    spans a space, so the words' counts add up (counting each longer prefix again was quadratic)."""
    if count_tokens(text) <= max_tokens:
        return text
    words, used = text.split(" "), 0
    for kept, word in enumerate(words):
        used += count_tokens(word)
        if used > max_tokens:
            return " ".join(words[:kept])
    return text
