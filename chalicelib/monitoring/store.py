"""Monitoring's items (predictions with their ground truth, drift baselines and reports, the counters that performance
is read from) and every query of them."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.query import all_items
from ..core.table import TableItem


class PredictionItem(TableItem, discriminator="ml_prediction"):
    """One prediction (seed: AIModelPrediction) and, once known, its ground truth."""

    id = UnicodeAttribute()
    model_id = UnicodeAttribute()
    model_name = UnicodeAttribute()
    model_version = UnicodeAttribute()
    prediction_type = UnicodeAttribute()
    input_data = JSONAttribute()
    prediction = JSONAttribute()
    label = UnicodeAttribute(null=True)  # canonical predicted label (classification, anomaly)
    value = NumberAttribute(null=True)  # predicted number (regression, forecast)
    confidence = NumberAttribute(null=True)
    probability = NumberAttribute(null=True)
    actual_value = JSONAttribute(null=True)
    is_correct = NumberAttribute(null=True)  # 1 / 0, so that it can be counted
    error = NumberAttribute(null=True)
    latency_ms = NumberAttribute(null=True)
    company_id = UnicodeAttribute(null=True)
    deployment_id = UnicodeAttribute(null=True)
    challenge_id = UnicodeAttribute(null=True)  # the deployment's running challenge when it was made
    challenge_role = UnicodeAttribute(null=True)  # champion | challenger
    day = UnicodeAttribute()
    created_at = UnicodeAttribute()
    labelled_at = UnicodeAttribute(null=True)
    # The segments (attribute -> canonical value) its ground truth was counted under, so a replaced
    # ground truth moves exactly the counters the first one moved.
    segments = JSONAttribute(null=True)


class BaselineItem(TableItem, discriminator="ml_baseline"):
    """The reference distribution of one feature (or of the predictions) of a model version."""

    id = UnicodeAttribute()
    model_id = UnicodeAttribute()
    drift_type = UnicodeAttribute()
    feature_name = UnicodeAttribute()
    feature_kind = UnicodeAttribute()  # numeric | categorical
    sample = JSONAttribute(null=True)  # numeric: at most MAX_BASELINE_SAMPLE values (quantiles when larger)
    counts = JSONAttribute(null=True)  # categorical: value -> count
    sample_size = NumberAttribute()
    mean = NumberAttribute(null=True)
    std = NumberAttribute(null=True)
    min = NumberAttribute(null=True)
    max = NumberAttribute(null=True)
    source = UnicodeAttribute()
    thresholds = JSONAttribute(null=True)
    window_start = UnicodeAttribute(null=True)
    window_end = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class DriftItem(TableItem, discriminator="ml_drift"):
    """A drift report: kept in the version's history (DRIFT#) and as the latest per feature (DRIFTLATEST#)."""

    id = UnicodeAttribute()
    model_id = UnicodeAttribute()
    model_name = UnicodeAttribute()
    model_version = UnicodeAttribute()
    feature_name = UnicodeAttribute()
    drift_type = UnicodeAttribute()
    metric = UnicodeAttribute()
    drift_score = NumberAttribute()
    threshold = NumberAttribute()
    status = UnicodeAttribute()
    statistic = NumberAttribute(null=True)
    p_value = NumberAttribute(null=True)
    baseline_value = JSONAttribute(null=True)
    current_value = JSONAttribute(null=True)
    baseline_size = NumberAttribute()
    current_size = NumberAttribute()
    window_start = UnicodeAttribute()
    window_end = UnicodeAttribute()
    checked_at = UnicodeAttribute()
    analysis = JSONAttribute(null=True)
    recommendations = JSONAttribute(null=True)


# --- counters (chalicelib/core/counters.py; docs/data-model.md lists their names and buckets) -------------


class LabelCounter(TableItem, discriminator="ml_label_counter"):
    """Predictions with ground truth per (actual, predicted) label pair: a day's confusion matrix, cell by cell."""

    n = NumberAttribute(null=True)


class ErrorCounter(TableItem, discriminator="ml_error_counter"):
    """Regression errors of a day (or of a segment on a day): count, sum |e|, sum e^2, sum e."""

    n = NumberAttribute(null=True)
    abs_error_sum = NumberAttribute(null=True)
    sq_error_sum = NumberAttribute(null=True)
    error_sum = NumberAttribute(null=True)


class PredictionCounter(TableItem, discriminator="ml_prediction_counter"):
    """Predictions of a model version per day, how many got ground truth, and their confidence."""

    predictions = NumberAttribute(null=True)
    labelled = NumberAttribute(null=True)
    confidence_count = NumberAttribute(null=True)
    confidence_sum = NumberAttribute(null=True)
    latency_count = NumberAttribute(null=True)
    latency_sum = NumberAttribute(null=True)


def challenge_counter(challenge_id: str) -> str:
    """One champion/challenger challenge's ground truth: bucket `<role>#<actual>#<predicted>` (LabelCounter, `n`) or
    `<role>` (ErrorCounter), counting only predictions its deployment served after it started."""
    return f"MLCHALLENGE:{challenge_id}"


def confusion_counter(model_id: str) -> str:
    """Bucket `<day>#<actual>#<predicted>` (labels percent-encoded)."""
    return f"MLCONF:{model_id}"


def segment_confusion_counter(model_id: str) -> str:
    """Bucket `<attribute>#<day>#<value>#<actual>#<predicted>`."""
    return f"MLSEGCONF:{model_id}"


def error_counter(model_id: str) -> str:
    """Bucket `<day>`."""
    return f"MLERR:{model_id}"


def segment_error_counter(model_id: str) -> str:
    """Bucket `<attribute>#<day>#<value>`."""
    return f"MLSEGERR:{model_id}"


def prediction_counter(model_id: str) -> str:
    """Bucket `<day>`."""
    return f"MLPRED:{model_id}"


# --- queries -------------------------------------------------------------------------------------------------


def predictions_of_day(tenant_id: str, model_id: str, day: str, lo: str, hi: str, page_size: int) -> Iterator[PredictionItem]:
    """A version's predictions of one day made between `lo` and `hi` (ISO times), newest first (GSI1)."""
    found = PredictionItem.gsi1.query(
        keys.ml_predictions_by_day(tenant_id, model_id, day),
        PredictionItem.gsi1sk.between(lo, f"{hi}~"),
        scan_index_forward=False,
        page_size=page_size,
    )
    for item in found:
        if isinstance(item, PredictionItem):
            yield item


def baseline_items(tenant_id: str, model_id: str) -> list[BaselineItem]:
    """A version's baseline, one item per (drift type, feature)."""
    return all_items(
        BaselineItem, keys.ml_version_partition(tenant_id, model_id), TableItem.sk.startswith(keys.ml_baseline_prefix())
    )


def latest_drift_page(
    tenant_id: str, model_id: str, listing: str, limit: int, cursor: str | None
) -> tuple[list[DriftItem], str | None]:
    """The latest report of each (drift type, feature, test) of a version, in key order."""
    return persist.list_page(
        DriftItem,
        keys.ml_version_partition(tenant_id, model_id),
        owner=tenant_id,
        listing=listing,
        limit=limit,
        cursor=cursor,
        range_condition=TableItem.sk.startswith(keys.ml_drift_latest_prefix()),
    )
