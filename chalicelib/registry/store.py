"""The registry's items (model versions, runs, predictions, monitoring, pipelines, deployments) and its counters."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core.table import TableItem


class ModelItem(TableItem, discriminator="ml_model"):
    """One version of a model (seed: AIModel)."""

    id = UnicodeAttribute()
    model_name = UnicodeAttribute()
    model_version = UnicodeAttribute()
    model_type = UnicodeAttribute()
    algorithm = UnicodeAttribute()
    status = UnicodeAttribute()
    hyperparameters = JSONAttribute(null=True)
    feature_columns = JSONAttribute(null=True)
    target_column = UnicodeAttribute(null=True)
    experiment_id = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    positive_label = UnicodeAttribute(null=True)  # canonical label text
    segment_columns = JSONAttribute(null=True)
    accuracy = NumberAttribute(null=True)
    precision = NumberAttribute(null=True)
    recall = NumberAttribute(null=True)
    f1_score = NumberAttribute(null=True)
    company_id = UnicodeAttribute(null=True)
    running_runs = NumberAttribute(default=0)
    last_run_id = UnicodeAttribute(null=True)
    status_history = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class ImportanceItem(TableItem, discriminator="ml_importance"):
    id = UnicodeAttribute()
    model_id = UnicodeAttribute()
    model_name = UnicodeAttribute()
    model_version = UnicodeAttribute()
    method = UnicodeAttribute()
    features = JSONAttribute()  # [{feature_name, importance, rank}], ranked
    updated_at = UnicodeAttribute()


class RunItem(TableItem, discriminator="ml_run"):
    """A training run (seed: AIModelTrainingRun); its metric points are POINT# items of its partition."""

    id = UnicodeAttribute()
    model_id = UnicodeAttribute()
    model_name = UnicodeAttribute()
    model_version = UnicodeAttribute()
    run_name = UnicodeAttribute()
    status = UnicodeAttribute()
    epochs = NumberAttribute(null=True)
    batch_size = NumberAttribute(null=True)
    learning_rate = NumberAttribute(null=True)
    loss = NumberAttribute(null=True)
    validation_loss = NumberAttribute(null=True)
    accuracy = NumberAttribute(null=True)
    validation_accuracy = NumberAttribute(null=True)
    points = NumberAttribute(default=0)
    logs = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)
    trigger = JSONAttribute(null=True)  # what started it: {type: manual|drift_action|..., cause...}
    training_data = JSONAttribute(null=True)  # the retraining data it was given (chalicelib/learning/retraining.py)
    started_at = UnicodeAttribute()
    ended_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


class RunPointItem(TableItem, discriminator="ml_run_point"):
    step = NumberAttribute()
    recorded_at = UnicodeAttribute()
    values = JSONAttribute()


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


class ExperimentItem(TableItem, discriminator="ml_experiment"):
    id = UnicodeAttribute()
    experiment_name = UnicodeAttribute()
    objective = UnicodeAttribute()
    hypothesis = UnicodeAttribute()
    status = UnicodeAttribute()
    baseline_model = UnicodeAttribute(null=True)
    current_model = UnicodeAttribute(null=True)
    success_metrics = JSONAttribute(null=True)
    methodology = JSONAttribute(null=True)
    results = JSONAttribute(null=True)
    conclusions = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class PipelineItem(TableItem, discriminator="ml_pipeline"):
    id = UnicodeAttribute()
    pipeline_name = UnicodeAttribute()
    pipeline_type = UnicodeAttribute()
    status = UnicodeAttribute()
    schedule = UnicodeAttribute(null=True)
    next_run_at = UnicodeAttribute(null=True)  # the schedule's next occurrence (registry/schedules.py)
    description = UnicodeAttribute(null=True)
    config = JSONAttribute()
    source_tables = JSONAttribute()
    target_tables = JSONAttribute()
    validation_rules = JSONAttribute()
    transformations = JSONAttribute()
    runs = NumberAttribute(default=0)
    last_run_id = UnicodeAttribute(null=True)
    last_run_at = UnicodeAttribute(null=True)
    last_run_status = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class PipelineRunItem(TableItem, discriminator="ml_pipeline_run"):
    id = UnicodeAttribute()
    pipeline_id = UnicodeAttribute()
    pipeline_name = UnicodeAttribute()
    pipeline_type = UnicodeAttribute()
    status = UnicodeAttribute()
    records_processed = NumberAttribute()
    records_failed = NumberAttribute()
    records_skipped = NumberAttribute()
    metrics = JSONAttribute()
    logs = UnicodeAttribute()
    data_quality = JSONAttribute(null=True)
    violations_opened = NumberAttribute(default=0)
    input_size = NumberAttribute(null=True)  # bytes of the records read (their JSON)
    output_size = NumberAttribute(null=True)  # bytes of the valid records written on
    trigger = UnicodeAttribute(null=True)  # manual (POST .../runs) or schedule; older runs have none
    scheduled_for = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute()
    ended_at = UnicodeAttribute()
    duration_ms = NumberAttribute()


class DataQualityItem(TableItem, discriminator="ml_data_quality"):
    """The latest figure of one (table, column, quality metric); every run's figures stay on the run."""

    id = UnicodeAttribute()
    table_name = UnicodeAttribute()
    column_name = UnicodeAttribute()
    quality_metric = UnicodeAttribute()
    metric_value = NumberAttribute()
    threshold = NumberAttribute()
    status = UnicodeAttribute()
    records = NumberAttribute()
    issues = JSONAttribute(null=True)
    recommendations = JSONAttribute(null=True)
    pipeline_name = UnicodeAttribute(null=True)
    run_id = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)  # the company of the pipeline that measured it
    measured_at = UnicodeAttribute()


class DeploymentItem(TableItem, discriminator="ml_deployment"):
    id = UnicodeAttribute()
    deployment_name = UnicodeAttribute()
    model_id = UnicodeAttribute()
    model_name = UnicodeAttribute()
    model_version = UnicodeAttribute()
    environment = UnicodeAttribute()
    status = UnicodeAttribute()
    endpoint = UnicodeAttribute(null=True)
    config = JSONAttribute(null=True)
    company_id = UnicodeAttribute(null=True)  # its model's
    replaced_deployment_id = UnicodeAttribute(null=True)
    restored_deployment_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    rolled_back_at = UnicodeAttribute(null=True)


class DeploymentSlotItem(TableItem, discriminator="ml_deployment_slot"):
    """What is active for one model in one environment, and the deployments it superseded (newest last)."""

    active_id = UnicodeAttribute(null=True)
    previous_ids = JSONAttribute(null=True)
    updated_at = UnicodeAttribute()


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
