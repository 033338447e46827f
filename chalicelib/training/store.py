"""Training items: examples (in their session's partition), datasets, fine-tuning jobs and their events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem, string_list


class ExampleItem(TableItem, discriminator="training_example"):
    """The index entry of one session's training example: what its feedback says, and an administrator's review.

    The counts mirror the session's own (the same ADDs in the same transaction); input and outputs stay
    on the session, read when an example is listed or a dataset is built, so payloads are never copied.
    """

    id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    category_key = UnicodeAttribute()
    created_at = UnicodeAttribute()  # the session's
    updated_at = UnicodeAttribute()
    model_id = UnicodeAttribute(null=True)
    experiment_id = UnicodeAttribute(null=True)
    variant_id = UnicodeAttribute(null=True)
    feedback_count = NumberAttribute(default=0)
    rated_count = NumberAttribute(default=0)
    success_count = NumberAttribute(default=0)
    quality_count = NumberAttribute(default=0)
    quality_sum = NumberAttribute(default=0)
    rating_count = NumberAttribute(default=0)
    rating_sum = NumberAttribute(default=0)
    likes = NumberAttribute(default=0)
    dislikes = NumberAttribute(default=0)
    regenerates = NumberAttribute(default=0)
    corrections_count = NumberAttribute(default=0)
    # An administrator's review (PATCH); feedback never touches these, so they survive later feedback.
    validated = BooleanAttribute(null=True)
    quality_override = NumberAttribute(null=True)
    expected_output_override = JSONAttribute(null=True)
    reviewed_at = UnicodeAttribute(null=True)


class DatasetItem(TableItem, discriminator="training_dataset"):
    id = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # building | ready | failed
    format = UnicodeAttribute()
    filters = JSONAttribute()
    train_count = NumberAttribute(default=0)
    validation_count = NumberAttribute(default=0)
    users_count = NumberAttribute(default=0)
    categories = string_list(null=True)
    stats = JSONAttribute(null=True)
    redactions = JSONAttribute(null=True)
    files = JSONAttribute(null=True)
    # Lineage: the first session ids (the full list is the manifest in S3), their count and digest; jobs and models out.
    session_ids = string_list(null=True)
    session_ids_count = NumberAttribute(default=0)
    session_ids_sha256 = UnicodeAttribute(null=True)
    jobs = string_list(null=True)
    models = string_list(null=True)
    progress = JSONAttribute(null=True)
    error = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    rebuilt_at = UnicodeAttribute(null=True)
    rebuilds = NumberAttribute(default=0)


class JobItem(TableItem, discriminator="training_job"):
    id = UnicodeAttribute()
    dataset_id = UnicodeAttribute()
    base_model = UnicodeAttribute()
    provider = UnicodeAttribute()
    format = UnicodeAttribute()
    status = UnicodeAttribute()
    suffix = UnicodeAttribute(null=True)
    hyperparameters = JSONAttribute(null=True)
    start_experiment = BooleanAttribute(default=False)
    categories = JSONAttribute(null=True)  # the dataset's task categories: the new model is mapped on them
    provider_job_id = UnicodeAttribute(null=True)
    provider_files = JSONAttribute(null=True)
    provider_status = UnicodeAttribute(null=True)
    submit_attempts = NumberAttribute(default=0)
    # The claim of the one submission in flight (set, on the job's version, before the provider is called), and
    # whether a submission's outcome is unknown (it failed in a way the provider may have accepted the job first).
    submitting_at = UnicodeAttribute(null=True)
    submit_unknown = BooleanAttribute(null=True)
    last_provider_event = UnicodeAttribute(null=True)
    fine_tuned_model = UnicodeAttribute(null=True)
    model_id = UnicodeAttribute(null=True)
    experiment_id = UnicodeAttribute(null=True)
    error = JSONAttribute(null=True)
    progress = JSONAttribute(null=True)
    metrics = JSONAttribute(null=True)
    events_count = NumberAttribute(default=0)
    files_deleted = BooleanAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    # The budget: the estimate reserved at creation in `budget_month`, settled once to `cost_usd` when the job ends.
    estimated_cost_usd = NumberAttribute(null=True)
    reserved_usd = NumberAttribute(null=True)
    budget_month = UnicodeAttribute(null=True)
    training_price_per_1k = NumberAttribute(null=True)
    cost_usd = NumberAttribute(null=True)
    settled_at = UnicodeAttribute(null=True)


class JobEventItem(TableItem, discriminator="training_job_event"):
    id = UnicodeAttribute()
    job_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    level = UnicodeAttribute(default="info")
    message = UnicodeAttribute()
    source = UnicodeAttribute(default="learnloop")
    data = JSONAttribute(null=True)


def progress(stage: str, done: int = 0, total: int = 0) -> dict[str, Any]:
    """How far a long piece of work is: a stage, counts and a percentage (100 once ready or succeeded)."""
    if total:
        percent = round(100.0 * done / total, 1)
    else:
        percent = 100.0 if stage in ("ready", "succeeded") else 0.0
    return {"stage": stage, "done": done, "total": total, "percent": percent}


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def example_partitions(
    tenant_id: str, category_key: str | None, newest_month: str, oldest_month: str
) -> Iterator[tuple[str, str, str]]:
    """(month, index, partition) of the example listings from `newest_month` back to `oldest_month`."""
    month = newest_month
    while month >= oldest_month:
        if category_key is None:
            yield month, "gsi1", keys.training_examples_by_month(tenant_id, month)
        else:
            yield month, "gsi3", keys.training_examples_by_category(tenant_id, category_key, month)
        month = previous_month(month)


def walk_examples(
    tenant_id: str,
    category_key: str | None,
    newest: str,
    oldest: str,
    *,
    keep: Callable[[ExampleItem], bool] | None = None,
    start: dict[str, Any] | None = None,
) -> Iterator[tuple[ExampleItem, dict[str, Any]]]:
    """Examples of sessions created in [oldest, newest] (ISO times), newest first, each with the state that resumes after it."""
    month_from = (start or {}).get("m") or newest[:7]
    after: dict[str, str] | None = (start or {}).get("k")
    for month, index, partition in example_partitions(tenant_id, category_key, month_from, oldest[:7]):
        source: Any = getattr(ExampleItem, index)
        sort_key = ExampleItem.gsi1sk if index == "gsi1" else ExampleItem.gsi3sk
        results = source.query(
            partition,
            sort_key.between(oldest, f"{newest}~"),
            scan_index_forward=False,
            last_evaluated_key={name: {"S": value} for name, value in after.items()} if after else None,
        )
        after = None
        for item in results:
            if not isinstance(item, ExampleItem) or (keep is not None and not keep(item)):
                continue
            position = {
                "pk": item.pk,
                "sk": item.sk,
                f"{index}pk": getattr(item, f"{index}pk"),
                f"{index}sk": getattr(item, f"{index}sk"),
            }
            yield item, {"m": month, "k": position}


def datasets_page(tenant_id: str, limit: int, cursor: str | None) -> tuple[list[DatasetItem], str | None]:
    """A page of the tenant's datasets, newest first (gsi1)."""
    return persist.list_page(
        DatasetItem,
        keys.training_datasets(tenant_id),
        owner=tenant_id,
        listing="training-datasets",
        limit=limit,
        cursor=cursor,
        index="gsi1",
        forward=False,
    )


def datasets_of(tenant_id: str) -> list[DatasetItem]:
    """Every dataset of the tenant, oldest first (gsi1)."""
    return [item for item in DatasetItem.gsi1.query(keys.training_datasets(tenant_id)) if isinstance(item, DatasetItem)]
