"""Every bound on the work and the storage one request may cause, in one place (docs/operations.md#limits).

Each limit says what answers when it is passed. The body's size is the one a stage may change
(`LEARNLOOP_MAX_BODY_BYTES`, chalicelib/core/settings.py); the others are properties of the
service or of DynamoDB, not knobs. Analytics' day spans are declared with the analytics queries
(chalicelib/analytics/schemas.py `MAX_DAYS`, `SPANS`) and listed in the same table, as is the session
listing's range (chalicelib/sessions/queries.py: `from` no earlier than the tenant's creation).
"""

from __future__ import annotations

BODY_MAX_DEPTH = 32
"""Nesting of a JSON body (objects and arrays) beyond which it is refused: 422 naming the field, or 400 when the
body is too deep to read at all (chalicelib/api/bodies.py); DynamoDB nests maps and lists 32 levels at most."""

NUMBER_MAX_DIGITS = 38
"""Significant digits of a number in a body (DynamoDB's precision); more is 422 naming the field."""

NUMBER_MAX_MAGNITUDE = 9.9999999999999999999999999999999999999e125
"""The largest magnitude of a number in a body (DynamoDB's); larger, `NaN` or `Infinity` is 422 naming the field."""

NUMBER_MIN_MAGNITUDE = 1e-130
"""The smallest non-zero magnitude of a number in a body (DynamoDB's); smaller is 422 naming the field."""

ITEM_MAX_BYTES = 400 * 1024
"""DynamoDB's item limit (400 KB): attribute names and values, strings counted in UTF-8 bytes. Every item is
measured before it is written (`chalicelib.core.itemsize`); a larger one is answered 413 `item_too_large` naming
its largest attribute, and nothing of the request is written."""

PROMPT_MAX_CHARS = 100_000
"""Characters of a prompt, as written (`POST /v1/generations` `prompt`, 422 past it) and once its template's
variables are put in (generations, prompt renders). The rendered length is computed from the template's parts
before any string is built: past it, 413 `prompt_too_large` naming the variable that takes most of it (a 100 KB
body repeating a placeholder rendered 33 million characters), before any model is called, anything billed or
written."""

USER_PATTERN_MAX_CHARS = 500
"""Length of a regular expression a user writes (a data schema's column `pattern`); longer is 422."""

USER_PATTERN_MAX_MEMORY = 1 << 20
"""Memory RE2 may give a user's compiled pattern (bytes); a pattern that needs more is 422. Patterns run on RE2,
in time linear in the text, so no pattern and no value can make a check slow."""

EARLIEST_YEAR = 2000
LATEST_YEAR = 9998
"""Dates and times a query may name (analytics `from`/`to`, rebuild ranges): from the year 2000 to 9998. Learnloop
holds nothing older, and dates near year 1 or 9999 overflow the window arithmetic; outside is 422 naming the field."""

BACKDATED_DAYS = 366
"""How far before its tenant's creation a session may lie and still be listed (records made at another moment:
demo data, imports through the local stack's clock header). A session listing walks its month partitions from no
earlier than that, so `from=0001-01-01` costs the months the tenant has existed plus a year, never back to year 1."""
