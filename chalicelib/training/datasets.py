"""Datasets: the examples of a window, redacted, deduplicated, split by user, written as JSONL to S3, with lineage.

A build reads the index of examples (their quality, no payload), then the sessions in batches of
100 (reporting progress on the dataset item), redacts every text, assembles and checks the lines
(`assembly.py`, `formats.py`) and writes `train.jsonl`, `validation.jsonl` and `manifest.jsonl`
under `tenants/<tenant>/datasets/<dataset>/`. The manifest is the full lineage: for every line its
split, its sessions, a digest of its user, its quality and category. The item keeps the counts,
the first session ids with their number and digest, and the jobs trained on it and the models they
produced.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.expressions.update import Action

from ..core import blobs, clock, keys, persist, storage
from ..core.errors import Conflict, described
from ..core.ids import new_id
from ..core.schemas import Page
from ..core.settings import get_settings
from ..sessions import service as sessions
from . import formats
from .assembly import Assembly, Candidate, Params, assemble
from .examples import as_text, expected_output, is_example, quality_of
from .redaction import CARD, EMAIL, PHONE, Redactor
from .schemas import Dataset, DatasetCreate, DatasetFile, DatasetListQuery, Lineage, Progress
from .splits import user_digest
from .store import DatasetItem, ExampleItem, datasets_of, datasets_page, progress, walk_examples

SESSION_BATCH = 100
# At most this many examples are read for one dataset (the best-rated first).
MAX_CANDIDATES = 50_000
# The item lists this many session ids; the manifest lists them all.
LINEAGE_IDS = 100
# Files larger than this are answered with a presigned link (307) rather than inline (Lambda answers stop at 6 MB).
INLINE_DOWNLOAD_BYTES = 5 * 1024 * 1024
CONTENT_TYPE = "application/x-ndjson"
SPLITS = ("train", "validation")
# A build that has not moved for this long was cut off (Lambdas stop at 15 minutes).
STALLED_AFTER = timedelta(minutes=15)

Report = Callable[[int, int], None]


def threshold_of(min_rating: float) -> float:
    """The quality score a rating of `min_rating` stars gives, (r - 1) / 4: the bar an example must clear."""
    return (min_rating - 1) / 4


def create_dataset(tenant_id: str, data: DatasetCreate) -> Dataset:
    item, _ = build(tenant_id, data)
    return view(item)


def build(tenant_id: str, data: DatasetCreate, *, keep_all_rated: bool = False) -> tuple[DatasetItem, list[Candidate]]:
    """Build a dataset; also answer the candidates read (with `keep_all_rated`, every rated example of the window)."""
    now = clock.now()
    created_at = clock.iso(now)
    dataset_id = new_id("ds")
    redactor = Redactor()
    filters: dict[str, Any] = {
        "days": data.days,
        "min_rating": data.min_rating,
        "category_key": data.category_key,
        "validation_split": data.validation_split,
        "system_prompt": redactor(data.system_prompt) if data.system_prompt else None,
        "validated_only": data.validated_only,
        "max_examples": data.max_examples,
        "from": clock.iso(now - timedelta(days=data.days)),
        "to": created_at,
    }
    key = keys.training_dataset(tenant_id, dataset_id)
    item = DatasetItem(
        key.pk,
        key.sk,
        id=dataset_id,
        name=data.name,
        status="building",
        format=data.format,
        filters=filters,
        progress=progress("collecting"),
        created_at=created_at,
        updated_at=created_at,
        gsi1pk=keys.training_datasets(tenant_id),
        gsi1sk=keys.time_sort(created_at, dataset_id),
    )
    storage.commit([storage.Put(item, DatasetItem.pk.does_not_exist())])
    try:
        threshold = threshold_of(data.min_rating)
        # Preference pairs need the rejected outputs too, and the analysis every rated session.
        floor = None if keep_all_rated or data.format == formats.PREFERENCE else threshold
        stats: Counter[str] = Counter()
        found = collect(tenant_id, data.category_key, filters["from"], created_at, floor, stats)
        candidates = load_candidates(tenant_id, found, redactor, _reporter(item))
        write(tenant_id, item, candidates, stats)
    except Exception as exc:
        _fail(item, exc)
        raise
    return item, candidates


def collect(
    tenant_id: str, category_key: str | None, since: str, until: str, floor: float | None, stats: Counter[str]
) -> list[ExampleItem]:
    """The examples of sessions created in [since, until] with a quality score (at least `floor`), best first."""
    found: list[ExampleItem] = []
    for item, _ in walk_examples(tenant_id, category_key, until, since):
        if not is_example(item):
            continue
        quality = quality_of(item)
        if quality is None:
            stats["unscored"] += 1
            continue
        if floor is not None and quality < floor:
            stats["below_min_rating"] += 1
            continue
        found.append(item)
    found.sort(key=lambda i: i.created_at, reverse=True)
    found.sort(key=lambda i: -(quality_of(i) or 0.0))  # stable: the best first, the newest first among equals
    if len(found) > MAX_CANDIDATES:
        stats["over_max_examples"] += len(found) - MAX_CANDIDATES
        found = found[:MAX_CANDIDATES]
    return found


def load_candidates(tenant_id: str, items: list[ExampleItem], redact: Callable[[str], str], report: Report) -> list[Candidate]:
    """Read the examples' sessions in batches and turn each into a candidate with redacted texts."""
    out: list[Candidate] = []
    report(0, len(items))
    for start in range(0, len(items), SESSION_BATCH):
        chunk = items[start : start + SESSION_BATCH]
        found = sessions.recorded(tenant_id, [i.session_id for i in chunk], consistent=False)
        for item in chunk:
            session = found.get(item.session_id)
            if session is not None:
                out.append(candidate(item, session, redact))
        report(min(start + SESSION_BATCH, len(items)), len(items))
    return out


