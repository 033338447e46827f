"""Redaction: planted e-mail addresses, phone numbers (international and national) and card numbers never survive;
ordinary numbers (years, prices, dates, sizes, ids) do."""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest

from chalicelib.training.redaction import CARD, EMAIL, PHONE, Redactor, luhn_valid, redact

EMAILS = [
    "jane.doe@example.com",
    "JOHN+orders@Mail.Example.co.uk",
    "o'brien_42@sub.domain.io",
    "mailto:sales@shop.example",
]
PHONES = [
    "+1 (555) 123-4567",
    "+1-555-123-4567",
    "+44 20 7946 0958",
    "+33 6 12 34 56 78",
    "+4915112345678",
    "0044 20 7946 0958",
    "(555) 123-4567",
    "555-123-4567",
    "555.123.4567",
    "1-800-555-0199",
    "020 7946 0958",
    "06 12 34 56 78",
    "0612345678",
]
CARDS = [
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4111111111111111",
    "5500 0000 0000 0004",
    "3782 822463 10005",  # Amex, 15 digits in 4-6-5
    "6011000990139424",
    "4222222222222",  # 13 digits
]
ORDINARY = [
    "In 2024 the bouquet cost $1,299.99",
    "resize 1080x1920 to 1200 x 628",
    "delivered on 2026-11-21 and 01.02.2026 at 10:30",
    "order 123456789 of 3 items, 25% off, SKU 4111-22",
    "version 10.2.3, invoice 000123456",
    "4111111111111112 is not a card (Luhn)",
    "the numbers 1 2 3 4 5 6 7 8 9 10 11 12 13 14",
    "2026-11-21T23:04:05.123Z",
]


@pytest.mark.parametrize("email", EMAILS)
def test_every_email_is_redacted(email: str) -> None:
    text = redact(f"write to {email}, thanks")
    assert email.lower().split(":")[-1] not in text.lower() and EMAIL in text


@pytest.mark.parametrize("phone", PHONES)
def test_every_phone_format_is_redacted(phone: str) -> None:
    text = redact(f"call {phone} today")
    assert PHONE in text
    assert not any(ch.isdigit() for ch in text), text


@pytest.mark.parametrize("phone", ["5551234567", "555 1234", "+1 555 123 4567"])
def test_a_number_after_a_phone_word_is_a_phone(phone: str) -> None:
    for lead in ("phone:", "Tel", "call me at", "mobile", "WhatsApp", "text me on"):
        text = redact(f"{lead} {phone}")
        assert PHONE in text and not any(ch.isdigit() for ch in text), text


@pytest.mark.parametrize("card", CARDS)
def test_every_card_is_redacted(card: str) -> None:
    text = redact(f"my card is {card}.")
    assert text == f"my card is {CARD}."


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_numbers_survive(text: str) -> None:
    assert redact(text) == text


def test_a_card_inside_a_run_of_numbers_is_found_and_the_rest_kept() -> None:
    assert redact("order 12 4111 1111 1111 1111") == f"order 12 {CARD}"
    assert redact("ref4111111111111111x") == f"ref{CARD}x"


def test_everything_planted_in_json_text_goes() -> None:
    planted = '{"contact": "jane@example.com", "tel": "+44 20 7946 0958", "pay": "4111 1111 1111 1111", "size": 1080}'
    text = redact(planted)
    for value in ("jane@example.com", "7946", "4111"):
        assert value not in text
    assert '"size": 1080' in text


def test_the_redactor_counts_what_it_replaced() -> None:
    redactor = Redactor()
    redactor("a@b.io and c@d.io, 4111111111111111, +33 6 12 34 56 78")
    assert redactor.counts == {"email": 2, "card": 1, "phone": 1}


def test_luhn() -> None:
    assert luhn_valid("79927398713")
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("4111 1111")
    assert not luhn_valid("")


# The rules as Python's backtracking `re` read them before they ran on RE2: the redaction must not have changed.
_SEP = r"[ \t.\-]?"
REFERENCE_EMAIL = re.compile(
    r"(?i)(?<![\w.+-])(?:mailto:)?[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?![\w-])"
)
REFERENCE_DIGIT_RUN = re.compile(r"(?<![\d+])\d+(?:[ -]\d+)*(?!\d)")
REFERENCE_PHONES = (
    (
        re.compile(
            rf"(?<![\w+])(?:\+|00)[1-9]\d{{0,2}}{_SEP}(?:\(\d{{1,4}}\){_SEP})?\d{{1,4}}(?:{_SEP}\d{{1,4}}){{1,5}}(?![\w])"
        ),
        8,
    ),
    (re.compile(r"(?<![\w+])(?:1[ .\-])?(?:\(\d{3}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}(?![\w])"), 10),
    (re.compile(r"(?<![\w+])0[1-9]\d{0,3}(?:[ .\-]\d{2,4}){2,4}(?![\w])"), 9),
    (re.compile(rf"(?<![\w+])0[1-9](?:{_SEP}\d){{7,9}}(?![\w])"), 9),
)
REFERENCE_AFTER_WORD = re.compile(
    r"(?i)\b(?:phone|tel(?:ephone)?|mobile|cell(?:phone)?|call(?:\s+me)?(?:\s+(?:at|on))?|fax|whats\s?app|sms|text\s+me(?:\s+(?:at|on))?)"
    r"(?:\s*(?:number|no\.?|#))?\s*[:\-]?\s*(\(?\+?\d[\d \t().\-]{5,22}\d)"
)


