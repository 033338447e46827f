"""Ids, keys, cursors, settings and the task registry."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.core import clock, keys, pagination
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.ids import new_id
from chalicelib.core.settings import get_settings
from chalicelib.scheduler.registry import TaskSpec

ROOT = Path(__file__).resolve().parents[2]


def test_ids_are_unique_and_sort_by_time() -> None:
    with clock.frozen(datetime(2026, 1, 1, tzinfo=UTC)):
        early = [new_id("ses") for _ in range(100)]
    with clock.frozen(datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)):
        late = new_id("ses")
    assert len(set(early)) == 100
    assert all(e < late for e in early)
    assert all(len(i) == 30 and i.startswith("ses_") for i in early)


def test_timestamps_have_milliseconds_and_z() -> None:
    assert clock.iso(datetime(2026, 11, 21, 23, 4, 5, 123456, tzinfo=UTC)) == "2026-11-21T23:04:05.123Z"
    assert clock.parse_iso("2026-11-21T23:04:05.123Z") == datetime(2026, 11, 21, 23, 4, 5, 123000, tzinfo=UTC)


def test_every_tenant_key_starts_with_the_tenant_partition() -> None:
    tenant_keys = [
        keys.tenant("t1"),
        keys.api_key("t1", "k"),
        keys.rate_window("t1", "2026-11-22T10:05"),
        keys.session("t1", "s"),
        keys.feedback("t1", "s", "u"),
        keys.counter("t1", 3, "DAY", "2026-11-22"),
        keys.idempotency("t1", "abc"),
        keys.task_state("t1", "aggregate-metrics"),
    ]
    for key in tenant_keys:
        assert key.pk == "TENANT#t1" or key.pk.startswith("TENANT#t1#"), key
    for partition in (
        keys.sessions_by_month("t1", "2026-11"),
        keys.user_items("t1", "u"),
        keys.sessions_by_category("t1", "c", "2026-11"),
    ):
        assert partition.startswith("TENANT#t1#")
    assert keys.idempotency(None, "abc").pk.startswith("PLATFORM#")
    assert keys.domain_claim("a.example").pk.startswith("PLATFORM#")
    # A client's key is hashed: any text fits in the key, at a bounded length.
    assert len(keys.idempotency("t1", "x" * 128).pk) < 100


def test_cursors_are_bound_to_their_owner_and_list() -> None:
    cursor = pagination.encode("t1", "sessions", {"m": "2026-11"})
    assert pagination.decode("t1", "sessions", cursor) == {"m": "2026-11"}
    for owner, listing, text in [
        ("t2", "sessions", cursor),
        ("t1", "api-keys", cursor),
        ("t1", "sessions", cursor[:-2] + "xx"),
        ("t1", "sessions", "nonsense"),
    ]:
        with pytest.raises(ValidationFailed):
            pagination.decode(owner, listing, text)


def test_settings_are_read_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_COUNTER_SHARDS", "7")
    assert get_settings().counter_shards == 7
    monkeypatch.setenv("LEARNLOOP_COUNTER_SHARDS", "2")
    assert get_settings().counter_shards == 2
    monkeypatch.setenv("LEARNLOOP_ROOT_KEY_SHA256", "AB" * 32)
    assert get_settings().root_key_digest() == "ab" * 32


def test_task_schedules_read_as_eventbridge_rates() -> None:
    assert TaskSpec("a", 1, "days", lambda tenant_id: {}, "").schedule == "rate(1 day)"
    assert TaskSpec("a", 6, "hours", lambda tenant_id: {}, "").schedule == "rate(6 hours)"
    assert TaskSpec("a", 7, "days", lambda tenant_id: {}, "").period == timedelta(days=7)


def test_import_app_does_not_import_openai_or_touch_aws() -> None:
    probe = (
        "import sys, app; "
        "heavy = [m for m in ('openai', 'httpx', 'moto', 'scipy', 'numpy') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert result.stdout.strip() == ""
    assert "openai" not in result.stderr
