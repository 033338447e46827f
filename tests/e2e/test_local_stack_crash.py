"""A crash of the local stack (kill -9) loses at most the writes since its last save; a restart restores the rest.

The stack saves what changed every 5 s (devstack/journal.py). Sessions are recorded before and after a save
the stack reports (`GET /_local/probes`, each save with the instant of its cut), then the process is killed
with SIGKILL: no stop, no final save. Restarted on the same data, every session answered before the last
save's cut is there, whole, and the tenant's analytics count exactly the sessions that are there (each save
is a consistent cut: a session and its counters are saved together or not at all). A journal group cut short
by the crash is ignored on restore.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from devstack import moto_fixes
from devstack.journal import JOURNAL, TableStore
from tests.e2e.conftest import ROOT_KEY, LocalStack, start_stack

pytestmark = pytest.mark.e2e


def _record(stack: LocalStack, app_key: str, n: int) -> tuple[str, float]:
    made = stack.call(
        "POST", "/v1/sessions", key=app_key, json={"user_id": f"u{n % 3}", "category_key": "ai_resize", "input": {"n": n}}
    )
    assert made.status_code == 201, made.text
    return made.json()["session_id"], time.time()


def _last_save(stack: LocalStack) -> float:
    saves = stack.call("GET", "/_local/probes").json()["saves"]
    return max((save["at"] for save in saves), default=0.0)


def test_kill_9_loses_at_most_the_last_save_interval(tmp_path: Path) -> None:
    stack = start_stack(tmp_path)
    try:
        created = stack.call("POST", "/v1/tenants", key=ROOT_KEY, json={"name": "Crash", "domain": "crash.example"})
        admin = created.json()["api_key"]["key"]
        app_key = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "app", "role": "app"}).json()["key"]
        read_key = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "read", "role": "read"}).json()["key"]
        acked = [_record(stack, app_key, n) for n in range(12)]
        deadline = time.monotonic() + 30
        while _last_save(stack) <= acked[-1][1]:  # a save after the first sessions
            assert time.monotonic() < deadline, "no save within 30 s"
            time.sleep(0.3)
        acked += [_record(stack, app_key, n) for n in range(12, 24)]  # most of these after that save
        cut = _last_save(stack)
        stack.process.send_signal(signal.SIGKILL)
        stack.process.wait(timeout=30)
    finally:
        if stack.process.poll() is None:
            stack.process.kill()

    saved = [sid for sid, at in acked if at < cut]
    assert len(saved) >= 12
    again = start_stack(tmp_path)
    try:
        present = []
        for sid, _ in acked:
            read = again.call("GET", f"/v1/sessions/{sid}", key=read_key)
            assert read.status_code in (200, 404), read.text
            if read.status_code == 200:
                assert read.json()["session_id"] == sid and read.json()["category_key"] == "ai_resize"
                present.append(sid)
        assert set(saved) <= set(present)  # nothing answered before the last save is lost
        summary = again.call("GET", "/v1/analytics/summary?days=1", key=read_key).json()
        assert summary["total_sessions"] == len(present)  # counters and sessions from the same cut
        later = again.call(
            "POST", "/v1/sessions", key=app_key, json={"user_id": "u", "category_key": "ai_resize", "input": {"n": 99}}
        )
        assert later.status_code == 201  # the restored stack takes writes
    finally:
        again.process.send_signal(signal.SIGKILL)
        again.process.wait(timeout=30)


def test_a_journal_group_cut_short_is_not_restored(tmp_path: Path) -> None:
    """What a crash in the middle of a save leaves: the complete groups are restored, the torn one is not."""
    moto_fixes.harden()
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        store = TableStore(tmp_path, backend)
        db.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}})
        db.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "2"}, "n": {"N": "2"}})
        assert store.save()["items"] == 2
        db.delete_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
        db.update_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "2"}}, UpdateExpression="SET n = :n",
                       ExpressionAttributeValues={":n": {"N": "20"}})  # fmt: skip
        assert store.save()["items"] == 2
        db.put_item(TableName="t", Item={"pk": {"S": "b"}, "sk": {"S": "1"}})
        store.save()
        journal = (tmp_path / JOURNAL).read_text()
        torn = journal[: journal.rindex("#commit")]  # the last group written, its commit line not
        (tmp_path / JOURNAL).write_text(torn + torn.splitlines()[-1][:10])

    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        restored = TableStore(tmp_path, dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"])
        assert restored.restore() == 1
        items = db.scan(TableName="t")["Items"]
        assert json.loads(json.dumps(items)) == [{"pk": {"S": "a"}, "sk": {"S": "2"}, "n": {"N": "20"}}]
        assert restored.seq == 2
