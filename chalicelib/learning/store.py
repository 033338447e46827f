"""The learning half's items: feedback on predictions, actions taken, challengers, deployment health; its counters."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys
from ..core.table import TableItem


class FeedbackItem(TableItem, discriminator="ml_feedback"):
    """One user's feedback on a prediction (seed: AILearningFeedback), in the prediction's partition."""

    id = UnicodeAttribute()
    prediction_id = UnicodeAttribute()
    model_id = UnicodeAttribute()
    model_name = UnicodeAttribute()
    model_version = UnicodeAttribute()
    company_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute()
    feedback_type = UnicodeAttribute()  # correction | rating | comment | flag
    feedback_data = JSONAttribute()
    is_positive = BooleanAttribute(null=True)
    confidence = NumberAttribute(null=True)  # the user's confidence in it, 0-1
    impact = UnicodeAttribute()  # high | medium | low
    status = UnicodeAttribute()  # pending | processed | ignored
    outcome = JSONAttribute(null=True)  # what processing did
    processed_at = UnicodeAttribute(null=True)
    processed_by = UnicodeAttribute(null=True)  # policy, or the key that decided
    day = UnicodeAttribute()
    created_at = UnicodeAttribute()


class FeedbackCounter(TableItem, discriminator="ml_feedback_counter"):
    """Processed feedback of a version (or of a company) per day: the per-version quality series."""

    processed = NumberAttribute(null=True)
    ignored = NumberAttribute(null=True)
    ratings = NumberAttribute(null=True)
    rating_sum = NumberAttribute(null=True)
    positive = NumberAttribute(null=True)
    negative = NumberAttribute(null=True)
    corrections = NumberAttribute(null=True)
    corrections_applied = NumberAttribute(null=True)  # became the prediction's ground truth
    flags = NumberAttribute(null=True)
    comments = NumberAttribute(null=True)


class ActionItem(TableItem, discriminator="ml_action"):
    """What a policy made happen after a violation (retrain, roll back, notify), with its cause; or a promotion."""

    id = UnicodeAttribute()
    action = UnicodeAttribute()  # retrain | rollback | notify | promote | reject
    status = UnicodeAttribute()  # started | done | skipped | failed
    cause = JSONAttribute()
    result = JSONAttribute(null=True)
    model_name = UnicodeAttribute(null=True)
    model_version = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class ChallengerItem(TableItem, discriminator="ml_challenger"):
    """A deployment's champion and challenger: the share of entities the challenger serves, and the decision."""

    id = UnicodeAttribute()
    deployment_id = UnicodeAttribute()
    environment = UnicodeAttribute()
    model_name = UnicodeAttribute()
    champion_version = UnicodeAttribute()
    champion_model_id = UnicodeAttribute()
    challenger_version = UnicodeAttribute()
    challenger_model_id = UnicodeAttribute()
    company_id = UnicodeAttribute(null=True)
    share = NumberAttribute()
    auto_promote = BooleanAttribute()
    min_samples = NumberAttribute()
    alpha = NumberAttribute()
    status = UnicodeAttribute()  # running | promoted | rejected
    min_p_value = NumberAttribute(null=True)  # the running minimum of the always-valid p-value
    decision = JSONAttribute(null=True)
    started_at = UnicodeAttribute()
    decided_at = UnicodeAttribute(null=True)


class HealthItem(TableItem, discriminator="ml_deployment_health"):
    """The latest health check of a deployment, and the last ones before it."""

    deployment_id = UnicodeAttribute()
    status = UnicodeAttribute()  # healthy | degraded | unhealthy | unknown
    checks = JSONAttribute()
    figures = JSONAttribute()
    history = JSONAttribute(null=True)
    checked_at = UnicodeAttribute()


def feedback_counter(model_id: str) -> str:
    """Bucket `<day>`."""
    return f"MLFEEDBACK:{model_id}"


def company_feedback_counter(company: str) -> str:
    """Bucket `<day>` (the company percent-encoded in the name by the caller)."""
    return f"MLCOMPANYFB:{company}"


def feedback_of_user(tenant_id: str, user_id: str) -> list[FeedbackItem]:
    """The feedback an end user gave on predictions (GSI2)."""
    found = FeedbackItem.gsi2.query(keys.user_items(tenant_id, user_id), FeedbackItem.gsi2sk.startswith(keys.ML_FEEDBACK_OF_USER))
    return [item for item in found if isinstance(item, FeedbackItem)]


def pending_feedback(tenant_id: str, limit: int) -> list[FeedbackItem]:
    """Up to `limit` pending feedback, oldest first (GSI3)."""
    found = FeedbackItem.gsi3.query(keys.ml_feedback_by_status(tenant_id, "pending"), limit=limit)
    return [item for item in found if isinstance(item, FeedbackItem)]


def processed_feedback(tenant_id: str, model_id: str) -> list[FeedbackItem]:
    """A version's processed feedback, oldest first (GSI1)."""
    found = FeedbackItem.gsi1.query(
        keys.ml_feedback_of_version(tenant_id, model_id), filter_condition=FeedbackItem.status == "processed"
    )
    return [item for item in found if isinstance(item, FeedbackItem)]
