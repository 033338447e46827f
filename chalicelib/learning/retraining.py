"""A retraining run: a new version of a model registered from the old one, and a training run on its data.

The data is the old version's ground truth over the behaviour's `retraining_days` (30 by default): its labelled
predictions, each with its true value, and its processed feedback's corrections (a correction replaces the
label of its prediction when they differ, and a correction of a prediction that has no ground truth adds it).
It is written as JSONL to the tenant's storage (`training_data.location`), and the run records its `trigger`
(what started it) and `training_data` (where it is, how many examples, from what), so the trainer that picks
the run up reads exactly that data and anyone can see why the run exists.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from ..ai_config import service as ai_config
from ..core import blobs, clock
from ..core.errors import Conflict
from ..monitoring import predictions
from ..registry import models, runs
from ..registry.schemas import ModelCreate, RunCreate, TrainingRunDetail
from . import feedback

MAX_EXAMPLES = 50_000
MAX_SUFFIX = 99


def retrain(tenant_id: str, model: models.Version, trigger: dict[str, Any]) -> TrainingRunDetail:
    """Register `<version>-r<n>` (the first n free) like `model`, and start its run on the retraining data."""
    days = ai_config.behavior(tenant_id).retraining_days
    examples, counts = training_examples(tenant_id, model, days)
    created = _new_version(tenant_id, model, trigger)
    run_name = f"retrain {model.model_version} ({trigger.get('type', 'manual')})"
    location = blobs.put(
        blobs.tenant_key(tenant_id, "registry", "retraining", model.model_name, f"{created.model_version}.jsonl"),
        "".join(json.dumps(example, sort_keys=True) + "\n" for example in examples).encode(),
        "application/x-ndjson",
    )
    training_data = {
        "location": location,
        "format": "jsonl: {input_data, label, source, prediction_id}",
        "examples": len(examples),
        **counts,
        "from_version": model.model_version,
        "window_days": days,
    }
    return runs.start_run(
        tenant_id,
        created.model_name,
        created.model_version,
        RunCreate(run_name=run_name[:200]),
        trigger=trigger,
        training_data=training_data,
        model_id=created.id,
    )


def training_examples(tenant_id: str, model: models.Version, days: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The version's labelled predictions of the last `days` days, with its processed corrections applied."""
    now = clock.now()
    labelled: dict[str, dict[str, Any]] = {}
    for item in predictions.recent(tenant_id, model.id, now - timedelta(days=days), now, MAX_EXAMPLES):
        if item.labelled_at is not None:
            labelled[item.id] = {
                "prediction_id": item.id,
                "input_data": item.input_data,
                "label": item.actual_value,
                "source": "ground_truth",
            }
    corrections = 0
    for found in feedback.processed_of_version(tenant_id, model.id):
        if found.feedback_type != "correction":
            continue
        corrections += 1
        example = labelled.get(found.prediction_id)
        value = found.feedback_data["value"]
        if example is None:
            prediction = predictions.get_prediction(tenant_id, found.prediction_id)
            labelled[found.prediction_id] = {
                "prediction_id": found.prediction_id,
                "input_data": prediction.input_data,
                "label": value,
                "source": "feedback",
            }
        elif example["label"] != value:
            example |= {"label": value, "source": "feedback"}
    examples = sorted(labelled.values(), key=lambda e: e["prediction_id"])
    counts = {
        "from_ground_truth": sum(1 for e in examples if e["source"] == "ground_truth"),
        "from_feedback": sum(1 for e in examples if e["source"] == "feedback"),
        "corrections_read": corrections,
    }
    return examples, counts


def _new_version(tenant_id: str, model: models.Version, trigger: dict[str, Any]) -> Any:
    base = model.model_version.split("-r")[0]
    spec = {
        "model_name": model.model_name,
        "model_type": model.model_type,
        "algorithm": model.algorithm,
        "hyperparameters": model.hyperparameters or {},
        "feature_columns": model.feature_columns or [],
        "target_column": model.target_column,
        "experiment_id": model.experiment_id,
        "positive_label": model.positive_label,
        "segment_columns": model.segment_columns or [],
        "company_id": model.company_id,
        "description": f"retraining of {model.model_version} ({trigger.get('type', 'manual')})",
    }
    for n in range(1, MAX_SUFFIX + 1):
        try:
            return models.register_model(tenant_id, ModelCreate.model_validate({**spec, "model_version": f"{base}-r{n}"}))
        except Conflict:
            continue
    raise Conflict(f"{model.model_name} has {MAX_SUFFIX} retrained versions of {base} already", code="too_many_retrains")
