"""Export a window of sessions with their feedback, as CSV (one row per feedback) or JSONL (one session a line).

The window is honoured exactly: whole UTC days when asked in days, else the sessions created at `from` or
later and before `to` (windows.py).

Small exports are answered in the body. Once the text passes `export_inline_bytes` (1 MiB by default,
far below Lambda's 6 MB answer limit) the export is written whole to S3 under
`tenants/<tenant>/exports/<time>-<id>/` and answered with a presigned link valid one hour. Stored exports
carry the tag `learnloop-retention=export`, which the bucket's lifecycle rule `expire-exports` matches
(infra/template.yaml): S3 deletes them a day later. Beside each, `subjects.json` lists the keyed hashes
(core/pseudonyms.py) of the users whose sessions or feedback it holds, so that erasing a user deletes the
stored exports that held them (`erase_user`).

An admin key's export is raw. Any other key's has every text (ids, inputs, outputs, feedback) passed
through the datasets' redactor (training/redaction.py): e-mail addresses, phone and card numbers become
`[EMAIL]`, `[PHONE]`, `[CARD]`.

CSV cells are neutralised against formula injection (OWASP's CSV-injection rule): a text cell starting
with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` and quoted, so a spreadsheet
shows it as text. JSONL stays raw.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from ..core import blobs, clock, pseudonyms
from ..core.extensions import Erasure
from ..core.ids import new_id
from ..core.settings import get_settings
from ..sessions.views import feedback_view, session_view
from ..training.redaction import Redactor
from .recount import feedback_of, sessions_in
from .windows import Window

LINK_SECONDS = 3600
# The tag the bucket's lifecycle rule `expire-exports` matches (infra/template.yaml); a stored export expires by it.
RETENTION_TAG = {"learnloop-retention": "export"}
SUBJECTS = "subjects.json"
# A text cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
SESSION_COLUMNS = (
    "session_id",
    "created_at",
    "user_id",
    "category_key",
    "project_id",
    "model_id",
    "experiment_id",
    "variant_id",
    "source",
    "status",
    "selected_by",
    "processing_time_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "quality_score",
    "feedback_count",
    "corrections",
    "input",
    "output",
    "corrected_output",
)
FEEDBACK_COLUMNS = (
    "feedback_id",
    "feedback_user_id",
    "rating",
    "thumbs",
    "feedback_type",
    "helpful",
    "aspect",
    "text",
    "device_type",
    "feedback_quality_score",
    "feedback_created_at",
    "feedback_updated_at",
)
COLUMNS = SESSION_COLUMNS + FEEDBACK_COLUMNS


@dataclass
class Export:
    """Either the text itself (`body`) or where it was written (`link`)."""

    format: str
    first: str  # `from` and `to` as asked (Window.echo)
    last: str
    name: str
    sessions: int
    rows: int
    size: int
    body: str | None = None
    link: dict[str, Any] | None = None


def records(tenant_id: str, window: Window) -> Iterator[dict[str, Any]]:
    """Each session of the window, oldest first, as GET /v1/sessions/{id} shows it (feedback included)."""
    for item in sessions_in(tenant_id, *window.exact()):
        feedback = sorted(feedback_of(tenant_id, item.id), key=lambda fb: (fb.created_at, fb.id)) if item.feedback_count else []
        view = session_view(item).model_dump(mode="json")
        view["feedback"] = [feedback_view(fb).model_dump(mode="json") for fb in feedback]
        view["corrections"] = int(item.corrections_count or 0)
        yield view


def redacted(value: Any, redactor: Redactor) -> Any:
    """`value` with every text in it redacted (keys of objects too: a form's field may be named by an address)."""
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, dict):
        return {redactor(k): redacted(v, redactor) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v, redactor) for v in value]
    return value


def users_of(record: dict[str, Any]) -> set[str]:
    """The end users a record holds data of: the session's and each feedback's."""
    return {record["user_id"], *(fb["user_id"] for fb in record["feedback"])}


def csv_rows(record: dict[str, Any]) -> list[list[Any]]:
    usage = record.get("usage") or {}
    session = {
        **record,
        "input_tokens": usage.get("input_tokens"),
        "output_tokens": usage.get("output_tokens"),
        "input": _json(record.get("input")),
        "output": _json(record.get("output")),
        "corrected_output": _json(record.get("corrected_output")),
    }
    head = [_cell(session.get(name)) for name in SESSION_COLUMNS]
    if not record["feedback"]:
        return [head + [""] * len(FEEDBACK_COLUMNS)]
    rows = []
    for fb in record["feedback"]:
        values = {
            **fb,
            "feedback_user_id": fb["user_id"],
            "feedback_quality_score": fb.get("quality_score"),
            "feedback_created_at": fb["created_at"],
            "feedback_updated_at": fb["updated_at"],
        }
        rows.append(head + [_cell(values.get(name)) for name in FEEDBACK_COLUMNS])
    return rows


