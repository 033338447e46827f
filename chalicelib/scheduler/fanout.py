"""Scheduled triggers fan out one message per tenant on SQS, so work grows across Lambdas, not inside one.

No tenant is lost on the way: SendMessageBatch answers the entries it could not take in `Failed`; those
are sent again (with a pause), and if some still fail the trigger raises, so that EventBridge retries it
(a tenant whose message went twice runs once: the second finds the task's period not yet passed or its lock held).
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..core.logging import get_logger
from ..core.settings import get_settings
from ..tenancy.service import tenant_ids
from .registry import get_task
from .service import run_for_all_tenants, run_queued

# Sends of a batch's failed entries before the trigger gives up (and raises).
SEND_ATTEMPTS = 4


class FanOutIncomplete(Exception):
    """Some tenants' messages could not be queued; raised so that the schedule's trigger is retried."""


def fire(name: str, *, seconds: float | None = None) -> dict[str, Any]:
    """A schedule fired: enqueue the task for every tenant, or run it inline (within `seconds`) without a queue."""
    queue_url = get_settings().task_queue_url
    if not queue_url:
        return {"mode": "inline", **run_for_all_tenants(name, seconds=seconds)}
    import boto3  # the Lambda runtime has it; only the fan-out needs it

    sqs = boto3.client("sqs", region_name=get_settings().region)
    batch: list[dict[str, str]] = []
    sent = 0
    for tenant_id in tenant_ids():
        batch.append({"Id": str(len(batch)), "MessageBody": json.dumps({"task": name, "tenant_id": tenant_id})})
        if len(batch) == 10:
            sent += _send(sqs, queue_url, batch)
            batch = []
    if batch:
        sent += _send(sqs, queue_url, batch)
    return {"mode": "queued", "tenants": sent}


def _send(sqs: Any, queue_url: str, entries: list[dict[str, str]]) -> int:
    """Send a batch until every entry is taken; FanOutIncomplete when some are still refused after SEND_ATTEMPTS."""
    pending = entries
    for attempt in range(SEND_ATTEMPTS):
        answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=pending)
        failed = {entry["Id"]: entry for entry in answer.get("Failed", [])}
        if not failed:
            return len(entries)
        get_logger().warning(
            "queueing scheduled tasks: some entries failed",
            extra={"failed": [f"{f['Id']}: {f.get('Code')}" for f in failed.values()], "attempt": attempt + 1},
        )
        pending = [entry for entry in pending if entry["Id"] in failed]
        if attempt + 1 < SEND_ATTEMPTS:
            time.sleep(0.2 * 2**attempt)
    codes = sorted({str(f.get("Code")) for f in failed.values()})
    raise FanOutIncomplete(f"{len(pending)} of {len(entries)} messages were not queued ({', '.join(codes)})")


def handle_message(body: str, *, seconds: float | None = None) -> str:
    """One queued (task, tenant) pair, within `seconds` (the worker Lambda's remaining time)."""
    message = json.loads(body)
    return run_queued(get_task(message["task"]), message["tenant_id"], seconds=seconds)
