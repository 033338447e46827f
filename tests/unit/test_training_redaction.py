"""Redaction: planted e-mail addresses, phone numbers (international and national) and card numbers never survive;
ordinary numbers (years, prices, dates, sizes, ids) do."""

from __future__ import annotations

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
