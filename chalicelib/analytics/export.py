"""Export a window of sessions with their feedback, as CSV (one row per feedback) or JSONL (one session a line).

The window is honoured exactly: whole UTC days when asked in days, else the sessions created at `from` or
later and before `to` (windows.py).

Small exports are answered in the body. Once the text passes `export_inline_bytes` (1 MiB by default,
far below Lambda's 6 MB answer limit) the export is written whole to S3 under
`tenants/<tenant>/exports/` and answered with a presigned link valid one hour. Nothing is redacted:
an export is the tenant's own copy of what its keys can already read through GET /v1/sessions.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from ..core import blobs, clock
from ..core.ids import new_id
from ..core.settings import get_settings
from ..sessions.views import feedback_view, session_view
from .recount import feedback_of, sessions_in
from .windows import Window

LINK_SECONDS = 3600
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


def export(tenant_id: str, window: Window, fmt: str) -> Export:
    limit = get_settings().export_inline_bytes
    first, last = window.echo()
    buffer = io.StringIO()
    spill: IO[bytes] | None = None
    size = sessions = rows = 0
    writer = csv.writer(buffer, lineterminator="\r\n")
    if fmt == "csv":
        writer.writerow(COLUMNS)
    for record in records(tenant_id, window):
        sessions += 1
        if fmt == "csv":
            lines = csv_rows(record)
            writer.writerows(lines)
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
    key = blobs.tenant_key(tenant_id, "exports", f"{clock.iso(now)[:19].replace(':', '')}-{new_id('exp')}", name)
    location = blobs.put_file(key, spill, CONTENT_TYPES[fmt])
    spill.close()
    link = {
        "download_url": blobs.link(key, LINK_SECONDS, filename=name),
        "expires_at": clock.iso(now + timedelta(seconds=LINK_SECONDS)),
        "location": location,
    }
    return Export(fmt, first, last, name, sessions, rows, size, link=link)


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
