"""Dataset assembly without storage: line formats and their checks, the split by user, duplicates, preference pairs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.training import formats
from chalicelib.training.assembly import Candidate, Params, assemble, normalised
from chalicelib.training.splits import user_digest, validation_users


def candidate(n: int, user: str = "u1", quality: float | None = 1.0, **changes: Any) -> Candidate:
    base = Candidate(
        session_id=f"ses_{n:04d}",
        user_id=user,
        category_key="content_caption",
        created_at=f"2026-11-01T00:00:{n:02d}.000Z",
        quality=quality,
        successes=1 if (quality or 0) >= 0.75 else 0,
        input_text=f"caption for bouquet {n}",
        output_text=f"AI answer {n}",
        expected_text=f"AI answer {n}",
        expected_source="output",
    )
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def params(fmt: str = formats.CHAT, **changes: Any) -> Params:
    return Params(**({"fmt": fmt, "threshold": 0.0, "validation_split": 0.0, "salt": "ten_1"} | changes))


# --- formats ---------------------------------------------------------------------------------------------


def test_chat_and_preference_lines_have_the_roles_their_format_needs() -> None:
    chat = formats.chat_line("Be brief.", "hello", "hi")
    assert [m["role"] for m in chat["messages"]] == ["system", "user", "assistant"]
    formats.validate(formats.CHAT, chat)
    formats.validate(formats.CHAT, formats.chat_line(None, "hello", "hi"))
    pref = formats.preference_line(None, "hello", "good", "bad")
    assert pref["input"]["messages"] == [{"role": "user", "content": "hello"}]
    assert pref["preferred_output"] == [{"role": "assistant", "content": "good"}]
    assert pref["non_preferred_output"] == [{"role": "assistant", "content": "bad"}]
    formats.validate(formats.PREFERENCE, pref)
    assert formats.parse(formats.CHAT, formats.dumps(chat)) == chat


@pytest.mark.parametrize(
    ("fmt", "line"),
    [
        (formats.CHAT, {"messages": []}),
        (formats.CHAT, {"messages": [{"role": "user", "content": "q"}]}),
        (formats.CHAT, {"messages": [{"role": "assistant", "content": "a"}]}),
        (formats.CHAT, {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": " "}]}),
        (formats.CHAT, {"messages": [{"role": "user", "content": "q"}, {"role": "bot", "content": "a"}]}),
        (
            formats.CHAT,
            {
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "system", "content": "s"},
                    {"role": "assistant", "content": "a"},
                ]
            },
        ),
        (formats.CHAT, {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "extra": 1}),
        (
            formats.PREFERENCE,
            {"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_output": [], "non_preferred_output": []},
        ),
        (
            formats.PREFERENCE,
            {
                "input": {"messages": [{"role": "user", "content": "q"}]},
                "preferred_output": [{"role": "assistant", "content": "same"}],
                "non_preferred_output": [{"role": "assistant", "content": "same"}],
            },
        ),
        (
            formats.PREFERENCE,
            {
                "input": {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
                "preferred_output": [{"role": "assistant", "content": "x"}],
                "non_preferred_output": [{"role": "assistant", "content": "y"}],
            },
        ),
        (formats.PREFERENCE, {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}),
    ],
)
def test_malformed_lines_are_refused(fmt: str, line: dict[str, Any]) -> None:
    with pytest.raises(formats.InvalidLine):
        formats.validate(fmt, line)
    with pytest.raises(formats.InvalidLine):
        formats.parse(fmt, json.dumps(line)[:-1])  # and text that is not JSON at all


# --- the split by user -----------------------------------------------------------------------------------


def test_validation_takes_whole_users_close_to_the_fraction() -> None:
    counts = {f"user-{i}": 1 + i % 3 for i in range(60)}
    total = sum(counts.values())
    held = validation_users(counts, 0.2, "ten_1")
    share = sum(counts[u] for u in held) / total
    assert abs(share - 0.2) < 0.03
    assert held == validation_users(counts, 0.2, "ten_1")  # deterministic
    assert validation_users(counts, 0.0, "ten_1") == set()
    assert validation_users({"only": 10}, 0.5, "ten_1") == set()  # one user stays in train
    assert len(validation_users({"a": 1, "b": 1}, 0.5, "ten_1")) == 1


def test_no_user_is_on_both_sides_and_the_digest_hides_the_id() -> None:
    found = [candidate(n, user=f"user-{n % 7}") for n in range(70)]
    for n, c in enumerate(found):
        c.input_text = f"distinct input {n}"
    result = assemble(found, params(validation_split=0.3))
    train_users = {e.user_id for e in result.train}
    validation_users_ = {e.user_id for e in result.validation}
    assert train_users and validation_users_ and not train_users & validation_users_
    assert len(result.train) + len(result.validation) == 70
    assert len(user_digest("ten_1", "user-1")) == 32 and "user-1" not in user_digest("ten_1", "user-1")


def test_a_manifest_names_a_user_by_a_keyed_hash_that_a_guess_cannot_test() -> None:
    import hashlib
    import hmac

    from chalicelib.core.settings import get_settings
    from chalicelib.training.splits import user_digests

    plain = hashlib.sha256(b"ten_1:ana@example.com").hexdigest()[:32]
    keyed = hmac.new(get_settings().erasure_key(), b"ten_1:ana@example.com", hashlib.sha256).hexdigest()[:32]
    assert user_digest("ten_1", "ana@example.com") == keyed != plain
    # Erasure still finds the user in manifests written with the plain digest before.
    assert user_digests("ten_1", "ana@example.com") == {keyed, plain}


# --- selection and duplicates ------------------------------------------------------------------------------


def test_the_threshold_the_corrected_output_and_duplicates() -> None:
    found = [
        candidate(1, quality=0.9, input_text="Caption  for the WEDDING", expected_text="good one"),
        candidate(2, quality=1.0, input_text="caption for the wedding", expected_text="better one"),
        candidate(3, quality=0.25, input_text="something else"),
        candidate(4, quality=None, input_text="unscored"),
        candidate(
            5, quality=0.8, input_text="fixed by hand", expected_text="the user's correction", expected_source="corrected_output"
        ),
        candidate(6, quality=0.9, input_text="no answer", expected_text=None),
    ]
    result = assemble(found, params(threshold=0.5))
    answers = {formats.user_text(formats.CHAT, e.line): formats.answer_text(formats.CHAT, e.line) for e in result.train}
    assert answers == {"caption for the wedding": "better one", "fixed by hand": "the user's correction"}
    assert result.stats["duplicates_dropped"] == 1
    assert result.stats["below_min_rating"] == 2
    assert result.stats["no_output"] == 1
    assert normalised("  A\tb  C ") == "a b c"


def test_validated_only_and_max_examples_keep_the_best() -> None:
    found = [candidate(n, quality=0.5 + n / 100, input_text=f"input {n}") for n in range(10)]
    found[9].validated = True
    found[8].validated = True
    assert [e.session_ids for e in assemble(found, params(validated_only=True)).train] == [["ses_0008"], ["ses_0009"]]
    best = assemble(found, params(max_examples=3))
    assert sorted(e.session_ids[0] for e in best.train) == ["ses_0007", "ses_0008", "ses_0009"]
    assert best.stats["over_max_examples"] == 7


def test_the_system_prompt_leads_every_line() -> None:
    result = assemble([candidate(1)], params(system_prompt="You write captions."))
    assert result.train[0].line["messages"][0] == {"role": "system", "content": "You write captions."}


# --- preference pairs ---------------------------------------------------------------------------------------


def test_preference_pairs_come_from_corrections_and_from_a_rejection_followed_by_an_acceptance() -> None:
    corrected = candidate(
        1,
        quality=0.2,
        input_text="resize the poster",
        output_text="bad layout",
        expected_text="fixed layout",
        expected_source="corrected_output",
    )
    regenerated = candidate(
        2, user="ann", quality=0.1, successes=0, regenerates=1, input_text="hook for roses", output_text="dull hook"
    )
    accepted = candidate(
        3, user="ann", quality=1.0, input_text="Hook for  roses", output_text="great hook", expected_text="great hook"
    )
    # Another user's acceptance does not pair with ann's regenerate; a dislike without a later acceptance pairs with nothing.
    stranger = candidate(4, user="bob", quality=1.0, input_text="hook for roses", expected_text="bob's hook")
    disliked = candidate(5, user="cy", quality=0.0, successes=0, dislikes=1, input_text="ideas for spring", output_text="meh")
    result = assemble([corrected, regenerated, accepted, stranger, disliked], params(formats.PREFERENCE, threshold=0.75))
    pairs = {formats.user_text(formats.PREFERENCE, e.line): e for e in result.train}
    assert set(pairs) == {"resize the poster", "Hook for  roses"}  # the accepted session's input
    fix = pairs["resize the poster"].line
    assert fix["preferred_output"][0]["content"] == "fixed layout" and fix["non_preferred_output"][0]["content"] == "bad layout"
    regen = pairs["Hook for  roses"]
    assert regen.line["preferred_output"][0]["content"] == "great hook"
    assert regen.line["non_preferred_output"][0]["content"] == "dull hook"
    assert regen.session_ids == ["ses_0003", "ses_0002"] and regen.kind == "regenerated" and regen.user_id == "ann"
    assert result.stats["rejected_without_follower"] == 1
    for entry in result.train:
        formats.validate(formats.PREFERENCE, entry.line)


def test_an_acceptance_below_the_threshold_makes_no_pair() -> None:
    rejected = candidate(1, user="ann", quality=0.1, successes=0, regenerates=1, input_text="x", output_text="first")
    lukewarm = candidate(2, user="ann", quality=0.5, successes=1, input_text="x", expected_text="second")
    assert assemble([rejected, lukewarm], params(formats.PREFERENCE, threshold=0.75)).train == []
