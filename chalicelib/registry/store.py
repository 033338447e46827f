"""The model registry's items: model versions, feature importance, training runs and their points, ML experiments,
deployments and their slots."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core.table import TableItem


class RegisteredModelItem(TableItem, discriminator="ml_model"):
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


class MlExperimentItem(TableItem, discriminator="ml_experiment"):
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
