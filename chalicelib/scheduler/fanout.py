"""Scheduled triggers fan out one message per tenant on SQS, so work grows across Lambdas, not inside one."""

from __future__ import annotations

import json
from typing import Any

from ..core.settings import get_settings
from ..tenancy.store import iter_tenant_ids
from .registry import get_task
from .service import run_for_all_tenants, run_if_enabled

# The name Chalice's `on_sqs_message` needs; infra/template.yaml points the worker at the stack's own queue instead.
TASK_QUEUE_NAME = "learnloop-scheduled-tasks"


def fire(name: str) -> dict[str, Any]:
    """A schedule fired: enqueue the task for every tenant, or run it inline when no queue is configured."""
    queue_url = get_settings().task_queue_url
    if not queue_url:
        return {"mode": "inline", **run_for_all_tenants(name)}
    import boto3  # the Lambda runtime has it; only the fan-out needs it

    sqs = boto3.client("sqs", region_name=get_settings().region)
    batch: list[dict[str, str]] = []
    sent = 0
    for tenant_id in iter_tenant_ids():
        batch.append({"Id": str(len(batch)), "MessageBody": json.dumps({"task": name, "tenant_id": tenant_id})})
        if len(batch) == 10:
            sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)
            sent, batch = sent + len(batch), []
    if batch:
        sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)
        sent += len(batch)
    return {"mode": "queued", "tenants": sent}


def handle_message(body: str) -> str:
    """One queued (task, tenant) pair."""
    message = json.loads(body)
    return run_if_enabled(get_task(message["task"]), message["tenant_id"])
