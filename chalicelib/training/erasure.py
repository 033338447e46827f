"""A user's training data erased: their examples deleted, every dataset that held them rebuilt without them.

A user erasure (`erase_user_data`, chalicelib/contributions.py): privacy runs it (`DELETE /v1/users/{user_id}/data`)
after the user's sessions and feedback are gone. Datasets are found through their manifests (which name users only by a digest),
so a dataset is rebuilt even when the user's examples were deleted before. The models trained on
a rebuilt dataset learned from the user's lines: they are named, and `rebuild_model` rebuilds a local
one from the rebuilt dataset or retires it (a model at a provider is named for its owners to retrain).
"""

from __future__ import annotations

from typing import Any

from ..core import keys, storage
from ..core.extensions import Erasure
from ..core.table import TableItem
from . import datasets, lifecycle
from .examples import is_example
from .splits import user_digests
from .store import ExampleItem


def erase_user(tenant_id: str, user_id: str, counted: list[storage.Op] | None = None) -> dict[str, Any]:
    """Delete the user's examples and rebuild their datasets; answer the counts, the datasets and the models.

    `counted` (the caller's bookkeeping, e.g. the erasure's running total) commits with each example's deletion.
    """
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.EXAMPLE_OF_USER))
    examples = [item for item in found if isinstance(item, ExampleItem)]
    deleted = 0
    for item in examples:
        try:
            extra = (counted or []) if is_example(item) else []
            storage.commit([storage.Delete(ExampleItem(item.pk, item.sk), ExampleItem.pk.exists()), *extra])
        except storage.ConditionFailed:
            continue  # already gone (an earlier, interrupted erasure)
        deleted += int(is_example(item))
    digests = user_digests(tenant_id, user_id)
    affected: list[str] = []
    models: set[str] = set()
    for dataset in datasets.all_datasets(tenant_id):
        if dataset.status == "ready" and datasets.rebuild_without(tenant_id, dataset, digests):
            affected.append(dataset.id)
            models |= set(dataset.models or [])
    return {"training_examples": deleted, "affected_datasets": sorted(affected), "affected_models": sorted(models)}


def rebuild_model(tenant_id: str, model_id: str) -> str | None:
    """ "rebuilt" or "retired" for a local fine-tuned model trained on an erased user's lines; None for others."""
    return lifecycle.rebuild_local_model(tenant_id, model_id)


def erase_user_data(erasure: Erasure) -> None:
    """The user's examples (counted as `training_examples`), their datasets rebuilt; the datasets and models named
    on the erasure's record before any model is rebuilt, so a retry cut off halfway rebuilds (or retires) the rest."""
    trained = erase_user(erasure.tenant_id, erasure.user_id, [erasure.count("training_examples")])
    erasure.note("affected_datasets", trained["affected_datasets"])
    erasure.note("affected_models", trained["affected_models"])
    for model_id in erasure.noted("affected_models"):
        if model_id in erasure.model_actions():
            continue
        action = rebuild_model(erasure.tenant_id, model_id)
        if action is not None:
            erasure.record_model_action(model_id, action)
