"""Local fine-tuning: a `local:ft-…` model that answers from an index of its dataset's best-rated examples.

Training reads the dataset's training lines, keeps those whose example scored at least
`QUALITY_FLOOR` (the manifest holds each line's quality), and stores them as an index in S3
(`tenants/<tenant>/models/<model name>/index.json`). The model answers a prompt with the expected
output of the most similar training input, by TF-IDF cosine similarity over lower-cased words
(smoothed idf, computed over the indexed inputs): deterministic, no randomness, no network. When
no input reaches `SIMILARITY_THRESHOLD`, it answers as its base model would. So on the inputs it
was trained on, it gives the answers users rated best; elsewhere it is its base model.

Erasing a user rebuilds the models trained on their lines (the index written again from the rebuilt
dataset) or retires them (`retire`: the index deleted). A Lambda keeps an index it read for at most
`catalog_cache_seconds`, so no Lambda answers from an erased user's lines longer than that.

`token_f1` is the score both are measured with (SQuAD's token F1 of an answer against the
expected output); training reports it for the base and the new model on the train and
validation inputs.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..core import blobs
from ..core.settings import get_settings
from ..providers import local
from ..providers.base import CompletionRequest, ProviderError

FAMILY = "ft-*"
# The fewest training lines a local job accepts (OpenAI's minimum is 10).
MIN_EXAMPLES = 5
# Lines whose example scored below this are not indexed: the index holds the best-rated answers only.
QUALITY_FLOOR = 0.5
# Below this cosine similarity to every indexed input, the model answers as its base model.
SIMILARITY_THRESHOLD = 0.5

_WORD = re.compile(r"[^\W_]+")
_cache: OrderedDict[tuple[str, str], tuple[Index, float]] = OrderedDict()
_cache_lock = threading.Lock()
_CACHED = 32


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def token_f1(prediction: str, reference: str) -> float:
    """The harmonic mean of precision and recall of the answer's words against the reference's (as multisets)."""
    predicted, expected = Counter(words(prediction)), Counter(words(reference))
    if not predicted or not expected:
        return float(predicted == expected)
    overlap = sum((predicted & expected).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(predicted.values()), overlap / sum(expected.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class Index:
    base_model: str  # catalog id of the model it falls back on, e.g. local:sage
    inputs: list[str]
    outputs: list[str]
    threshold: float = SIMILARITY_THRESHOLD
    _idf: dict[str, float] = field(default_factory=dict, repr=False)
    _vectors: list[dict[str, float]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        documents = [Counter(words(text)) for text in self.inputs]
        df: Counter[str] = Counter()
        for doc in documents:
            df.update(doc.keys())
        n = len(documents)
        self._idf = {term: math.log((1 + n) / (1 + count)) + 1 for term, count in df.items()}
        self._vectors = [self._vector(doc) for doc in documents]

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        unseen = math.log(1 + len(self.inputs)) + 1
        weights = {term: count * self._idf.get(term, unseen) for term, count in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {term: w / norm for term, w in weights.items()}

    def nearest(self, text: str) -> tuple[int | None, float]:
        """The most similar indexed input (the first of equals) and its cosine similarity."""
        query = self._vector(Counter(words(text)))
        best, score = None, 0.0
        for i, vector in enumerate(self._vectors):
            similarity = sum(weight * vector.get(term, 0.0) for term, weight in query.items())
            if similarity > score + 1e-12:
                best, score = i, similarity
        return best, score

    def respond(self, request: CompletionRequest) -> str:
        i, score = self.nearest(request.prompt)
        if i is not None and score >= self.threshold:
            return self.outputs[i]
        return local.answer(replace(request, model_id=self.base_model))

    def dumps(self) -> bytes:
        entries = [{"input": i, "output": o} for i, o in zip(self.inputs, self.outputs, strict=True)]
        return json.dumps({"base_model": self.base_model, "threshold": self.threshold, "entries": entries}).encode()

    @classmethod
    def loads(cls, data: bytes) -> Index:
        doc = json.loads(data)
        entries = doc["entries"]
        return cls(doc["base_model"], [e["input"] for e in entries], [e["output"] for e in entries], float(doc["threshold"]))


def index_key(tenant_id: str, model_name: str) -> str:
    return blobs.tenant_key(tenant_id, "models", model_name, "index.json")


def load_index(tenant_id: str, model_name: str) -> Index:
    """A model's index (cached per Lambda for `catalog_cache_seconds`: an erasure rewrites or deletes it)."""
    key = (tenant_id, model_name)
    with _cache_lock:
        if key in _cache:
            index, loaded = _cache[key]
            if time.monotonic() - loaded < get_settings().catalog_cache_seconds:
                _cache.move_to_end(key)
                return index
    try:
        index = Index.loads(blobs.get(index_key(tenant_id, model_name)))
    except Exception as exc:  # a missing or unreadable index makes the model unavailable
        raise ProviderError("unavailable", f"the fine-tuned model {model_name} has no index (retired or not trained)") from exc
    _remember(key, index)
    return index