def file_name(window: Window, fmt: str) -> str:
    """`sessions-<from>-to-<to>.<format>`: the days, or the instants without their colons."""
    first, last = (text.replace(":", "") for text in window.echo())
    return f"sessions-{first}-to-{last}.{fmt}"


def csv_line(cells: list[Any]) -> str:
    """One CSV record (RFC 4180, CRLF): a cell is quoted when it holds `,`, `"`, CR or LF, or was neutralised."""
    out = []
    for cell in cells:
        text = str(cell)
        neutral = isinstance(cell, str) and text.startswith(FORMULA_STARTS)
        if neutral:
            text = "'" + text
        if neutral or any(ch in text for ch in ',"\r\n'):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return ",".join(out) + "\r\n"


def export(tenant_id: str, window: Window, fmt: str, *, raw: bool = False) -> Export:
    """The window's sessions in `fmt`; `raw` (an admin's) leaves the texts as they are, else they are redacted."""
    limit = get_settings().export_inline_bytes
    first, last = window.echo()
    buffer = io.StringIO()
    spill: IO[bytes] | None = None
    size = sessions = rows = 0
    subjects: set[str] = set()
    redactor = Redactor()
    if fmt == "csv":
        buffer.write(csv_line(list(COLUMNS)))
    for record in records(tenant_id, window):
        sessions += 1
        subjects |= users_of(record)
        if not raw:
            record = redacted(record, redactor)
        if fmt == "csv":
            lines = csv_rows(record)
            buffer.writelines(csv_line(line) for line in lines)
            rows += len(lines)
        else:
            buffer.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
            rows += 1
        if spill is not None or buffer.tell() > limit:
            chunk = buffer.getvalue().encode()
            size += len(chunk)
            spill = spill or tempfile.TemporaryFile()
            spill.write(chunk)
            buffer.seek(0)
            buffer.truncate()
    if spill is None:
        text = buffer.getvalue()
        return Export(fmt, first, last, file_name(window, fmt), sessions, rows, len(text.encode()), body=text)
    chunk = buffer.getvalue().encode()
    spill.write(chunk)
    size += len(chunk)
    spill.seek(0)
    now = clock.now()
    name = file_name(window, fmt)
    folder = blobs.tenant_key(tenant_id, "exports", f"{clock.iso(now)[:19].replace(':', '')}-{new_id('exp')}")
    hashes = sorted(pseudonyms.user_hash(tenant_id, user) for user in subjects)
    # The list of its users first: an export is never stored without the means to erase it.
    blobs.put(f"{folder}/{SUBJECTS}", json.dumps(hashes).encode(), "application/json", tags=RETENTION_TAG)
    key = f"{folder}/{name}"
    location = blobs.put_file(key, spill, CONTENT_TYPES[fmt], tags=RETENTION_TAG)
    spill.close()
    link = {
        "download_url": blobs.link(key, LINK_SECONDS, filename=name),
        "expires_at": clock.iso(now + timedelta(seconds=LINK_SECONDS)),
        "location": location,
    }
    return Export(fmt, first, last, name, sessions, rows, size, link=link)


def erase_user(tenant_id: str, user_id: str) -> list[str]:
    """Delete every stored export of the tenant that holds the user's data; answers the exports' folders."""
    wanted = pseudonyms.user_hash(tenant_id, user_id)
    erased = []
    for key in blobs.keys_under(blobs.tenant_key(tenant_id, "exports") + "/"):
        if not key.endswith("/" + SUBJECTS) or wanted not in json.loads(blobs.get(key)):
            continue
        folder = key.removesuffix(SUBJECTS)
        for stored in blobs.keys_under(folder):
            if stored != key:
                blobs.delete(stored)
        blobs.delete(key)  # last: a retry cut off before it still finds the export
        erased.append(folder.rstrip("/").rsplit("/", 1)[1])
    return erased


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value


def erase_user_data(erasure: Erasure) -> None:
    """The stored exports that held the user's data, named on the erasure's record (a user erasure,
    chalicelib/contributions.py)."""
    erasure.note("exports", erase_user(erasure.tenant_id, erasure.user_id))
