"""Training: examples, datasets (with their JSONL files), fine-tuning jobs, retraining."""

from __future__ import annotations

from chalice import Blueprint

from ..audit import service as audit
from ..core.schemas import Page
from ..experiments.schemas import Experiment
from ..tenancy.schemas import Role
from ..training import datasets, examples, jobs, lifecycle, retrain
from ..training.schemas import (
    Dataset,
    DatasetCreate,
    DatasetListQuery,
    DownloadQuery,
    Example,
    ExamplePatch,
    ExampleQuery,
    Job,
    JobCreate,
    JobExperimentCreate,
    JobListQuery,
    RetrainRequest,
    RetrainResult,
)
from .http import Call, Reply, route

training = Blueprint(__name__)
TAG = "training"


@route(
    training,
    "GET",
    "/v1/training/examples",
    role=Role.READ,
    query=ExampleQuery,
    response=Page[Example],
    summary="Training examples (one per session with feedback), newest first",
    tag=TAG,
)
def list_training_examples(call: Call[None, ExampleQuery]) -> Page[Example]:
    return examples.list_examples(call.tenant, call.query)


@route(
    training,
    "GET",
    "/v1/training/examples/{example_id}",
    role=Role.READ,
    response=Example,
    summary="A training example",
    tag=TAG,
    statuses=(404,),
)
def get_training_example(call: Call[None, None]) -> Example:
    return examples.get_example(call.tenant, call.params["example_id"])


@route(
    training,
    "PATCH",
    "/v1/training/examples/{example_id}",
    role=Role.ADMIN,
    body=ExamplePatch,
    response=Example,
    summary="Review an example: validated, quality score, expected output (later feedback keeps the review)",
    tag=TAG,
    statuses=(404,),
)
def patch_training_example(call: Call[ExamplePatch, None]) -> Example:
    return examples.patch_example(call.tenant, call.params["example_id"], call.body)


@route(
    training,
    "POST",
    "/v1/training/datasets",
    role=Role.ADMIN,
    body=DatasetCreate,
    status=201,
    response=Dataset,
    summary="Build a redacted dataset (JSONL in S3) from the examples of a window",
    tag=TAG,
)
def create_training_dataset(call: Call[DatasetCreate, None]) -> Dataset:
    return datasets.create_dataset(call.tenant, call.body)


@route(
    training,
    "GET",
    "/v1/training/datasets",
    role=Role.READ,
    query=DatasetListQuery,
    response=Page[Dataset],
    summary="Datasets, newest first",
    tag=TAG,
)
def list_training_datasets(call: Call[None, DatasetListQuery]) -> Page[Dataset]:
    return datasets.list_datasets(call.tenant, call.query)


@route(
    training,
    "GET",
    "/v1/training/datasets/{dataset_id}",
    role=Role.READ,
    response=Dataset,
    summary="A dataset: counts, files, lineage, progress",
    tag=TAG,
    statuses=(404,),
)
def get_training_dataset(call: Call[None, None]) -> Dataset:
    return datasets.get_dataset(call.tenant, call.params["dataset_id"])


@route(
    training,
    "GET",
    "/v1/training/datasets/{dataset_id}/download",
    role=Role.ADMIN,
    query=DownloadQuery,
    response=datasets.CONTENT_TYPE,
    summary="One split of a dataset as JSONL (a 307 to a signed link past 5 MB)",
    tag=TAG,
    statuses=(307, 404, 409),
)
def download_training_dataset(call: Call[None, DownloadQuery]) -> Reply:
    found = datasets.download(call.tenant, call.params["dataset_id"], call.query.split)
    details = {"split": call.query.split, "delivered": "link" if found.link is not None else "inline"}
    audit.record(call.caller, "dataset_download", call.params["dataset_id"], details)
    if found.link is not None:
        return Reply({"location": found.link}, 307, {"Location": found.link})
    headers = {"Content-Type": datasets.CONTENT_TYPE, "Content-Disposition": f'attachment; filename="{found.filename}"'}
    return Reply(found.text, 200, headers)


@route(
    training,
    "POST",
    "/v1/training/jobs",
    role=Role.ADMIN,
    body=JobCreate,
    status=201,
    response=Job,
    summary="Start fine-tuning a catalog model on a dataset (OpenAI-compatible providers, or offline)",
    tag=TAG,
    statuses=(404, 409),
)
def create_training_job(call: Call[JobCreate, None]) -> Job:
    return jobs.create_job(call.tenant, call.body, call.caller.limits if call.caller else None)


@route(
    training,
    "GET",
    "/v1/training/jobs",
    role=Role.READ,
    query=JobListQuery,
    response=Page[Job],
    summary="Fine-tuning jobs, newest first",
    tag=TAG,
)
def list_training_jobs(call: Call[None, JobListQuery]) -> Page[Job]:
    return jobs.list_jobs(call.tenant, call.query)


@route(
    training,
    "GET",
    "/v1/training/jobs/{job_id}",
    role=Role.READ,
    response=Job,
    summary="A fine-tuning job: status, progress, events, the model it produced",
    tag=TAG,
    statuses=(404,),
)
def get_training_job(call: Call[None, None]) -> Job:
    return jobs.get_job(call.tenant, call.params["job_id"])


@route(
    training,
    "POST",
    "/v1/training/jobs/{job_id}/cancel",
    role=Role.ADMIN,
    response=Job,
    summary="Cancel a pending or running job",
    tag=TAG,
    statuses=(404, 409, 502),
)
def cancel_training_job(call: Call[None, None]) -> Job:
    return jobs.cancel_job(call.tenant, call.params["job_id"])


@route(
    training,
    "POST",
    "/v1/training/jobs/{job_id}/experiment",
    role=Role.ADMIN,
    body=JobExperimentCreate,
    status=201,
    response=Experiment,
    summary="Start an experiment of the job's base model against the model it produced",
    tag=TAG,
    statuses=(404, 409),
)
def start_training_job_experiment(call: Call[JobExperimentCreate, None]) -> Experiment:
    return lifecycle.start_experiment(call.tenant, call.params["job_id"], call.body)


@route(
    training,
    "POST",
    "/v1/retrain",
    role=Role.ADMIN,
    body=RetrainRequest,
    response=RetrainResult,
    summary="Retrain: a dataset, the patterns of high- and low-rated sessions, a job, new prompt variants",
    tag=TAG,
)
def retrain_models(call: Call[RetrainRequest, None]) -> RetrainResult:
    return retrain.retrain(call.tenant, call.body, call.caller.limits if call.caller else None)
