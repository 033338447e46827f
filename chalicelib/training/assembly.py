"""From candidates (examples with their redacted texts) to the lines of a dataset: selection, pairs, duplicates, split.

Pure functions: no storage. `datasets.py` loads the candidates and writes what this returns.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import formats
from .splits import validation_users

# A text longer than this (characters) is left out rather than cut: a truncated answer teaches the wrong thing.
MAX_TEXT_CHARS = 100_000


@dataclass
class Candidate:
    """One example as a dataset sees it: its scores and its texts, already redacted."""

    session_id: str
    user_id: str
    category_key: str
    created_at: str
    quality: float | None
    validated: bool = False
    model_id: str | None = None
    experiment_id: str | None = None
    variant_id: str | None = None
    successes: int = 0
    regenerates: int = 0
    dislikes: int = 0  # thumbs down included
    input_text: str | None = None
    output_text: str | None = None  # the AI's own output
    expected_text: str | None = None  # what it should have been: an override, a correction, or the output
    expected_source: str | None = None
    features: dict[str, Any] = field(default_factory=dict)  # scalar features only, for the analysis
    prompt_name: str | None = None

    @property
    def rejections(self) -> int:
        return self.regenerates + self.dislikes

    @property
    def accepted(self) -> bool:
        return self.successes > 0 and self.rejections == 0

    @property
    def rejected(self) -> bool:
        return self.rejections > 0

    @property
    def corrected(self) -> bool:
        return self.expected_source in ("corrected_output", "override")


@dataclass(frozen=True)
class Params:
    fmt: str
    threshold: float  # the least quality score an example (or a preferred output) needs
    validation_split: float
    salt: str  # the tenant id: a user falls on the same side in every dataset of the tenant
    system_prompt: str | None = None  # already redacted
    validated_only: bool = False
    max_examples: int = 10_000


@dataclass
class Entry:
    """A line before the split, with what the manifest keeps of it."""

    user_id: str
    line: dict[str, Any]
    session_ids: list[str]
    quality: float | None
    category_key: str
    created_at: str
    kind: str  # example | correction | regenerated | disliked


@dataclass
class Assembly:
    train: list[Entry]
    validation: list[Entry]
    stats: Counter[str]

    @property
    def entries(self) -> list[Entry]:
        return [*self.train, *self.validation]


def normalised(text: str) -> str:
    """What makes two inputs duplicates: the same words, whatever the case and the spacing."""
    return " ".join(text.casefold().split())


def assemble(candidates: list[Candidate], params: Params) -> Assembly:
    stats: Counter[str] = Counter(candidates=len(candidates))
    if params.fmt == formats.CHAT:
        entries = _chat_entries(candidates, params, stats)
    else:
        entries = _preference_entries(candidates, params, stats)
    valid: list[Entry] = []
    for entry in entries:
        try:
            formats.validate(params.fmt, entry.line)
        except formats.InvalidLine:
            stats["invalid_lines"] += 1
            continue
        valid.append(entry)
    counts = Counter(entry.user_id for entry in valid)
    held_out = validation_users(dict(counts), params.validation_split, params.salt)
    order = sorted(valid, key=lambda e: (e.created_at, e.session_ids[0]))
    return Assembly(
        train=[e for e in order if e.user_id not in held_out],
        validation=[e for e in order if e.user_id in held_out],
        stats=stats,
    )


def _usable(text: str | None, stats: Counter[str], missing: str) -> bool:
    if not text or not text.strip():
        stats[missing] += 1
        return False
    if len(text) > MAX_TEXT_CHARS:
        stats["too_long"] += 1
        return False
    return True


def _chat_entries(candidates: list[Candidate], params: Params, stats: Counter[str]) -> list[Entry]:
    best: dict[str, Candidate] = {}
    for c in candidates:
        if c.quality is None or c.quality < params.threshold:
            stats["below_min_rating"] += 1
            continue
        if params.validated_only and not c.validated:
            stats["not_validated"] += 1
            continue
        if not _usable(c.input_text, stats, "no_input") or not _usable(c.expected_text, stats, "no_output"):
            continue
        key = normalised(c.input_text or "")
        kept = best.get(key)
        if kept is not None:
            stats["duplicates_dropped"] += 1
            if (c.quality, c.created_at) <= (kept.quality or 0.0, kept.created_at):
                continue
        best[key] = c
    ranked = sorted(best.values(), key=lambda c: (-(c.quality or 0.0), _desc(c.created_at)))
    if len(ranked) > params.max_examples:
        stats["over_max_examples"] += len(ranked) - params.max_examples
        ranked = ranked[: params.max_examples]
    return [
        Entry(
            user_id=c.user_id,
            line=formats.chat_line(params.system_prompt, c.input_text or "", c.expected_text or ""),
            session_ids=[c.session_id],
            quality=c.quality,
            category_key=c.category_key,
            created_at=c.created_at,
            kind="example",
        )
        for c in ranked
    ]


def _preference_entries(candidates: list[Candidate], params: Params, stats: Counter[str]) -> list[Entry]:
    """Pairs from the feedback: a corrected output against the AI's own, and a regenerated or disliked output
    followed (same user, same input) by an accepted one that clears the threshold."""
    pairs: dict[str, Entry] = {}

    def offer(entry: Entry, key: str) -> None:
        kept = pairs.get(key)
        if kept is not None:
            stats["duplicates_dropped"] += 1
            if entry.created_at <= kept.created_at:
                return
        pairs[key] = entry

    usable = [
        c
        for c in candidates
        if _usable(c.input_text, stats, "no_input") and (not params.validated_only or c.validated or c.rejected)
    ]
    for c in usable:
        if c.corrected and c.output_text and c.expected_text and normalised(c.output_text) != normalised(c.expected_text):
            if _usable(c.expected_text, stats, "no_output") and _usable(c.output_text, stats, "no_output"):
                offer(_pair(c, c, c.expected_text, c.output_text, params, "correction"), normalised(c.input_text or ""))
    by_input: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for c in usable:
        by_input[(c.user_id, normalised(c.input_text or ""))].append(c)
    for (_, key), group in by_input.items():
        group.sort(key=lambda c: (c.created_at, c.session_id))
        for i, rejected in enumerate(group):
            if not rejected.rejected or not rejected.output_text or not _usable(rejected.output_text, stats, "no_output"):
                continue
            follower = next(
                (
                    c
                    for c in group[i + 1 :]
                    if c.accepted and c.quality is not None and c.quality >= params.threshold and c.expected_text
                ),
                None,
            )
            if follower is None or normalised(follower.expected_text or "") == normalised(rejected.output_text):
                stats["rejected_without_follower"] += 1
                continue
            kind = "regenerated" if rejected.regenerates else "disliked"
            offer(_pair(follower, rejected, follower.expected_text or "", rejected.output_text, params, kind), key)
    entries = sorted(pairs.values(), key=lambda e: _desc(e.created_at))
    if len(entries) > params.max_examples:
        stats["over_max_examples"] += len(entries) - params.max_examples
        entries = entries[: params.max_examples]
    return entries


def _pair(preferred: Candidate, other: Candidate, good: str, bad: str, params: Params, kind: str) -> Entry:
    sessions = list(dict.fromkeys([preferred.session_id, other.session_id]))
    return Entry(
        user_id=preferred.user_id,
        line=formats.preference_line(params.system_prompt, preferred.input_text or "", good, bad),
        session_ids=sessions,
        quality=preferred.quality,
        category_key=preferred.category_key,
        created_at=max(preferred.created_at, other.created_at),
        kind=kind,
    )


def _desc(text: str) -> str:
    """A sort key that orders ISO timestamps newest first."""
    return "".join(chr(0x10FFFF - ord(ch)) for ch in text)