def _remember(key: tuple[str, str], index: Index) -> None:
    with _cache_lock:
        _cache[key] = (index, time.monotonic())
        _cache.move_to_end(key)
        while len(_cache) > _CACHED:
            _cache.popitem(last=False)


def retire(tenant_id: str, model_name: str) -> None:
    """Delete the model's index: it answers nothing any more (`unavailable`)."""
    blobs.delete(index_key(tenant_id, model_name))
    with _cache_lock:
        _cache.pop((tenant_id, model_name), None)


def answer(request: CompletionRequest) -> str:
    """The `ft-*` family's answer: the tenant's index of this model (the request carries the tenant)."""
    if not request.tenant_id:
        raise ProviderError("unavailable", f"{request.model_id} answers only within its tenant")
    return load_index(request.tenant_id, request.model_name).respond(request)


@dataclass
class Sample:
    """One line of a dataset as training and evaluation see it."""

    prompt: str
    expected: str
    quality: float | None
    task: str | None
    system: str | None = None


def train(
    tenant_id: str,
    model_name: str,
    base_model: str,
    train_samples: list[Sample],
    validation_samples: list[Sample],
    report: Callable[[str, int, int], None],
) -> dict[str, Any]:
    """Index the best-rated training samples, store the index, and measure it against its base model."""
    kept = [s for s in train_samples if s.quality is None or s.quality >= QUALITY_FLOOR]
    inputs: list[str] = []
    outputs: list[str] = []
    step = max(1, len(kept) // 10)
    for n, sample in enumerate(kept, 1):
        inputs.append(sample.prompt)
        outputs.append(sample.expected)
        if n % step == 0 or n == len(kept):
            report("indexing", n, len(kept))
    index = Index(base_model, inputs, outputs)
    blobs.put(index_key(tenant_id, model_name), index.dumps(), "application/json")
    _remember((tenant_id, model_name), index)
    metrics: dict[str, Any] = {
        "indexed_examples": len(kept),
        "skipped_below_quality_floor": len(train_samples) - len(kept),
        "quality_floor": QUALITY_FLOOR,
        "similarity_threshold": SIMILARITY_THRESHOLD,
        "scoring": "token_f1",
    }
    total = len(train_samples) + len(validation_samples)
    metrics["train"] = evaluate(tenant_id, index, model_name, train_samples, lambda n: report("evaluating", n, total))
    metrics["validation"] = evaluate(
        tenant_id, index, model_name, validation_samples, lambda n: report("evaluating", len(train_samples) + n, total)
    )
    return metrics


def evaluate(
    tenant_id: str, index: Index, model_name: str, samples: list[Sample], progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Mean token F1 against the expected outputs, of the base model's answers and of the new model's."""
    base_scores, tuned_scores = [], []
    for n, sample in enumerate(samples, 1):
        messages = ([{"role": "system", "content": sample.system}] if sample.system else []) + [
            {"role": "user", "content": sample.prompt}
        ]
        request = CompletionRequest(model_id=f"local:{model_name}", messages=messages, task=sample.task, tenant_id=tenant_id)
        base_scores.append(token_f1(local.answer(replace(request, model_id=index.base_model)), sample.expected))
        tuned_scores.append(token_f1(index.respond(request), sample.expected))
        if progress is not None and (n % 50 == 0 or n == len(samples)):
            progress(n)
    return {
        "examples": len(samples),
        "base_token_f1": round(sum(base_scores) / len(base_scores), 6) if samples else None,
        "fine_tuned_token_f1": round(sum(tuned_scores) / len(tuned_scores), 6) if samples else None,
    }


def register() -> None:
    """The `local:ft-…` family among the offline models (a local model family, chalicelib/contributions.py)."""
    local.register_model(FAMILY, answer, base_ms=20, per_token_ms=0.3)
