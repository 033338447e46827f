"""Registry experiments (seed: AIExperiment): objective, hypothesis, baseline and current model, results."""

from __future__ import annotations

from ..companies import scope
from ..companies.schemas import CompanyListQuery
from ..core import clock, keys, pagination, storage
from ..core.errors import Conflict, NotFound
from ..core.ids import new_id
from ..core.query import page
from ..core.schemas import Page
from ..core.table import TableItem
from . import lifecycle, writes
from .schemas import MlExperiment, MlExperimentCreate, MlExperimentPatch
from .store import MlExperimentItem


def create_experiment(tenant_id: str, data: MlExperimentCreate) -> MlExperiment:
    now = clock.iso(clock.now())
    company = scope.stamp(data.company_id)
    key = keys.ml_experiment(tenant_id, data.experiment_name, company)  # names are unique per company
    item = MlExperimentItem(
        key.pk,
        key.sk,
        id=new_id("mlx"),
        experiment_name=data.experiment_name,
        objective=data.objective,
        hypothesis=data.hypothesis,
        status="active",
        baseline_model=data.baseline_model,
        current_model=data.current_model,
        success_metrics=data.success_metrics,
        methodology=data.methodology,
        company_id=company,
        created_at=now,
        updated_at=now,
        version=1,
    )
    exists = Conflict(f"an experiment named {data.experiment_name} already exists", code="experiment_exists")
    writes.create([storage.Put(item, MlExperimentItem.pk.does_not_exist())], exists, what="creating the experiment")
    return view(item)


def list_experiments(tenant_id: str, query: CompanyListQuery) -> Page[MlExperiment]:
    listing = f"registry-experiments:{query.company_id or ''}"
    state = pagination.decode(tenant_id, listing, query.cursor) if query.cursor else {}
    found, last = page(
        MlExperimentItem,
        keys.ml_experiments(tenant_id),
        limit=query.limit,
        after=state.get("k"),
        range_condition=TableItem.sk.startswith(keys.ml_experiment_prefix()),
        filter_condition=scope.condition(MlExperimentItem.company_id, query.company_id),
    )
    cursor = pagination.encode(tenant_id, listing, {"k": last}) if last else None
    return Page[MlExperiment](items=[view(item) for item in found], next_cursor=cursor)


def patch_experiment(tenant_id: str, experiment_name: str, data: MlExperimentPatch) -> MlExperiment:
    def attempt() -> MlExperimentItem:
        item = _load(tenant_id, experiment_name)
        if data.status is not None:
            what = f"experiment {experiment_name}"
            lifecycle.check_move("experiment", lifecycle.EXPERIMENT_MOVES, item.status, data.status, what)
            item.status = data.status
        for name in ("current_model", "results", "conclusions"):
            if name in data.model_fields_set:
                setattr(item, name, getattr(data, name))
        item.updated_at = clock.iso(clock.now())
        expected = item.version
        item.version = expected + 1
        storage.commit([storage.Put(item, MlExperimentItem.version == expected)])
        return item

    return view(storage.retrying(attempt, what="updating the experiment"))


def _load(tenant_id: str, experiment_name: str) -> MlExperimentItem:
    """The company's experiment of that name, or (a key of no company) the tenant-wide one, else the one company's."""
    company = scope.current()
    item = storage.get(MlExperimentItem, keys.ml_experiment(tenant_id, experiment_name, company))
    if item is None and company is None:
        prefix = keys.ml_experiment(tenant_id, experiment_name, "").sk  # `EXPERIMENT#<name>@`
        found = MlExperimentItem.query(
            keys.ml_experiments(tenant_id), MlExperimentItem.sk.startswith(prefix), consistent_read=True
        )
        item = scope.one_of([i for i in found if isinstance(i, MlExperimentItem)], f"experiment {experiment_name}")
    elif item is None:  # one stored before names were per company
        item = storage.get(MlExperimentItem, keys.ml_experiment(tenant_id, experiment_name))
    if item is None or not scope.visible(item.company_id):
        raise NotFound(f"no registry experiment {experiment_name}")
    return item


def view(item: MlExperimentItem) -> MlExperiment:
    return MlExperiment(
        id=item.id,
        experiment_id=item.id,
        experiment_name=item.experiment_name,
        objective=item.objective,
        hypothesis=item.hypothesis,
        status=item.status,
        baseline_model=item.baseline_model,
        current_model=item.current_model,
        success_metrics=item.success_metrics or {},
        methodology=item.methodology or {},
        results=item.results,
        conclusions=item.conclusions,
        company_id=item.company_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