def candidate(item: ExampleItem, session: sessions.Recorded, redact: Callable[[str], str]) -> Candidate:
    expected, source = expected_output(item, session)

    def text(value: Any) -> str | None:
        rendered = as_text(value)
        return redact(rendered) if rendered else rendered

    features = {
        name: (redact(value) if isinstance(value, str) else value)
        for name, value in (session.features or {}).items()
        if isinstance(value, str | int | float | bool) and not (isinstance(value, str) and len(value) > 200)
    }
    return Candidate(
        session_id=item.session_id,
        user_id=item.user_id,
        category_key=item.category_key,
        created_at=item.created_at,
        quality=quality_of(item),
        validated=bool(item.validated),
        model_id=item.model_id,
        experiment_id=item.experiment_id,
        variant_id=item.variant_id,
        successes=int(item.success_count or 0),
        regenerates=int(item.regenerates or 0),
        dislikes=int(item.dislikes or 0),
        input_text=text(session.input),
        output_text=text(session.output),
        expected_text=text(expected),
        expected_source=source,
        features=features,
        prompt_name=(session.prompt or {}).get("name") if isinstance(session.prompt, dict) else None,
    )


def params_of(tenant_id: str, item: DatasetItem) -> Params:
    filters = item.filters
    return Params(
        fmt=item.format,
        threshold=threshold_of(float(filters["min_rating"])),
        validation_split=float(filters["validation_split"]),
        salt=tenant_id,
        system_prompt=filters.get("system_prompt"),
        validated_only=bool(filters.get("validated_only")),
        max_examples=int(filters.get("max_examples") or 10_000),
    )


