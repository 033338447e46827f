"""Regular expressions that users write (data-quality rules), run by RE2 in time linear in the text.

Python's `re` backtracks: a pattern such as `(a+)+$` takes exponential time on a value of a few dozen
characters, and any user may store one. RE2 never backtracks; it has no look-around and no
back-references, so such a pattern is refused when it is written (422), and its size is bounded
(chalicelib/core/limits.py). RE2's syntax is otherwise Python's for everything a validity rule needs.
"""

from __future__ import annotations

from functools import lru_cache

import re2

from .limits import USER_PATTERN_MAX_CHARS, USER_PATTERN_MAX_MEMORY

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = USER_PATTERN_MAX_MEMORY


def compile_pattern(pattern: str) -> re2._Regexp:
    """The compiled pattern; ValueError saying why RE2 cannot run it."""
    if len(pattern) > USER_PATTERN_MAX_CHARS:
        raise ValueError(f"is longer than {USER_PATTERN_MAX_CHARS} characters")
    return _compiled(pattern)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re2._Regexp:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(
            f"is not a regular expression RE2 can run ({reason}); look-around and back-references are not supported"
        ) from None


def fullmatch(pattern: str, text: str) -> bool:
    """Whether all of `text` matches `pattern` (a pattern RE2 cannot run, stored before it was checked, matches nothing)."""
    try:
        return compile_pattern(pattern).fullmatch(text) is not None
    except ValueError:
        return False