def reference_redact(text: str) -> tuple[str, dict[str, int]]:
    counts: Counter[str] = Counter()
    cards = Redactor()

    def email(_match: re.Match[str]) -> str:
        counts["email"] += 1
        return EMAIL

    def phone(found: str, fewest: int) -> str:
        if not fewest <= len(re.sub(r"\D", "", found)) <= 15:
            return found
        counts["phone"] += 1
        return PHONE

    def after_word(match: re.Match[str]) -> str:
        if not 7 <= len(re.sub(r"\D", "", match.group(1))) <= 15:
            return match.group(0)
        counts["phone"] += 1
        start, end = match.span(1)
        return match.group(0)[: start - match.start()] + PHONE + match.group(0)[end - match.start() :]

    text = REFERENCE_EMAIL.sub(email, text)
    text = REFERENCE_DIGIT_RUN.sub(lambda match: cards._cards(match.group(0)), text)
    text = REFERENCE_AFTER_WORD.sub(after_word, text)
    for pattern, fewest in REFERENCE_PHONES:
        text = pattern.sub(lambda match, fewest=fewest: phone(match.group(0), fewest), text)
    counts.update(cards.counts)
    return text, dict(counts)


# Pieces that meet every rule's edges: look-behinds and look-aheads, case folds Python's `re` makes (U+0130 U+0131 U+017F U+212A),
# Unicode digits and spaces, a lone surrogate, separators, placeholders' neighbours.
PIECES = [
    *("a", "Z", "é", "/", ".", "..", "@", "-", "+", ":", "_", " ", "\t", "(", ")", "#", "no.", "com", "co", "x@y.io"),
    *("mailto:", "MAILTO:", "0", "00", "1", "4", "5", "9", "\u0663", "\u2028", "\xa0", "\u212a", "\u017f", "\u0131"),
    *("\u0130", "\ud800", "phone", "Tel: ", "call me at ", "MOBILE", "whats app", "4111 1111 1111 1111"),
    "+44 20 7946 0958",
]


def test_the_redaction_is_the_backtracking_patterns_one() -> None:
    rng = random.Random(20261121)
    for _ in range(4000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))
        redactor = Redactor()
        assert (redactor.redact(text), dict(redactor.counts)) == reference_redact(text), repr(text)


def test_the_case_folds_and_spaces_spelled_out_are_pythons() -> None:
    every = [chr(code) for code in range(0x3001)] + ["\u212a"]
    for letter in "aceghilmnoprstwxbfk":
        assert {ch for ch in every if re.fullmatch(f"(?i){letter}", ch)} == {
            letter,
            letter.upper(),
            *{"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}.get(letter, ""),
        }
    assert {ch for ch in every if re.fullmatch(r"\s", ch)} == {ch for ch in every if ch.isspace()}


MEGABYTE = 1_000_000
# Each rule's worst case for a backtracking engine (quadratic, or every way of splitting digits), a megabyte long.
ADVERSARIAL = {
    "a run of local-part characters without @": "/" * MEGABYTE,
    "local parts and @ without a domain": "a@" * (MEGABYTE // 2),
    "a long local part before a domain that fails late": "/" * (MEGABYTE // 2) + "@" + "a." * (MEGABYTE // 4) + "-",
    "dots": "." * MEGABYTE,
    "digits": "1" * MEGABYTE,
    "digits separated by spaces": "1 " * (MEGABYTE // 2),
    "digits separated by dashes": "1-" * (MEGABYTE // 2),
    "a phone word then spaces": "phone" + " " * MEGABYTE,
    "call then spaces, many times": ("call " + " " * 1000 + "x") * (MEGABYTE // 1006),
    "international numbers that end against a letter": "+1234567890123456789012345a " * (MEGABYTE // 28),
    "international numbers split every way": "+12 3456789012345678901234567890a " * (MEGABYTE // 34),
    "area codes in parentheses": "(555) " * (MEGABYTE // 6),
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_a_megabyte_of_a_rules_worst_case_takes_under_a_second(name: str) -> None:
    text = ADVERSARIAL[name]
    started = time.perf_counter()
    redacted = redact(text)
    assert time.perf_counter() - started < 1.0
    assert redacted == text  # none of them holds personal data
