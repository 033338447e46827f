"""After an erasure nothing readable anywhere holds the user: every item of the table, every object of the bucket.

Unique markers (the user's id, an e-mail as user ids often are, and a string in the user's text) are planted through
sessions, feedback, customer records, a context and its conversation, a dataset, an export written to S3 and a local
fine-tuning job; the user is erased; then a Scan of the whole DynamoDB table and a listing of the whole bucket (where
the local models' indexes are kept) find neither marker, only the erasure record's keyed hash.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from chalicelib.core.settings import get_settings
from tests.conftest import Api, Tenant


def poll(api: Api, tenant: Tenant) -> dict[str, Any]:
    reply = api.post("/v1/scheduler/tasks/poll-training-jobs/run", key=tenant.admin)
    assert reply.status == 200, reply.body
    return reply.body["result"]  # type: ignore[no-any-return]


def plant(api: Api, tenant: Tenant, user: str, mark: str, other: str) -> dict[str, Any]:
    """The user's data everywhere it can go, beside another user's; answers the ids made."""
    made: dict[str, Any] = {"sessions": []}
    for who in (user, other):
        for i in range(6):
            words = f"{mark} tulip bouquet {i}" if who == user else f"daisy basket {i} for the shop"
            created = api.post(
                "/v1/sessions",
                {
                    "user_id": who,
                    "category_key": "content_caption",
                    "input": f"caption for {words}",
                    "output": f"A caption about {words}",
                    "model_id": "local:sage",
                },
                key=tenant.app,
                # A retried request's answer is stored under its key: the user's, erased with them; the other's, kept.
                headers={"Idempotency-Key": f"session-{who}-{i}"} if i == 0 else None,
            )
            assert created.status == 201, created.body
            made["sessions"].append(created.body["session_id"])
            feedback = {"user_id": who, "rating": 5, "text": f"lovely {mark}" if who == user else "lovely"}
            assert api.post(f"/v1/sessions/{created.body['session_id']}/feedback", feedback, key=tenant.app).status == 201
    generated = api.post(
        "/v1/generations",
        {"user_id": user, "category_key": "content_caption", "prompt": f"write about {mark}", "model_id": "local:sage"},
        key=tenant.app,
        headers={"Idempotency-Key": f"generation-{mark}"},
    )
    assert generated.status == 201, generated.body
    customer = {"recipient_name": f"{mark} mum", "allergies": ["lilies"]}
    assert api.put(f"/v1/customers/{user}", customer, key=tenant.app).status == 201
    assert api.put("/v1/customers/gift-7", {"recipient_name": f"{mark} aunt", "user_id": user}, key=tenant.app).status == 201
    assert api.get(f"/v1/customers/{user}", key=tenant.admin).status == 200
    assert api.put(f"/v1/contexts/{user}/shop-1", {"store_type": "shopify", "current_issues": [mark]}, key=tenant.app).status in (
        200,
        201,
    )
    conversation = {"user_message": f"hello {mark}", "ai_response": f"hi {mark}"}
    assert api.post(f"/v1/contexts/{user}/shop-1/conversations", conversation, key=tenant.app).status == 201
    dataset = api.post("/v1/training/datasets", {"days": 30, "min_rating": 1, "validation_split": 0}, key=tenant.admin)
    assert dataset.status == 201, dataset.body
    made["dataset"] = dataset.body["id"]
    assert mark in api.get(f"/v1/training/datasets/{made['dataset']}/download", key=tenant.admin).body
    job = api.post("/v1/training/jobs", {"dataset_id": made["dataset"], "base_model": "local:sage"}, key=tenant.admin)
    assert job.status == 201, job.body
    assert poll(api, tenant) == {"polled": 1, "succeeded": 1}
    made["model"] = api.get(f"/v1/training/jobs/{job.body['id']}", key=tenant.read).body["model_id"]
    return made


def ask(tenant: Tenant, model_id: str, prompt: str) -> str:
    """The model's answer, straight from the provider (a generation would record it in a session of the asker's)."""
    from chalicelib.providers.base import CompletionRequest
    from chalicelib.providers.local import answer

    return answer(CompletionRequest(model_id=model_id, messages=[{"role": "user", "content": prompt}], tenant_id=tenant.id))


def everything_stored() -> list[tuple[str, str]]:
    """(where, text) of every item of the table and every object of the bucket."""
    settings = get_settings()
    found: list[tuple[str, str]] = []
    dynamodb = boto3.client("dynamodb", region_name=settings.region)
    for page in dynamodb.get_paginator("scan").paginate(TableName=settings.table_name):
        for item in page["Items"]:
            found.append((f"item {item['pk']['S']} / {item['sk']['S']}", json.dumps(item, ensure_ascii=False)))
    s3 = boto3.client("s3", region_name=settings.region)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.blob_bucket):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=settings.blob_bucket, Key=obj["Key"])["Body"].read()
            found.append((f"object {obj['Key']}", obj["Key"] + "\n" + body.decode("utf-8", errors="replace")))
    return found


def test_after_erasure_no_item_and_no_object_holds_the_user(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    token = uuid.uuid4().hex[:12]
    user, mark, other = f"jane.{token}@example.com", f"zqmark{token}", f"someone-{token[:4]}"
    made = plant(api, tenant, user, mark, other)
    prompt = f"caption for {mark} tulip bouquet 3"
    assert mark in ask(tenant, made["model"], prompt)  # the model answers the user's text word for word
    monkeypatch.setenv("LEARNLOOP_EXPORT_INLINE_BYTES", "0")  # every export goes to S3
    for key in (tenant.admin, tenant.read):
        for fmt in ("csv", "jsonl"):
            link = api.get(f"/v1/analytics/export?format={fmt}&days=7", key=key)
            assert link.status == 200 and link.body["location"].startswith("s3://"), link.body
    monkeypatch.delenv("LEARNLOOP_EXPORT_INLINE_BYTES")
    before = [where for where, text in everything_stored() if user in text or mark in text]
    assert any(where.startswith("object tenants/") and "/exports/" in where for where in before)
    assert any("/models/" in where for where in before)

    reply = api.delete(f"/v1/users/{user}/data", key=tenant.admin)
    assert reply.status == 200, reply.body
    leaks = [where for where, text in everything_stored() if user in text or mark in text]
    assert leaks == [], "\n".join(leaks)
    assert reply.body["user_id"] == user  # the answer echoes the request; the record keeps only a keyed hash
    assert reply.body["deleted"]["exports"] == 4  # the read key's name the user [EMAIL] but still hold the user's text
    assert reply.body["deleted"]["replays"] == 2  # the session's and the generation's stored answers
    assert any("#IDEMPOTENCY#" in where for where, _ in everything_stored())  # the other user's stays
    assert reply.body["models"] == [{"model_id": made["model"], "action": "rebuilt"}]
    assert reply.body["affected_datasets"] == [made["dataset"]]

    records = [text for where, text in everything_stored() if "#ERASURE#" in where]
    assert len(records) == 1
    record = json.loads(records[0])
    assert len(record["user_hash"]["S"]) == 64 and user not in record["user_hash"]["S"]
    # The rebuilt model answers as its base model would: the user's text is no longer in it.
    assert mark not in ask(tenant, made["model"], prompt)
    again = api.delete(f"/v1/users/{user}/data", key=tenant.admin).body
    assert again["models"] == reply.body["models"] and again["deleted"] == reply.body["deleted"] and again["runs"] == 2
