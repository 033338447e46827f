r"""Personal data out of training text: e-mail addresses, phone numbers and payment card numbers become placeholders.

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

Every rule runs in time linear in the text (docs/operations.md#limits). Python's backtracking `re`
tried the e-mail pattern at every start of a long run of `/` (quadratic) and the phone patterns at every
way of splitting a run of digits into groups, so the rules run on RE2 (google-re2), over the text's UTF-8
bytes. RE2 chooses among the ways a pattern can match as a backtracking engine does (leftmost-first), so
the matches are those of the backtracking patterns written beside each rule; RE2 has no look-around, so a
look-behind becomes the one character before the match (the text is read after a newline, so that a match
may start it), a look-ahead the one character after (or the end), and group 1 is what the rule replaces.
In them `\p{Nd}` is Python's `\d`, `[\p{L}\p{N}_]` Python's `\w`, `_SPACE` Python's `\s`, and `(?i)` is
spelled out with the letters Python's case-insensitive matching also takes (U+0130, U+0131, U+017F, U+212A).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import re2

EMAIL = "[EMAIL]"
PHONE = "[PHONE]"
CARD = "[CARD]"

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_UNANCHORED = re2._Anchor.UNANCHORED
_ANCHORED = re2._Anchor.ANCHOR_START
_W = r"\p{L}\p{N}_"
_D = r"\p{Nd}"
_SPACE = "[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in map(chr, range(0x3001)) if ch.isspace()) + "]"
# The letters Python's case-insensitive matching takes for each ASCII letter, besides its two cases.
_FOLDS = {"i": "\\x{130}\\x{131}", "k": "\\x{212a}", "s": "\\x{17f}"}
_LETTERS = "a-zA-Z" + "".join(_FOLDS.values())


def _nocase(word: str) -> str:
    return "".join(f"[{ch}{ch.upper()}{_FOLDS.get(ch, '')}]" if ch.isalpha() else ch for ch in word)


def _re2(pattern: str) -> re2._Regexp:
    return re2.compile(pattern.encode(), _OPTIONS)


# (?i)(?<![\w.+-])(?:mailto:)?[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*
#     @(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?![\w-])
_LOCAL = f"[{_LETTERS}0-9!#$%&'*+/=?^_`{{|}}~\\-]+"
_LABEL = f"[{_LETTERS}0-9](?:[{_LETTERS}0-9\\-]{{0,61}}[{_LETTERS}0-9])?"
_EMAIL = _re2(
    f"[^{_W}.+\\-](?:(?:{_nocase('mailto')}:)?{_LOCAL}(?:\\.{_LOCAL})*@(?:{_LABEL}\\.)+[{_LETTERS}]{{2,63}})(?:[^{_W}\\-]|\\z)"
)
# Digit groups joined by single spaces or dashes, the candidates for card numbers: (?<![\d+])\d+(?:[ -]\d+)*(?!\d),
# only the runs where a card can be (13 digits in one group, or a group of 4 digits or more then another): the
# others are left as they are by the card rule anyway, and a run without either holds no run that has one.
_DIGIT_RUN = _re2(f"[^{_D}+](?:(?:{_D}+[ \\-])*{_D}*(?:{_D}{{4}}[ \\-]{_D}|{_D}{{13}})(?:[ \\-]?{_D})*)")
_SEP = r"[ \t.\-]?"
# (?<![\w+])(?:\+|00)[1-9]\d{0,2}SEP(?:\(\d{1,4}\)SEP)?\d{1,4}(?:SEP\d{1,4}){1,5}(?![\w])
_INTERNATIONAL = _re2(
    f"[^{_W}+](?:(?:\\+|00)[1-9]{_D}{{0,2}}{_SEP}(?:\\({_D}{{1,4}}\\){_SEP})?{_D}{{1,4}}(?:{_SEP}{_D}{{1,4}}){{1,5}})"
    f"(?:[^{_W}]|\\z)"
)
# (?<![\w+])(?:1[ .\-])?(?:\(\d{3}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}(?![\w])
_NANP = _re2(f"[^{_W}+](?:(?:1[ .\\-])?(?:\\({_D}{{3}}\\)[ .\\-]?|{_D}{{3}}[ .\\-]){_D}{{3}}[ .\\-]{_D}{{4}})(?:[^{_W}]|\\z)")
# (?<![\w+])0[1-9](?:SEP\d){7,9}(?![\w])
_TRUNK = _re2(f"[^{_W}+](?:0[1-9](?:{_SEP}{_D}){{7,9}})(?:[^{_W}]|\\z)")
# (?<![\w+])0[1-9]\d{0,3}(?:[ .\-]\d{2,4}){2,4}(?![\w])
_TRUNK_GROUPED = _re2(f"[^{_W}+](?:0[1-9]{_D}{{0,3}}(?:[ .\\-]{_D}{{2,4}}){{2,4}})(?:[^{_W}]|\\z)")
# The fewest digits each shape needs to be a phone number (a date like 01.02.2026 has 8: it stays).
_PHONES = ((_INTERNATIONAL, 8), (_NANP, 10), (_TRUNK_GROUPED, 9), (_TRUNK, 9))
# (?i)\b(?:phone|tel(?:ephone)?|mobile|cell(?:phone)?|call(?:\s+me)?(?:\s+(?:at|on))?|fax|whats\s?app|sms
#     |text\s+me(?:\s+(?:at|on))?)(?:\s*(?:number|no\.?|#))?\s*[:\-]?\s*(\(?\+?\d[\d \t().\-]{5,22}\d)
_AT_ON = f"(?:{_SPACE}+(?:{_nocase('at')}|{_nocase('on')}))?"
_PHONE_WORD = "|".join(
    (
        _nocase("phone"),
        f"{_nocase('tel')}(?:{_nocase('ephone')})?",
        _nocase("mobile"),
        f"{_nocase('cell')}(?:{_nocase('phone')})?",
        f"{_nocase('call')}(?:{_SPACE}+{_nocase('me')})?{_AT_ON}",
        _nocase("fax"),
        f"{_nocase('whats')}{_SPACE}?{_nocase('app')}",
        _nocase("sms"),
        f"{_nocase('text')}{_SPACE}+{_nocase('me')}{_AT_ON}",
    )
)
_AFTER_WORD_TEXT = (
    f"[^{_W}](?:(?:{_PHONE_WORD})(?:{_SPACE}*(?:{_nocase('number')}|{_nocase('no')}\\.?|#))?{_SPACE}*[:\\-]?{_SPACE}*"
    f"(\\(?\\+?{_D}[{_D} \\t().\\-]{{5,22}}{_D}))"
)
_AFTER_WORD = _re2(_AFTER_WORD_TEXT.replace("(\\(?", "(?:\\(?"))
# The same, to find the number in what _AFTER_WORD found (only then: RE2 is far quicker when it need not say where
# groups are).
_AFTER_WORD_NUMBER = _re2(_AFTER_WORD_TEXT)


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
        data = b"\n" + text.encode("utf-8", "surrogatepass")
        data = _sub(_EMAIL, data, self._email)
        data = _sub(
            _DIGIT_RUN,
            data,
            lambda data, start, end: self._cards(data[start:end].decode("utf-8", "surrogatepass")).encode(),
            after=False,
        )
        data = _sub(_AFTER_WORD, data, self._phone_after_word, after=False)
        for pattern, fewest in _PHONES:
            data = _sub(pattern, data, functools.partial(self._phone_in, fewest=fewest))
        return data[1:].decode("utf-8", "surrogatepass")

    def _email(self, _data: bytes, _start: int, _end: int) -> bytes:
        self.counts["email"] += 1
        return EMAIL.encode()

    def _phone_in(self, data: bytes, start: int, end: int, *, fewest: int) -> bytes:
        return self._phone(data[start:end], fewest)

    def _phone(self, found: bytes, fewest: int) -> bytes:
        digits = re.sub(r"\D", "", found.decode("utf-8", "surrogatepass"))
        if not fewest <= len(digits) <= 15:
            return found
        self.counts["phone"] += 1
        return PHONE.encode()

    def _phone_after_word(self, data: bytes, at: int, until: int) -> bytes:
        # The same match, anchored where it starts and ending where it ended, with the number's group this time.
        spans = _AFTER_WORD_NUMBER._regexp.Match(_ANCHORED, data, at - _char_length_before(data, at), until)
        found = data[at:until]
        start, end = (offset - at for offset in spans[1])
        digits = re.sub(r"\D", "", found[start:end].decode("utf-8", "surrogatepass"))
        if not 7 <= len(digits) <= 15:
            return found
        self.counts["phone"] += 1
        return found[:start] + PHONE.encode() + found[end:]

    def _cards(self, run: str) -> str:
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


def _sub(pattern: re2._Regexp, data: bytes, replace: Callable[[bytes, int, int], bytes], *, after: bool = True) -> bytes:
    """`data` (a newline, then the text's UTF-8) with what each match of `pattern` stands for, `data[start:end]`,
    replaced by `replace(data, start, end)`.

    A match is the character before (the look-behind), what the rule replaces, then, when `after`, the
    character after it (the look-ahead) or nothing at the end. As `re.sub`, the next match is looked for
    from the end of what was replaced: its character before may be the one the last match read after. The
    patterns have no groups, so RE2 answers from its DFA alone, and the compiled pattern's own `Match` is
    called (google-re2 is pinned): `search` wraps each call in a generator and a match object, which made a
    text of many short matches several times slower.
    """
    find = pattern._regexp.Match
    out: list[bytes] = []
    done = 0
    while (spans := find(_UNANCHORED, data, done, len(data)))[0][0] >= 0:
        start, end = spans[0]
        start += _char_length(data[start])
        if after:
            last = end - 1
            while data[last] & 0xC0 == 0x80:  # back to the first byte of the last character
                last -= 1
            character = data[last:end].decode("utf-8", "surrogatepass")
            if not (character.isalnum() or character == "_"):  # a character after, not the end of the text
                end = last
        out += (data[done:start], replace(data, start, end))
        done = end
    if not out:
        return data
    out.append(data[done:])
    return b"".join(out)


def _char_length(first_byte: int) -> int:
    return 1 if first_byte < 0x80 else 2 if first_byte < 0xE0 else 3 if first_byte < 0xF0 else 4


def _char_length_before(data: bytes, at: int) -> int:
    first = at - 1
    while data[first] & 0xC0 == 0x80:
        first -= 1
    return at - first


def redact(text: str) -> str:
    """`text` with every e-mail address, phone number and card number replaced by its placeholder."""
    return Redactor().redact(text)
