"""The model registry's items (model versions, feature importance, training runs and their points, ML experiments,
deployments and their slots) and every query of them."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.expressions.condition import Condition

from ..core import keys, persist
from ..core.query import all_items
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


# --- queries -------------------------------------------------------------------------------------------------
# Every query of the registry's items (GetItem through `core/persist.py` in the use cases); lists page under the
# listing's signed cursor (`persist.list_page`).


def versions_page(
    tenant_id: str, status: str | None, condition: Condition | None, listing: str, limit: int, cursor: str | None
) -> tuple[list[RegisteredModelItem], str | None]:
    """Model versions newest first: of one status (GSI3), else every one (GSI1); `condition` filters."""
    if status is not None:
        partition, index = keys.ml_models_by_status(tenant_id, status), "gsi3"
    else:
        partition, index = keys.ml_models(tenant_id), "gsi1"
    return persist.list_page(
        RegisteredModelItem,
        partition,
        owner=tenant_id,
        listing=listing,
        limit=limit,
        cursor=cursor,
        index=index,
        filter_condition=condition,
        forward=False,
    )


def company_versions(tenant_id: str, model_name: str, model_version: str) -> list[RegisteredModelItem]:
    """Every company's version of that name and version (the keys `VERSION#<version>@<company>`)."""
    found = RegisteredModelItem.query(
        keys.ml_model_partition(tenant_id, model_name),
        RegisteredModelItem.sk.startswith(keys.ml_model_companies_prefix(model_version)),
        consistent_read=True,
    )
    return [item for item in found if isinstance(item, RegisteredModelItem)]


def all_versions(tenant_id: str, company_id: str | None = None) -> list[RegisteredModelItem]:
    """Every version of the tenant (GSI1), or of one company."""
    mine = RegisteredModelItem.company_id == company_id if company_id is not None else None
    found = RegisteredModelItem.gsi1.query(keys.ml_models(tenant_id), filter_condition=mine)
    return [item for item in found if isinstance(item, RegisteredModelItem)]


def importance_page(
    tenant_id: str, model_name: str, model_version: str, company_id: str | None, listing: str, limit: int, cursor: str | None
) -> tuple[list[ImportanceItem], str | None]:
    """A version's feature importance, one item per method, by method."""
    return persist.list_page(
        ImportanceItem,
        keys.ml_model_partition(tenant_id, model_name),
        owner=tenant_id,
        listing=listing,
        limit=limit,
        cursor=cursor,
        range_condition=TableItem.sk.startswith(keys.ml_importance_prefix(model_version, company_id)),
    )


def runs_page(tenant_id: str, model_id: str, listing: str, limit: int, cursor: str | None) -> tuple[list[RunItem], str | None]:
    """A version's training runs, newest first (GSI1)."""
    return persist.list_page(
        RunItem,
        keys.ml_runs_of_version(tenant_id, model_id),
        owner=tenant_id,
        listing=listing,
        limit=limit,
        cursor=cursor,
        index="gsi1",
        forward=False,
    )


def runs_of_version(tenant_id: str, model_id: str) -> Iterator[RunItem]:
    """A version's training runs, newest first (GSI1)."""
    for item in RunItem.gsi1.query(keys.ml_runs_of_version(tenant_id, model_id), scan_index_forward=False):
        if isinstance(item, RunItem):
            yield item


def run_points(run: RunItem) -> list[RunPointItem]:
    """A run's metric points in step order (one Query of the run's partition)."""
    return all_items(RunPointItem, run.pk, TableItem.sk.startswith(keys.ml_run_point_prefix()))


def experiments_page(
    tenant_id: str, condition: Condition | None, listing: str, limit: int, cursor: str | None
) -> tuple[list[MlExperimentItem], str | None]:
    """The ML experiments by name; `condition` filters."""
    return persist.list_page(
        MlExperimentItem,
        keys.ml_experiments(tenant_id),
        owner=tenant_id,
        listing=listing,
        limit=limit,
        cursor=cursor,
        range_condition=TableItem.sk.startswith(keys.ml_experiment_prefix()),
        filter_condition=condition,
    )


def company_experiments(tenant_id: str, experiment_name: str) -> list[MlExperimentItem]:
    """Every company's experiment of that name (the keys `EXPERIMENT#<name>@<company>`)."""
    prefix = keys.ml_experiment(tenant_id, experiment_name, "").sk
    found = MlExperimentItem.query(keys.ml_experiments(tenant_id), MlExperimentItem.sk.startswith(prefix), consistent_read=True)
    return [item for item in found if isinstance(item, MlExperimentItem)]


def deployments_page(
    tenant_id: str,
    model_name: str | None,
    environment: str | None,
    condition: Condition | None,
    listing: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[DeploymentItem], str | None]:
    """Deployments newest first: of one model in one environment (GSI3), else every one (GSI1) filtered on either;
    `condition` filters further."""
    if environment is not None and model_name is not None:
        partition, index = keys.ml_deployments_of(tenant_id, model_name, environment), "gsi3"
    else:
        partition, index = keys.ml_deployments(tenant_id), "gsi1"
        if model_name is not None:
            condition = _and(DeploymentItem.model_name == model_name, condition)
        if environment is not None:
            condition = _and(DeploymentItem.environment == environment, condition)
    return persist.list_page(
        DeploymentItem,
        partition,
        owner=tenant_id,
        listing=listing,
        limit=limit,
        cursor=cursor,
        index=index,
        filter_condition=condition,
        forward=False,
    )


def active_deployments(tenant_id: str) -> list[DeploymentItem]:
    """Every active deployment of the tenant, oldest first (GSI1)."""
    found = DeploymentItem.gsi1.query(keys.ml_deployments(tenant_id), filter_condition=DeploymentItem.status == "active")
    return [item for item in found if isinstance(item, DeploymentItem)]


def _and(first: Condition, second: Condition | None) -> Condition:
    return first if second is None else first & second
