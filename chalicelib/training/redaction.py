"""Personal data out of training text: e-mail addresses, phone numbers and payment card numbers become placeholders.

Rules (docs/training.md#redaction), applied in this order to every text that goes into a dataset:

1. **E-mail**: `local@domain.tld` (RFC 5322's usual characters; `mailto:` included) -> `[EMAIL]`.
2. **Card**: 13 to 19 digits, in one block or in groups separated by single spaces or dashes (every
   group but the last of 4 to 6 digits, as cards are printed), that pass the Luhn check -> `[CARD]`.
   Within a longer run of groups every window is tried, so "order 12 4111 1111 1111 1111" loses the
   card and keeps "12". A run right after `+` is left to the phone rules.
3. **Phone**, so that ordinary numbers (years, prices, quantities, dates, sizes, ids) survive:
   - international: `+` or `00`, a country code, then more digits, alone or in groups (spaces, dots,
     dashes, parentheses), 8 to 15 digits in all -> `[PHONE]`;
   - North American: 3-3-4 digits with separators, optional `(area)` and leading `1` ("(555) 123-4567",
     "555.123.4567", "1-800-555-0199");
   - national with a trunk 0: `0`, a digit from 1 to 9, then 7 to 9 more digits, alone or in groups
     ("020 7946 0958", "06 12 34 56 78", "0612345678"); 9 digits at least, so a date such as
     "01.02.2026" stays;
   - any run of 7 to 15 digits (with separators) right after a phone word (phone, tel, mobile, cell,
     call, fax, WhatsApp, SMS, text me), whatever its shape.
   A bare run of digits without a trunk prefix, a `+` or a phone word ("5551234567", "20261121") is
   not taken for a phone: it may as well be an order number.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

EMAIL = "[EMAIL]"
PHONE = "[PHONE]"
CARD = "[CARD]"

_EMAIL = re.compile(
    r"(?i)(?<![\w.+-])(?:mailto:)?[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?![\w-])"
)
# Digit groups joined by single spaces or dashes: the candidates for card numbers.
_DIGIT_RUN = re.compile(r"(?<![\d+])\d+(?:[ -]\d+)*(?!\d)")
_SEP = r"[ \t.\-]?"
_INTERNATIONAL = re.compile(
    rf"(?<![\w+])(?:\+|00)[1-9]\d{{0,2}}{_SEP}(?:\(\d{{1,4}}\){_SEP})?\d{{1,4}}(?:{_SEP}\d{{1,4}}){{1,5}}(?![\w])"
)
_NANP = re.compile(r"(?<![\w+])(?:1[ .\-])?(?:\(\d{3}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}(?![\w])")
_TRUNK = re.compile(rf"(?<![\w+])0[1-9](?:{_SEP}\d){{7,9}}(?![\w])")
_TRUNK_GROUPED = re.compile(r"(?<![\w+])0[1-9]\d{0,3}(?:[ .\-]\d{2,4}){2,4}(?![\w])")
# The fewest digits each shape needs to be a phone number (a date like 01.02.2026 has 8: it stays).
_PHONES = ((_INTERNATIONAL, 8), (_NANP, 10), (_TRUNK_GROUPED, 9), (_TRUNK, 9))
_AFTER_WORD = re.compile(
    r"(?i)\b(?:phone|tel(?:ephone)?|mobile|cell(?:phone)?|call(?:\s+me)?(?:\s+(?:at|on))?|fax|whats\s?app|sms|text\s+me(?:\s+(?:at|on))?)"
    r"(?:\s*(?:number|no\.?|#))?\s*[:\-]?\s*(\(?\+?\d[\d \t().\-]{5,22}\d)"
)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of card numbers."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


@dataclass
class Redactor:
    """Redacts texts and counts what it replaced (a dataset reports the counts)."""

    counts: Counter[str] = field(default_factory=Counter)

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def redact(self, text: str) -> str:
        text = _EMAIL.sub(self._count(EMAIL), text)
        text = _DIGIT_RUN.sub(self._cards, text)
        text = _AFTER_WORD.sub(self._phone_after_word, text)
        for pattern, fewest in _PHONES:
            text = pattern.sub(lambda match, fewest=fewest: self._phone(match, fewest), text)
        return text

    def _count(self, placeholder: str):  # noqa: ANN202 - a re.sub callback
        def replace(_match: re.Match[str]) -> str:
            self.counts[placeholder.strip("[]").lower()] += 1
            return placeholder

        return replace

    def _phone(self, match: re.Match[str], fewest: int) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if not fewest <= len(digits) <= 15:
            return match.group(0)
        self.counts["phone"] += 1
        return PHONE

    def _phone_after_word(self, match: re.Match[str]) -> str:
        number = match.group(1)
        digits = re.sub(r"\D", "", number)
        if not 7 <= len(digits) <= 15:
            return match.group(0)
        self.counts["phone"] += 1
        start, end = match.span(1)
        whole = match.group(0)
        offset = match.start(0)
        return whole[: start - offset] + PHONE + whole[end - offset :]

    def _cards(self, match: re.Match[str]) -> str:
        run = match.group(0)
        parts = re.split(r"([ -])", run)
        groups, seps = parts[0::2], parts[1::2]
        out: list[str] = []
        i = 0
        while i < len(groups):
            best = None
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j]
                if len(digits) > 19 or (j > i and not 4 <= len(groups[j - 1]) <= 6):
                    break
                if len(digits) >= 13 and luhn_valid(digits):
                    best = j
            if best is not None:
                out.append(CARD)
                self.counts["card"] += 1
                if best + 1 < len(groups):
                    out.append(seps[best])
                i = best + 1
            else:
                out.append(groups[i])
                if i + 1 < len(groups):
                    out.append(seps[i])
                i += 1
        return "".join(out)


def redact(text: str) -> str:
    """`text` with every e-mail address, phone number and card number replaced by its placeholder."""
    return Redactor().redact(text)
