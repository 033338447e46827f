"""What request-level routing reads of a request: its text and features, as a fixed-size hashed vector.

One function, `encode`, serves both sides of the loop: routing encodes a route's `input` and
`features` (or a generation's rendered prompt and features), and learning encodes what the
session recorded (its `input` and `features`) when its feedback arrives. A client that records
the session with the input it routed with therefore teaches the model exactly what it asked.

The vector x has `DIMENSION` (40) entries:

- x[0] = 1, the intercept (the model's per-category baseline);
- x[1..15]: the request's length, z = log2(1 + words), on a triangular basis with centres 1, 1.5, ..., 8
  (`length_basis`): z is shared between its two nearest centres, weights summing to 1, so the model learns
  satisfaction against length as any piecewise-linear curve (a request of 7 words is x[5] = 1);
- x[16..39]: the hashing trick (Weinberger et al., 2009). The text's words (lower-cased runs of at
  least two letters or digits, the first 2,000) weigh their count, scaled so the words' block has
  length 1; each feature gives one term, `name=value` for a category (strings, booleans, each
  element of a list, nested objects as `name.sub`) weighing 1 and `name` for a number weighing
  sign(v) log(1 + |v|) / log(1 + 10^4) (at most 1.5), the features' block scaled to length at most 1.
  Each term adds its weight times a sign (+1 or -1) to one of 24 buckets, both from a keyed BLAKE2b
  digest of the term, so colliding terms cancel on average instead of adding up.

Only these numbers are ever stored (the model's sums of x x^T and x r); the words are not, and a
term's bucket cannot be turned back into the term. The text of the input is what a session stores
(a string, or the strings inside its JSON: messages' contents, form values; keys and messages'
roles are not text).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DIMENSION = 40
INTERCEPT = 0
LENGTH_STEP = 0.5  # x[1..15]: the request's length, log2(1 + words), on a triangular basis centred at 1, 1.5, ..., 8
LENGTH_BINS = 1 + round(7 / LENGTH_STEP)
FIRST_HASHED = 1 + LENGTH_BINS
HASHED = DIMENSION - FIRST_HASHED
MAX_WORDS = 2000
NUMBER_SCALE = math.log1p(1e4)
CLIP = 1.5
MAX_FEATURE_TERMS = 100
_WORD = re.compile(r"[^\W_]{2,}")
_NOT_TEXT = frozenset({"role"})


@dataclass(frozen=True)
class Term:
    """One word or feature of a request and where it lands in x."""

    name: str  # the word, or `name=value` / `name` for a feature
    kind: str  # word | feature
    index: int
    value: float  # what it adds to x[index] (its weight times its sign)


@dataclass(frozen=True)
class Encoded:
    """A request as request-level routing sees it."""

    x: dict[int, float]  # the nonzero entries
    terms: tuple[Term, ...]
    words: int

    @property
    def informative(self) -> bool:
        """Whether it carries anything beyond the intercept (a request without text or features does not)."""
        return len(self.x) > 1

    def dense(self) -> Any:
        import numpy as np

        out = np.zeros(DIMENSION)
        for i, v in self.x.items():
            out[i] = v
        return out


def text_of(value: Any) -> str:
    """The text inside a request's input: a string itself; the strings of a list or an object's values."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(t for t in (text_of(v) for v in value) if t)
    if isinstance(value, dict):
        return " ".join(t for t in (text_of(v) for k, v in value.items() if k not in _NOT_TEXT) if t)
    return ""


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())[:MAX_WORDS]


def feature_terms(features: Mapping[str, Any] | None, prefix: str = "", depth: int = 0) -> list[tuple[str, float]]:
    """(term, weight) per feature: categories weigh 1, numbers their signed log; nested objects one level down."""
    out: list[tuple[str, float]] = []
    for name, value in sorted((features or {}).items()):
        key = f"{prefix}{name}"
        if value is None:
            continue
        if isinstance(value, bool):
            out.append((f"{key}={str(value).lower()}", 1.0))
        elif isinstance(value, int | float):
            if math.isfinite(value) and value:
                out.append((key, math.copysign(min(CLIP, math.log1p(abs(value)) / NUMBER_SCALE), value)))
        elif isinstance(value, str):
            out.append((f"{key}={value[:100]}", 1.0))
        elif isinstance(value, list):
            seen = dict.fromkeys(_scalar(v) for v in value if _scalar(v) is not None)
            out += [(f"{key}={v}", 1.0) for v in seen]
        elif isinstance(value, dict) and depth < 2:
            out += feature_terms(value, f"{key}.", depth + 1)
    return out[:MAX_FEATURE_TERMS]


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | str):
        return f"{value}"[:100]
    return None


def bucket_of(term: str) -> tuple[int, float]:
    """The term's index in x and its sign."""
    digest = int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8, key=b"learnloop-routing").digest(), "big")
    return FIRST_HASHED + digest % (DIMENSION - FIRST_HASHED), 1.0 if (digest >> 63) & 1 else -1.0


def length_basis(words: int) -> dict[int, float]:
    """The length of a request of `words` words (at least 1) as x[1..LENGTH_BINS]: z = log2(1 + words) on a
    triangular basis whose centres are LENGTH_STEP apart from z = 1 (1 word) to z = 8 (255 words; longer ones
    clipped there), z shared between its two nearest centres, the weights summing to 1 (a piecewise-linear
    function of z, so the model can learn any shape of satisfaction against length)."""
    position = (min(1 + (LENGTH_BINS - 1) * LENGTH_STEP, math.log2(1 + words)) - 1) / LENGTH_STEP
    low = int(position)
    out = {1 + low: round(1 - (position - low), 8)}
    if low < LENGTH_BINS - 1:
        out[2 + low] = round(position - low, 8)
    return {i: v for i, v in out.items() if v}


def encode(input_value: Any, features: Mapping[str, Any] | None) -> Encoded:
    """x for a request's input (text, messages or any JSON) and features."""
    words = words_of(text_of(input_value))
    x: dict[int, float] = {INTERCEPT: 1.0}
    terms: list[Term] = []
    if words:
        x.update(length_basis(len(words)))
        counts = Counter(words)
        norm = math.sqrt(sum(c * c for c in counts.values()))
        terms += _hashed("word", [(w, c / norm) for w, c in counts.items()])
    named = feature_terms(features)
    if named:
        norm = max(1.0, math.sqrt(sum(v * v for _, v in named)))
        terms += _hashed("feature", [(name, v / norm) for name, v in named])
    for term in terms:
        x[term.index] = x.get(term.index, 0.0) + term.value
    x = {i: round(v, 8) for i, v in x.items() if round(v, 8)}
    x[INTERCEPT] = 1.0
    return Encoded(x=x, terms=tuple(terms), words=len(words))


def _hashed(kind: str, weighted: list[tuple[str, float]]) -> list[Term]:
    out = []
    for name, weight in weighted:
        index, sign = bucket_of(f"{kind}:{name}")
        out.append(Term(name, kind, index, sign * weight))
    return out
