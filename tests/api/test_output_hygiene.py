"""What leaves Learnloop is safe to open: CSV cells a spreadsheet will not run, redacted exports for keys below admin,
an audit trail of data access, and errors in our words (never an exception's text, a provider's echo or a bucket)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.conftest import Api, Tenant

HOSTILE = ['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "\tTab", "\rCR", "plain, with comma", 'say "hi"']


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(api: Api, tenant: Tenant) -> None:
    for n, text in enumerate(HOSTILE):
        api.post("/v1/sessions", {"user_id": f"u{n}", "category_key": "chat", "input": text, "output": "ok"}, key=tenant.app)
    body = api.get("/v1/analytics/export?format=csv&days=1", key=tenant.admin).body
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert [row["input"] for row in rows] == [
        '\'=HYPERLINK("http://x")',
        "'+1+2",
        "'-3",
        "'@SUM(A1)",
        "'\tTab",
        "'\rCR",
        "plain, with comma",
        'say "hi"',
    ]
    lines = body.split("\r\n")
    assert ',"\'=HYPERLINK(""http://x"")",' in lines[1] and ',"\'-3",' in lines[3]  # prefixed and quoted
    assert ",ok," in lines[1]  # ordinary cells as before
    assert rows[0]["processing_time_ms"] == "" and rows[0]["feedback_count"] == "0"  # numbers are not prefixed
    # JSONL stays raw.
    jsonl = api.get("/v1/analytics/export?format=jsonl&days=1", key=tenant.admin).body
    assert [json.loads(line)["input"] for line in jsonl.splitlines()] == HOSTILE


def test_a_read_keys_export_is_redacted_and_an_admins_is_raw(api: Api, tenant: Tenant) -> None:
    created = api.post(
        "/v1/sessions",
        {
            "user_id": "ann@example.com",
            "category_key": "chat",
            "input": "call me on +44 20 7946 0958 or mail ann@example.com",
            "output": "card 4111 1111 1111 1111 noted",
        },
        key=tenant.app,
    ).body
    api.post(
        f"/v1/sessions/{created['session_id']}/feedback",
        {"user_id": "bob@example.com", "rating": 4, "text": "bob@example.com liked it"},
        key=tenant.app,
    )
    raw = line(api.get("/v1/analytics/export?format=jsonl&days=1", key=tenant.admin).body)
    assert raw["user_id"] == "ann@example.com" and raw["input"] == "call me on +44 20 7946 0958 or mail ann@example.com"
    assert raw["output"] == "card 4111 1111 1111 1111 noted" and raw["feedback"][0]["text"] == "bob@example.com liked it"
    for key in (tenant.read, tenant.app):
        redacted = line(api.get("/v1/analytics/export?format=jsonl&days=1", key=key).body)
        assert redacted["user_id"] == "[EMAIL]" and redacted["input"] == "call me on [PHONE] or mail [EMAIL]"
        assert redacted["output"] == "card [CARD] noted"
        assert (redacted["feedback"][0]["user_id"], redacted["feedback"][0]["text"]) == ("[EMAIL]", "[EMAIL] liked it")
        assert redacted["session_id"] == raw["session_id"] and redacted["created_at"] == raw["created_at"]
    rows = list(csv.DictReader(io.StringIO(api.get("/v1/analytics/export?days=1", key=tenant.read).body, newline="")))
    assert (rows[0]["user_id"], rows[0]["feedback_user_id"], rows[0]["text"]) == ("[EMAIL]", "[EMAIL]", "[EMAIL] liked it")


def line(body: Any) -> dict[str, Any]:
    """The one line of a JSONL export (the test client parses a single line as JSON already)."""
    return body if isinstance(body, dict) else json.loads(body)  # type: ignore[no-any-return]


def key_id(key: str) -> str:
    return key.split(".")[2]


def test_the_audit_trail_says_who_read_what_and_when(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    api.post("/v1/sessions", {"user_id": "u1", "category_key": "chat", "input": "hi"}, key=tenant.app)
    api.put("/v1/customers/cust-1", {"recipient_name": "Mum", "user_id": "u1"}, key=tenant.app)
    assert api.get("/v1/customers/cust-1", key=tenant.admin).status == 200
    assert api.get("/v1/customers/nobody", key=tenant.admin).status == 404  # nothing read, nothing recorded
    api.get("/v1/analytics/export?format=jsonl&from=2026-01-01&to=2026-01-02", key=tenant.read)
    dataset = api.post("/v1/training/datasets", {"days": 30, "min_rating": 1}, key=tenant.admin).body
    api.get(f"/v1/training/datasets/{dataset['id']}/download?split=validation", key=tenant.admin)
    assert api.get("/v1/audit", key=tenant.read).status == 403 and api.get("/v1/audit", key=tenant.app).status == 403

    trail = api.get("/v1/audit", key=tenant.admin).body
    assert trail["next_cursor"] is None
    entries = trail["items"]
    assert [(e["action"], e["key_id"], e["role"], e["target"]) for e in entries] == [
        ("dataset_download", key_id(tenant.admin), "admin", dataset["id"]),
        ("export", key_id(tenant.read), "read", "sessions 2026-01-01 to 2026-01-02"),
        ("customer_read", key_id(tenant.admin), "admin", "cust-1"),
    ]
    assert entries[0]["details"] == {"split": "validation", "delivered": "inline"}
    assert entries[1]["details"] == {
        "format": "jsonl",
        "from": "2026-01-01",
        "to": "2026-01-02",
        "sessions": 0,
        "rows": 0,
        "redacted": True,
        "delivered": "inline",
    }
    assert entries[0]["created_at"] >= entries[1]["created_at"] >= entries[2]["created_at"]
    # Paged like every list, filtered by action, and the tenant's own only.
    first = api.get("/v1/audit?limit=2", key=tenant.admin).body
    second = api.get(f"/v1/audit?limit=2&cursor={first['next_cursor']}", key=tenant.admin).body
    assert [e["id"] for e in first["items"] + second["items"]] == [e["id"] for e in entries] and second["next_cursor"] is None
    assert [e["action"] for e in api.get("/v1/audit?action=export", key=tenant.admin).body["items"]] == ["export"]
    assert api.get("/v1/audit", key=other_tenant.admin).body["items"] == []
    # Erasing u1 leaves the entry but names the record by the keyed hash.
    api.delete("/v1/users/u1/data", key=tenant.admin)
    after = api.get("/v1/audit?action=customer_read", key=tenant.admin).body["items"]
    assert len(after) == 1 and after[0]["target"].startswith("erased:") and len(after[0]["target"]) == len("erased:") + 64
    assert "cust-1" not in json.dumps(after) and "u1" not in after[0]["target"]


def test_a_provider_failure_is_told_in_our_words(
    api: Api, tenant: Tenant, fake_openai: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openai.resources.chat.completions as completions

    def leak(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("connection reset; Authorization: Bearer sk-live-51Hx9SECRET0042 to s3://learnloop-data")

    monkeypatch.setattr(completions.Completions, "create", leak)
    reply = api.post(
        "/v1/generations",
        {"user_id": "u1", "category_key": "content_caption", "prompt": "hello", "model_id": "openai:gpt-4o-mini"},
        key=tenant.app,
    )
    text = json.dumps(reply.body)
    assert reply.status in (201, 502) and "SECRET" not in text and "learnloop-data" not in text and "RuntimeError" not in text
    assert "the call to the provider failed unexpectedly" in text


def test_a_storage_failure_names_no_bucket(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from chalicelib.core import blobs

    real = blobs.client()

    class Failing:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def put_object(self, **kwargs: Any) -> Any:
            error = {
                "Error": {
                    "Code": "NoSuchBucket",
                    "Message": "bucket learnloop-data does not exist",
                    "BucketName": "learnloop-data",
                }
            }
            raise ClientError(error, "PutObject")

    monkeypatch.setattr(blobs, "client", lambda: Failing())
    reply = api.post("/v1/training/datasets", {"days": 30, "min_rating": 1}, key=tenant.admin)
    assert reply.status == 503 and reply.body["error"] == {
        "code": "storage_unavailable",
        "message": "a stored file could not be written; retry shortly",
        "details": [],
    }
    monkeypatch.undo()
    failed = api.get("/v1/training/datasets", key=tenant.read).body["items"][0]
    assert failed["status"] == "failed" and failed["error"] == "a stored file could not be written; retry shortly"
