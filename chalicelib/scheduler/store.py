"""Per-tenant state of each scheduled task."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys
from ..core.table import TableItem


class TaskStateItem(TableItem, discriminator="task_state"):
    name = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(null=True)  # None: the task's default
    last_run_at = UnicodeAttribute(null=True)
    last_finished_at = UnicodeAttribute(null=True)
    last_status = UnicodeAttribute(null=True)  # succeeded | failed
    last_trigger = UnicodeAttribute(null=True)  # schedule | manual
    last_result = JSONAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    last_duration_ms = NumberAttribute(null=True)
    runs = NumberAttribute(null=True)
    failures = NumberAttribute(null=True)
    # A run holds the task for its tenant so that two runs never overlap; the lock goes stale at lock_until
    # (the Lambda's timeout plus a margin, core/deadline.lock_seconds), before SQS redelivers the message.
    lock_token = UnicodeAttribute(null=True)
    lock_until = NumberAttribute(null=True)
    lock_started_at = UnicodeAttribute(null=True)
    # Runs that ran out of time: stopped at their deadline, or found killed (a stale lock) by the next run.
    timeouts = NumberAttribute(null=True)
    last_timed_out_at = UnicodeAttribute(null=True)
    # Scheduled runs skipped because another run held the task.
    skipped_while_running = NumberAttribute(null=True)


def task_states(tenant_id: str) -> list[TaskStateItem]:
    """The tenant's state of every task that ran or was set for it."""
    return list(TaskStateItem.query(keys.tenant(tenant_id).pk, TableItem.sk.startswith(keys.task_state_prefix())))