def write(tenant_id: str, item: DatasetItem, candidates: list[Candidate], stats: Counter[str], *, rebuilt: bool = False) -> None:
    """Assemble the lines, write the files and the manifest, and mark the dataset ready with its counts and lineage."""
    _set_progress(item, progress("writing", len(candidates), len(candidates)))
    assembly = assemble(candidates, params_of(tenant_id, item))
    stats.update(assembly.stats)
    files: dict[str, Any] = {}
    redactions: Counter[str] = Counter()
    for split, entries in (("train", assembly.train), ("validation", assembly.validation)):
        text = "".join(formats.dumps(e.line) + "\n" for e in entries)
        for placeholder in (EMAIL, PHONE, CARD):
            redactions[placeholder.strip("[]").lower()] += text.count(placeholder)
        data = text.encode()
        location = blobs.put(file_key(tenant_id, item.id, split), data, CONTENT_TYPE)
        files[split] = {
            "split": split,
            "location": location,
            "lines": len(entries),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    manifest = _manifest(tenant_id, assembly)
    files["manifest"] = {
        "split": "manifest",
        "location": blobs.put(file_key(tenant_id, item.id, "manifest"), manifest.encode(), CONTENT_TYPE),
        "lines": len(assembly.entries),
        "bytes": len(manifest.encode()),
        "sha256": hashlib.sha256(manifest.encode()).hexdigest(),
    }
    sessions = list(dict.fromkeys(sid for e in assembly.entries for sid in e.session_ids))
    now = clock.iso(clock.now())
    actions: list[Action] = [
        DatasetItem.status.set("ready"),
        DatasetItem.train_count.set(len(assembly.train)),
        DatasetItem.validation_count.set(len(assembly.validation)),
        DatasetItem.users_count.set(len({e.user_id for e in assembly.entries})),
        DatasetItem.categories.set(sorted({e.category_key for e in assembly.entries})),
        DatasetItem.stats.set(dict(sorted(stats.items()))),
        DatasetItem.redactions.set(dict(redactions)),
        DatasetItem.files.set(files),
        DatasetItem.session_ids.set(sessions[:LINEAGE_IDS]),
        DatasetItem.session_ids_count.set(len(sessions)),
        DatasetItem.session_ids_sha256.set(hashlib.sha256("\n".join(sessions).encode()).hexdigest()),
        DatasetItem.progress.set(progress("ready", len(candidates), len(candidates))),
        DatasetItem.error.remove(),
        DatasetItem.updated_at.set(now),
    ]
    if rebuilt:
        actions += [DatasetItem.rebuilt_at.set(now), DatasetItem.rebuilds.add(1)]
    storage.commit([storage.Update(DatasetItem(item.pk, item.sk), actions)])
    item.refresh(consistent_read=True)


def rebuild_without(tenant_id: str, item: DatasetItem, digests: set[str]) -> bool:
    """Rebuild a dataset without one user's lines (same id, new files, lineage updated); False when it held none.

    `digests`: every name the manifest may give the user (splits.user_digests)."""
    manifest = read_manifest(tenant_id, item)
    if not any(line.get("user") in digests for line in manifest):
        return False
    remaining = list(dict.fromkeys(sid for line in manifest if line.get("user") not in digests for sid in line["session_ids"]))
    found = storage.get_many([keys.training_example(tenant_id, sid) for sid in remaining], consistent=True) if remaining else {}
    examples = [
        ex
        for sid in remaining
        if isinstance(ex := found.get(keys.training_example(tenant_id, sid)), ExampleItem)
        and is_example(ex)
        and user_digest(tenant_id, ex.user_id) not in digests
    ]
    candidates = load_candidates(tenant_id, examples, Redactor(), _reporter(item))
    write(tenant_id, item, candidates, Counter(rebuilt_from_lines=len(manifest)), rebuilt=True)
    return True


def read_manifest(tenant_id: str, item: DatasetItem) -> list[dict[str, Any]]:
    if item.status != "ready":
        return []
    text = blobs.get(file_key(tenant_id, item.id, "manifest")).decode()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_lines(tenant_id: str, item: DatasetItem, split: str) -> list[dict[str, Any]]:
    """The parsed lines of one split (each checked against the format again)."""
    text = blobs.get(file_key(tenant_id, item.id, split)).decode()
    return [formats.parse(item.format, line) for line in text.splitlines() if line.strip()]


def file_key(tenant_id: str, dataset_id: str, name: str) -> str:
    return blobs.tenant_key(tenant_id, "datasets", dataset_id, f"{name}.jsonl")


# --- reads -----------------------------------------------------------------------------------------


def load(tenant_id: str, dataset_id: str) -> DatasetItem:
    return persist.load(DatasetItem, keys.training_dataset(tenant_id, dataset_id), f"no dataset {dataset_id}")


def get_dataset(tenant_id: str, dataset_id: str) -> Dataset:
    return view(load(tenant_id, dataset_id))


def list_datasets(tenant_id: str, query: DatasetListQuery) -> Page[Dataset]:
    found, cursor = datasets_page(tenant_id, query.limit, query.cursor)
    return Page[Dataset](items=[view(item) for item in found], next_cursor=cursor)


def all_datasets(tenant_id: str) -> list[DatasetItem]:
    return datasets_of(tenant_id)


@dataclass
class Download:
    filename: str
    text: str | None = None
    link: str | None = None


def download(tenant_id: str, dataset_id: str, split: str) -> Download:
    item = load(tenant_id, dataset_id)
    if item.status != "ready":
        raise Conflict(f"dataset {dataset_id} is {item.status}, not ready", code="dataset_not_ready")
    filename = f"{dataset_id}-{split}.jsonl"
    key = file_key(tenant_id, dataset_id, split)
    if int((item.files or {}).get(split, {}).get("bytes", 0)) > INLINE_DOWNLOAD_BYTES:
        return Download(filename, link=blobs.link(key, filename=filename))
    return Download(filename, text=blobs.get(key).decode())


# --- lineage -----------------------------------------------------------------------------------------


def attach_job(tenant_id: str, dataset_id: str, job_id: str) -> storage.Update:
    """The op that records a job trained on the dataset (in the job's creation transaction); the dataset must be ready."""
    key = keys.training_dataset(tenant_id, dataset_id)
    return storage.Update(
        DatasetItem(key.pk, key.sk),
        [DatasetItem.jobs.set((DatasetItem.jobs | []).append([job_id]))],
        DatasetItem.status == "ready",
    )


def attach_model(tenant_id: str, dataset_id: str, model_id: str) -> None:
    """Record a model trained on the dataset (once, however often the job is polled)."""
    key = keys.training_dataset(tenant_id, dataset_id)
    try:
        storage.commit(
            [
                storage.Update(
                    DatasetItem(key.pk, key.sk),
                    [DatasetItem.models.set((DatasetItem.models | []).append([model_id]))],
                    DatasetItem.pk.exists() & ~DatasetItem.models.contains(model_id),
                )
            ]
        )
    except storage.ConditionFailed as exc:
        if exc.conflict:
            raise


def view(item: DatasetItem) -> Dataset:
    bucket = get_settings().blob_bucket
    status, error = item.status, item.error
    if status == "building" and clock.now() - clock.parse_iso(item.updated_at) > STALLED_AFTER:
        # A build moves its progress every batch; one silent this long was cut off (a Lambda timeout).
        status, error = "failed", "the build stopped before it finished (timed out); build the dataset again"
    files = {name: DatasetFile(**f) for name, f in (item.files or {}).items() if name in SPLITS}
    manifest = (item.files or {}).get("manifest", {}).get("location")
    return Dataset(
        id=item.id,
        dataset_id=item.id,
        name=item.name,
        status=status,  # type: ignore[arg-type]
        format=item.format,  # type: ignore[arg-type]
        train_count=int(item.train_count or 0),
        validation_count=int(item.validation_count or 0),
        location=f"s3://{bucket}/{blobs.tenant_key(_tenant_of(item), 'datasets', item.id)}/",
        session_ids_count=int(item.session_ids_count or 0),
        users_count=int(item.users_count or 0),
        categories=list(item.categories or []),
        filters=item.filters or {},
        stats={k: int(v) for k, v in (item.stats or {}).items()},
        redactions={k: int(v) for k, v in (item.redactions or {}).items()},
        files=files,
        lineage=Lineage(
            session_ids=list(item.session_ids or []),
            session_ids_count=int(item.session_ids_count or 0),
            session_ids_sha256=item.session_ids_sha256,
            manifest=manifest,
            jobs=list(item.jobs or []),
            models=list(item.models or []),
        ),
        progress=Progress(**item.progress) if item.progress else None,
        error=error,
        created_at=item.created_at,
        updated_at=item.updated_at,
        rebuilt_at=item.rebuilt_at,
        rebuilds=int(item.rebuilds or 0),
    )


# --- helpers -----------------------------------------------------------------------------------------


def _tenant_of(item: DatasetItem) -> str:
    return item.pk.split("#")[1]


def _manifest(tenant_id: str, assembly: Assembly) -> str:
    lines = []
    for split, entries in (("train", assembly.train), ("validation", assembly.validation)):
        for n, e in enumerate(entries):
            record = {
                "split": split,
                "line": n,
                "session_ids": e.session_ids,
                "user": user_digest(tenant_id, e.user_id),
                "quality": e.quality,
                "category_key": e.category_key,
                "kind": e.kind,
                "created_at": e.created_at,
            }
            lines.append(json.dumps(record, separators=(",", ":")) + "\n")
    return "".join(lines)


def _set_progress(item: DatasetItem, state: dict[str, Any]) -> None:
    item.progress = state
    storage.commit(
        [
            storage.Update(
                DatasetItem(item.pk, item.sk),
                [DatasetItem.progress.set(state), DatasetItem.updated_at.set(clock.iso(clock.now()))],
            )
        ]
    )


def _reporter(item: DatasetItem) -> Report:
    def report(done: int, total: int) -> None:
        _set_progress(item, progress("reading_sessions", done, total))

    return report


def _fail(item: DatasetItem, exc: BaseException) -> None:
    try:
        storage.commit(
            [
                storage.Update(
                    DatasetItem(item.pk, item.sk),
                    [
                        DatasetItem.status.set("failed"),
                        DatasetItem.error.set(described(exc, "the build stopped on an internal error; build the dataset again")),
                        DatasetItem.updated_at.set(clock.iso(clock.now())),
                    ],
                )
            ]
        )
    except Exception:  # noqa: BLE001 - the original error is what the caller must see
        pass
