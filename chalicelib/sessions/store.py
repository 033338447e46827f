"""Session, feedback and daily-counter items."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys
from ..core.table import TableItem


class SessionItem(TableItem, discriminator="session"):
    id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    category_key = UnicodeAttribute()
    project_id = UnicodeAttribute(null=True)
    input = JSONAttribute(null=True)
    output = JSONAttribute(null=True)
    corrected_output = JSONAttribute(null=True)
    manual_corrections = JSONAttribute(null=True)
    model_id = UnicodeAttribute(null=True)
    experiment_id = UnicodeAttribute(null=True)
    variant_id = UnicodeAttribute(null=True)
    # The experiment's period of fixed weights the session was recorded in, when it was running (its SRM check).
    experiment_period = NumberAttribute(null=True)
    features = JSONAttribute(null=True)
    target = JSONAttribute(null=True)
    processing_time_ms = NumberAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    day = UnicodeAttribute()
    # Generations (POST /v1/generations) also record how they were made.
    source = UnicodeAttribute(null=True)  # generation | external
    status = UnicodeAttribute(null=True)  # succeeded | failed
    prompt = JSONAttribute(null=True)  # {name, version, variables} when a template was rendered
    input_tokens = NumberAttribute(null=True)
    output_tokens = NumberAttribute(null=True)
    cost_usd = NumberAttribute(null=True)
    latency_ms = NumberAttribute(null=True)
    attempts = JSONAttribute(null=True)
    selected_by = UnicodeAttribute(null=True)
    confidence_score = NumberAttribute(null=True)
    candidates = JSONAttribute(null=True)
    priority = UnicodeAttribute(null=True)
    complexity = UnicodeAttribute(null=True)
    # Running sums of the session's feedback (one feedback per user), moved by atomic ADDs in record_feedback;
    # the quality score and average rating are derived from them when read.
    feedback_count = NumberAttribute(default=0)
    rated_count = NumberAttribute(default=0)
    success_count = NumberAttribute(default=0)
    rating_count = NumberAttribute(default=0)
    rating_sum = NumberAttribute(default=0)
    quality_count = NumberAttribute(default=0)
    quality_sum = NumberAttribute(default=0)
    likes = NumberAttribute(default=0)
    dislikes = NumberAttribute(default=0)
    regenerates = NumberAttribute(default=0)
    skips = NumberAttribute(default=0)
    corrections_count = NumberAttribute(default=0)


class FeedbackItem(TableItem, discriminator="feedback"):
    id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    rating = NumberAttribute(null=True)
    thumbs = UnicodeAttribute(null=True)
    feedback_type = UnicodeAttribute(null=True)
    helpful = BooleanAttribute(null=True)
    aspect = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    device_type = UnicodeAttribute(null=True)
    quality_score = NumberAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class DayCounter(TableItem, discriminator="counter_day"):
    """A tenant's totals for one day (sessions by their creation day), one shard of them."""

    sessions = NumberAttribute(null=True)
    rated_sessions = NumberAttribute(null=True)
    feedback = NumberAttribute(null=True)
    rated = NumberAttribute(null=True)
    successes = NumberAttribute(null=True)
    rating_count = NumberAttribute(null=True)
    rating_sum = NumberAttribute(null=True)
    rating_sq_sum = NumberAttribute(null=True)
    quality_count = NumberAttribute(null=True)
    quality_sum = NumberAttribute(null=True)
    likes = NumberAttribute(null=True)
    dislikes = NumberAttribute(null=True)
    regenerates = NumberAttribute(null=True)
    skips = NumberAttribute(null=True)
    corrected_sessions = NumberAttribute(null=True)
    corrections = NumberAttribute(null=True)
    processing_count = NumberAttribute(null=True)
    processing_ms_sum = NumberAttribute(null=True)
    generations = NumberAttribute(null=True)
    failed_generations = NumberAttribute(null=True)
    attempt_errors = NumberAttribute(null=True)
    input_tokens = NumberAttribute(null=True)
    output_tokens = NumberAttribute(null=True)
    cost_usd = NumberAttribute(null=True)
    images = NumberAttribute(null=True)  # images made by generations (issue 16)
    image_cost_usd = NumberAttribute(null=True)  # what the image generations cost


class HourCounter(DayCounter, discriminator="counter_hour"):
    """The same totals for one UTC hour (sessions by their creation hour): the edges of a window asked to the hour."""


DAY = "DAY"
HOUR = "HOUR"


def sessions_of_user(tenant_id: str, user_id: str) -> list[SessionItem]:
    """The user's sessions (GSI2, eventually consistent: a retry finds late arrivals)."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.SESSION_OF_USER))
    return [item for item in found if isinstance(item, SessionItem)]


def feedback_of_user(tenant_id: str, user_id: str) -> list[FeedbackItem]:
    """The feedback the user gave on sessions (GSI2)."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.FEEDBACK_OF_USER))
    return [item for item in found if isinstance(item, FeedbackItem)]


def feedback_on(tenant_id: str, session_id: str) -> list[FeedbackItem]:
    """Every feedback on a session (its partition, read consistently)."""
    partition = keys.session_partition(tenant_id, session_id)
    found = TableItem.query(partition, TableItem.sk.startswith(keys.feedback_prefix()), consistent_read=True)
    return [item for item in found if isinstance(item, FeedbackItem)]


def session_partition(tenant_id: str, session_id: str) -> tuple[SessionItem | None, list[FeedbackItem]]:
    """A session and its feedback, in one consistent Query of its partition."""
    session: SessionItem | None = None
    feedback: list[FeedbackItem] = []
    for item in TableItem.query(keys.session_partition(tenant_id, session_id), consistent_read=True):
        if isinstance(item, SessionItem):
            session = item
        elif isinstance(item, FeedbackItem):
            feedback.append(item)
    return session, feedback


def sessions_created_in(tenant_id: str, start: str, end: str) -> Iterator[SessionItem]:
    """Every session created at `start` or later and before `end` (ISO timestamps as recorded, or days), oldest first,
    month by month: GSI1's sort key is `<created_at>#<id>`, so `between(start, end)` holds exactly [start, end)."""
    month = start[:7]
    while month <= end[:7]:
        condition = TableItem.gsi1sk.between(start, end)
        for item in SessionItem.gsi1.query(keys.sessions_by_month(tenant_id, month), condition):
            if isinstance(item, SessionItem):
                yield item
        year, number = int(month[:4]), int(month[5:7])
        month = f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def feedback_of_session(tenant_id: str, session_id: str) -> list[FeedbackItem]:
    """Every feedback on a session (an eventually consistent read of its partition, for the roll-ups and exports)."""
    partition = keys.session_partition(tenant_id, session_id)
    return list(FeedbackItem.query(partition, TableItem.sk.startswith(keys.feedback_prefix())))
