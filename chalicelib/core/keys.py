"""Every key of the single table is built here, and nowhere else.

Tenant items live under partition keys that start with `TENANT#<id>` (IAM's
`dynamodb:LeadingKeys` can then confine a tenant's credentials to its own items);
the few platform items (domain claims, the tenant index, root-scoped idempotency
records) start with `PLATFORM#`. `docs/data-model.md` lists each key and what reads it.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple
from urllib.parse import quote


class Key(NamedTuple):
    pk: str
    sk: str


def _tenant(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


# --- tenancy -----------------------------------------------------------------------------------


def tenant(tenant_id: str) -> Key:
    return Key(_tenant(tenant_id), "TENANT")


def tenant_index(created_at: str, tenant_id: str) -> Key:
    """GSI1: every tenant, oldest first (the scheduler walks it)."""
    return Key("PLATFORM#TENANTS", f"{created_at}#{tenant_id}")


def tenant_index_partition() -> str:
    return "PLATFORM#TENANTS"


def domain_claim(domain: str) -> Key:
    return Key(f"PLATFORM#DOMAIN#{domain}", "DOMAIN")


def api_key(tenant_id: str, key_id: str) -> Key:
    return Key(_tenant(tenant_id), f"APIKEY#{key_id}")


def api_key_prefix() -> str:
    return "APIKEY#"


def rate_window(tenant_id: str, minute: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#RATE", f"MINUTE#{minute}")


# --- the platform operator's items ---------------------------------------------------------------


def platform_settings() -> Key:
    """The one item of platform settings (rate-limit default and ceiling, providers and prices on the platform's keys)."""
    return Key("PLATFORM#SETTINGS", "SETTINGS")


def auth_failures(source: str, minute: str) -> Key:
    """Failed authentications from one source (a digest of its IP address) in one minute, across every Lambda."""
    return Key(f"PLATFORM#AUTHFAIL#{_digest(source)}", f"MINUTE#{minute}")


# --- sessions and feedback ---------------------------------------------------------------------


def session(tenant_id: str, session_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#SESSION#{session_id}", "SESSION")


def session_partition(tenant_id: str, session_id: str) -> str:
    return session(tenant_id, session_id).pk


def feedback(tenant_id: str, session_id: str, user_id: str) -> Key:
    return Key(session_partition(tenant_id, session_id), f"FEEDBACK#{user_id}")


def feedback_prefix() -> str:
    return "FEEDBACK#"


def sessions_by_month(tenant_id: str, month: str) -> str:
    """GSI1 partition: a tenant's sessions of one month (YYYY-MM), sorted by `<created_at>#<id>`."""
    return f"{_tenant(tenant_id)}#SESSIONS#{month}"


def sessions_by_category(tenant_id: str, category_key: str, month: str) -> str:
    """GSI3 partition: a tenant's sessions of one task category and month."""
    return f"{_tenant(tenant_id)}#CATEGORY#{category_key}#{month}"


def user_items(tenant_id: str, user_id: str) -> str:
    """GSI2 partition: everything one end user owns (sessions, feedback, ...), for listing and deletion."""
    return f"{_tenant(tenant_id)}#USER#{user_id}"


# GSI2 sort keys under `user_items`: what an end user owns, one prefix per kind (erasure finds each kind by it);
# the other kinds' (`DESIGN_OF_USER`, `ML_FEEDBACK_OF_USER`, `audit_of_user`) sit beside their capability's keys.
SESSION_OF_USER = "SESSION#"
FEEDBACK_OF_USER = "FEEDBACK#"
EXAMPLE_OF_USER = "EXAMPLE#"
ASSIGNMENT_OF_USER = "ASSIGNMENT#"
CUSTOMER_OF_USER = "CUSTOMER#"
IDEMPOTENCY_OF_USER = "IDEMPOTENCY#"


def session_of_user(created_at: str, session_id: str) -> str:
    """GSI2 sort key of a session under its user (`user_items`), newest last."""
    return f"{SESSION_OF_USER}{time_sort(created_at, session_id)}"


def sessions_of_user_between(first: str, last: str) -> tuple[str, str]:
    """The GSI2 sort-key range of a user's sessions created from `first` to `last` (ISO times, both included)."""
    return f"{SESSION_OF_USER}{first}", f"{SESSION_OF_USER}{last}~"


def feedback_of_user(created_at: str, feedback_id: str) -> str:
    """GSI2 sort key of a feedback under the user who gave it (`user_items`)."""
    return f"{FEEDBACK_OF_USER}{time_sort(created_at, feedback_id)}"


def example_of_user(created_at: str, session_id: str) -> str:
    """GSI2 sort key of a training example under its session's user (`user_items`)."""
    return f"{EXAMPLE_OF_USER}{time_sort(created_at, session_id)}"


def assignment_of_user(experiment_id: str) -> str:
    """GSI2 sort key of a user's assignment to an experiment under the user (`user_items`)."""
    return f"{ASSIGNMENT_OF_USER}{experiment_id}"


def customer_of_user(customer_id: str) -> str:
    """GSI2 sort key of a customer record under the end user it belongs to (`user_items`)."""
    return f"{CUSTOMER_OF_USER}{customer_id}"


def idempotency_of_user(created_at: str) -> str:
    """GSI2 sort key of an Idempotency-Key record whose request names an end user (under `user_items`): the stored
    answer may hold their text, so erasure finds and deletes it."""
    return f"{IDEMPOTENCY_OF_USER}{created_at}"


def user_partition(tenant_id: str, user_id: str) -> str:
    """What Learnloop keeps about one end user (their model preferences), in one partition."""
    return f"{_tenant(tenant_id)}#USER#{user_id}"


def user_preference(tenant_id: str, user_id: str, category_key: str, model_id: str) -> Key:
    return Key(user_partition(tenant_id, user_id), f"PREF#{category_key}#{model_id}")


def user_preference_prefix(category_key: str | None = None) -> str:
    """Every preference of a user, or those of one category."""
    return "PREF#" if category_key is None else f"PREF#{category_key}#"


def user_preference_of(sort_key: str) -> tuple[str, str]:
    """The (category key, model id) a preference's sort key names."""
    category_key, model_id = sort_key.removeprefix(user_preference_prefix()).split("#", 1)
    return category_key, model_id


def time_sort(created_at: str, item_id: str) -> str:
    return f"{created_at}#{item_id}"


# --- counters ----------------------------------------------------------------------------------


def counter(tenant_id: str, shard: int, name: str, bucket: str) -> Key:
    """One shard of a counter. Shards sit on distinct partitions so a hot counter spreads its writes."""
    return Key(f"{_tenant(tenant_id)}#COUNTER#{shard}", f"{name}#{bucket}")


def counter_partition(tenant_id: str, shard: int) -> str:
    return f"{_tenant(tenant_id)}#COUNTER#{shard}"


def counter_sort(name: str, bucket: str) -> str:
    return f"{name}#{bucket}"


def counter_spill(tenant_id: str, spill_id: str) -> Key:
    """Counter ADDs a conflicted transaction set aside (core/spill.py), until a fold adds them to the counters."""
    return Key(counter_spill_partition(tenant_id), f"SPILL#{spill_id}")


def counter_spill_partition(tenant_id: str) -> str:
    return f"{_tenant(tenant_id)}#SPILL"


def hour_bucket(timestamp: str) -> str:
    """The UTC hour of an ISO timestamp (`yyyy-mm-ddThh`): the bucket of the hourly counters, beside the daily ones."""
    return timestamp[:13]


# --- analytics -----------------------------------------------------------------------------------
# Per-day counters (model x category, variant, latency histogram, touched days) are sharded counters
# (`counter`); roll-ups, the roll-up state and reports sit in one partition per tenant each.


def analytics_partition(tenant_id: str) -> str:
    """A tenant's roll-ups (weekly, monthly, all time) and the aggregation's state: one Query reads a period range."""
    return f"{_tenant(tenant_id)}#ROLLUP"


def rollup(tenant_id: str, period_type: str, period_start: str, category_key: str, model_id: str) -> Key:
    return Key(analytics_partition(tenant_id), f"{rollup_prefix(period_type)}{period_start}#{category_key}#{model_id}")


def rollup_prefix(period_type: str) -> str:
    return f"{period_type.upper()}#"


def rolled_day(tenant_id: str, day: str, category_key: str, model_id: str) -> Key:
    """What aggregate-metrics last rolled of one day and pair: the next run adds only the difference."""
    return Key(analytics_partition(tenant_id), f"{rolled_day_prefix(day)}{category_key}#{model_id}")


def rolled_day_prefix(day: str) -> str:
    return f"ROLLED#{day}#"


def rollup_state(tenant_id: str) -> Key:
    """Where the aggregation stopped (its watermark), so the next run reads only what changed since."""
    return Key(analytics_partition(tenant_id), "STATE")


def reports_partition(tenant_id: str) -> str:
    return f"{_tenant(tenant_id)}#REPORT"


def performance_report(tenant_id: str, week_start: str) -> Key:
    return Key(reports_partition(tenant_id), f"PERFORMANCE#{week_start}")


def performance_report_prefix() -> str:
    return "PERFORMANCE#"


def preference_changes(tenant_id: str, day: str, shard: int) -> str:
    """GSI1 partition: a user's model preferences that changed on `day` (UTC), sharded by user, sorted by time."""
    return f"{_tenant(tenant_id)}#PREFCHANGES#{day}#{shard}"


def catalog_mapping_stats(tenant_id: str, category_key: str, model_id: str) -> Key:
    """A model's derived figures on a task (seed 002's mapping stats), materialised by aggregate-metrics."""
    return Key(catalog_partition(tenant_id), f"{catalog_mapping_stats_prefix()}{category_key}#{model_id}")


def catalog_mapping_stats_prefix() -> str:
    return "MAPSTATS#"


# --- idempotency and scheduler -------------------------------------------------------------------


def idempotency(scope: str | None, client_key: str) -> Key:
    """A remembered request. `scope` is the tenant id, or None for the platform (root) scope."""
    owner = _tenant(scope) if scope else "PLATFORM"
    return Key(f"{owner}#IDEMPOTENCY#{_digest(client_key)}", "IDEMPOTENCY")


def task_state(tenant_id: str, task_name: str) -> Key:
    return Key(_tenant(tenant_id), f"TASK#{task_name}")


def task_state_prefix() -> str:
    return "TASK#"


# --- model catalog and prompts -------------------------------------------------------------------


def catalog_partition(tenant_id: str) -> str:
    """A tenant's whole model catalog (models, task categories, mappings, prompt heads): one Query reads it."""
    return f"{_tenant(tenant_id)}#CATALOG"


def catalog_model(tenant_id: str, model_id: str) -> Key:
    return Key(catalog_partition(tenant_id), f"MODEL#{model_id}")


def catalog_category(tenant_id: str, category_key: str) -> Key:
    return Key(catalog_partition(tenant_id), f"CATEGORY#{category_key}")


def catalog_mapping(tenant_id: str, category_key: str, model_id: str) -> Key:
    return Key(catalog_partition(tenant_id), f"MAPPING#{category_key}#{model_id}")


def prompt_head(tenant_id: str, name: str) -> Key:
    """The latest version number of a prompt template."""
    return Key(catalog_partition(tenant_id), f"PROMPT#{name}")


def prompt_head_prefix() -> str:
    return "PROMPT#"


def prompt_version(tenant_id: str, name: str, version: int) -> Key:
    return Key(f"{_tenant(tenant_id)}#PROMPT#{name}", f"VERSION#{version:06d}")


def request_model_partition(tenant_id: str, category_key: str, shard: int) -> str:
    """One shard of request-level routing's statistics on a category (all its models), apart from the tenant's other
    counters so a route reads only these."""
    return f"{_tenant(tenant_id)}#REQROUTE#{category_key}#{shard}"


def request_model_chunk(tenant_id: str, category_key: str, shard: int, model_id: str, chunk: int) -> Key:
    """One chunk of a model's request-level statistics on a category, in one shard (`routing.store.SLOTS` numbers)."""
    return Key(request_model_partition(tenant_id, category_key, shard), f"{model_id}#{chunk:03d}")


# --- generation budget ---------------------------------------------------------------------------


def budget_month(tenant_id: str, month: str) -> Key:
    """A tenant's committed spend (spent plus reserved) for one month (YYYY-MM)."""
    return Key(f"{_tenant(tenant_id)}#BUDGET", f"MONTH#{month}")


def budget_hold(tenant_id: str, month: str, until: int, hold_id: str) -> Key:
    """One call's reservation of a month's budget, sorted by the moment (epoch seconds) it may be reclaimed."""
    return Key(f"{_tenant(tenant_id)}#BUDGET", f"HOLD#{month}#{until:012d}#{hold_id}")


def budget_holds_until(month: str, until: int) -> tuple[str, str]:
    """The sort-key range of a month's holds that may be reclaimed at `until` (epoch seconds)."""
    return f"HOLD#{month}#", f"HOLD#{month}#{until:012d}~"


# --- training ------------------------------------------------------------------------------------
# A training example sits in its session's partition (one per session, moved in the session's own
# feedback and correction transactions); datasets and fine-tuning jobs have a partition each, listed
# through gsi1; jobs still pending or running are also in a sparse gsi3 partition the poller reads.


def training_example(tenant_id: str, session_id: str) -> Key:
    return Key(session_partition(tenant_id, session_id), "EXAMPLE")


def training_examples_by_month(tenant_id: str, month: str) -> str:
    """GSI1 partition: a tenant's training examples by their session's month, sorted by `<created_at>#<session id>`."""
    return f"{_tenant(tenant_id)}#EXAMPLES#{month}"


def training_examples_by_category(tenant_id: str, category_key: str, month: str) -> str:
    """GSI3 partition: the training examples of one task category and month."""
    return f"{_tenant(tenant_id)}#EXAMPLES#CATEGORY#{category_key}#{month}"


def training_dataset(tenant_id: str, dataset_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#DATASET#{dataset_id}", "DATASET")


def training_datasets(tenant_id: str) -> str:
    """GSI1 partition: a tenant's datasets, sorted by `<created_at>#<dataset id>`."""
    return f"{_tenant(tenant_id)}#DATASETS"


def training_job(tenant_id: str, job_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#FTJOB#{job_id}", "JOB")


def training_job_event(tenant_id: str, job_id: str, created_at: str, event_id: str) -> Key:
    """One event of a job, in the job's partition (sorted before `JOB`, oldest first)."""
    return Key(training_job(tenant_id, job_id).pk, f"EVENT#{created_at}#{event_id}")


def training_jobs(tenant_id: str) -> str:
    """GSI1 partition: a tenant's fine-tuning jobs, sorted by `<created_at>#<job id>`."""
    return f"{_tenant(tenant_id)}#FTJOBS"


def training_jobs_active(tenant_id: str) -> str:
    """GSI3 partition (sparse): the jobs still pending or running, which `poll-training-jobs` advances."""
    return f"{_tenant(tenant_id)}#FTJOBS#ACTIVE"


# --- ML model registry and governance ------------------------------------------------------------
# Names and versions of models and deployment environments are restricted to [A-Za-z0-9_.-]; free text
# (pipeline and experiment names, feature names, labels, table names) is percent-encoded by `key_part`,
# so it can never forge a `#`.


def key_part(text: str) -> str:
    """Free text made safe inside a key: percent-encoded, so `#` and every other separator are escaped."""
    return quote(text, safe="")


def ml_model_partition(tenant_id: str, model_name: str) -> str:
    """A model's versions and their feature importance, one partition per model name."""
    return f"{_tenant(tenant_id)}#MLMODEL#{model_name}"


def of_company(company_id: str | None) -> str:
    """What follows a registry name inside a company's namespace (names are unique per company; tenant-wide items, of
    no company, keep the bare name): `@<company>`, which no name or version contains."""
    return "" if company_id is None else f"@{key_part(company_id)}"


def ml_model(tenant_id: str, model_name: str, model_version: str, company_id: str | None = None) -> Key:
    """A version, tenant-wide (`VERSION#<v>`) or of a company (`VERSION#<v>@<company>`) in the same partition."""
    return Key(ml_model_partition(tenant_id, model_name), f"VERSION#{model_version}{of_company(company_id)}")


def ml_model_companies_prefix(model_version: str) -> str:
    """The sort-key prefix of a version's company items (a tenant-wide key finds the one a name means)."""
    return f"VERSION#{model_version}@"


def ml_models(tenant_id: str) -> str:
    """GSI1 partition: every model version of a tenant, sorted by `<created_at>#<model id>`."""
    return f"{_tenant(tenant_id)}#MLMODELS"


def ml_models_by_status(tenant_id: str, status: str) -> str:
    """GSI3 partition: a tenant's model versions in one status (moved when the status changes)."""
    return f"{_tenant(tenant_id)}#MLMODELS#{status}"


def ml_importance(tenant_id: str, model_name: str, model_version: str, method: str, company_id: str | None = None) -> Key:
    return Key(ml_model_partition(tenant_id, model_name), f"{ml_importance_prefix(model_version, company_id)}{method}")


def ml_importance_prefix(model_version: str, company_id: str | None = None) -> str:
    return f"IMPORTANCE#{model_version}{of_company(company_id)}#"


def ml_version_partition(tenant_id: str, model_id: str) -> str:
    """One model version's monitoring data: drift baselines, latest drift reports and their history."""
    return f"{_tenant(tenant_id)}#MLVERSION#{model_id}"


def ml_baseline(tenant_id: str, model_id: str, drift_type: str, feature: str) -> Key:
    return Key(ml_version_partition(tenant_id, model_id), f"BASELINE#{drift_type}#{key_part(feature)}")


def ml_baseline_prefix() -> str:
    return "BASELINE#"


def ml_drift_latest(tenant_id: str, model_id: str, drift_type: str, feature: str, metric: str) -> Key:
    return Key(ml_version_partition(tenant_id, model_id), f"DRIFTLATEST#{drift_type}#{key_part(feature)}#{metric}")


def ml_drift_latest_prefix() -> str:
    return "DRIFTLATEST#"


def ml_drift_report(tenant_id: str, model_id: str, checked_at: str, drift_type: str, feature: str, metric: str) -> Key:
    return Key(
        ml_version_partition(tenant_id, model_id),
        f"DRIFT#{checked_at}#{drift_type}#{key_part(feature)}#{metric}",
    )


def ml_run(tenant_id: str, run_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#MLRUN#{run_id}", "RUN")


def ml_run_point(tenant_id: str, run_id: str, step: int) -> Key:
    """One metric point of a training run (a loss curve is the run partition's POINT# items in order)."""
    return Key(ml_run(tenant_id, run_id).pk, f"POINT#{step:08d}")


def ml_run_point_prefix() -> str:
    return "POINT#"


def ml_runs_of_version(tenant_id: str, model_id: str) -> str:
    """GSI1 partition: a model version's training runs, sorted by `<started_at>#<run id>`."""
    return f"{_tenant(tenant_id)}#MLVERSION#{model_id}#RUNS"


def ml_prediction(tenant_id: str, prediction_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#MLPRED#{prediction_id}", "PREDICTION")


def ml_predictions_by_day(tenant_id: str, model_id: str, day: str) -> str:
    """GSI1 partition: a model version's predictions of one day (UTC), sorted by `<created_at>#<id>`."""
    return f"{_tenant(tenant_id)}#MLVERSION#{model_id}#PREDICTIONS#{day}"


def ml_experiments(tenant_id: str) -> str:
    """The tenant's registry experiments (seed: AIExperiment), one partition."""
    return f"{_tenant(tenant_id)}#MLEXPERIMENTS"


def ml_experiment(tenant_id: str, experiment_name: str, company_id: str | None = None) -> Key:
    return Key(ml_experiments(tenant_id), f"EXPERIMENT#{key_part(experiment_name)}{of_company(company_id)}")


def ml_experiment_prefix() -> str:
    return "EXPERIMENT#"


def ml_pipelines(tenant_id: str) -> str:
    """The tenant's pipeline definitions, one partition."""
    return f"{_tenant(tenant_id)}#MLPIPELINES"


def ml_pipeline(tenant_id: str, pipeline_name: str, company_id: str | None = None) -> Key:
    return Key(ml_pipelines(tenant_id), f"PIPELINE#{key_part(pipeline_name)}{of_company(company_id)}")


def ml_pipeline_prefix() -> str:
    return "PIPELINE#"


def ml_pipeline_run(tenant_id: str, pipeline_name: str, started_at: str, run_id: str, company_id: str | None = None) -> Key:
    return Key(ml_pipeline_run_partition(tenant_id, pipeline_name, company_id), f"RUN#{started_at}#{run_id}")


def ml_pipeline_run_partition(tenant_id: str, pipeline_name: str, company_id: str | None = None) -> str:
    return f"{_tenant(tenant_id)}#MLPIPELINE#{key_part(pipeline_name)}{of_company(company_id)}"


def data_quality(tenant_id: str, table: str, column: str, metric: str, company_id: str | None = None) -> Key:
    """The latest data-quality figure of one (table, column, metric), tenant-wide or of a company's pipelines."""
    return Key(f"{_tenant(tenant_id)}#DATAQUALITY", f"{key_part(table)}#{key_part(column)}#{metric}{of_company(company_id)}")


def data_quality_partition(tenant_id: str) -> str:
    return f"{_tenant(tenant_id)}#DATAQUALITY"


def data_quality_table_prefix(table: str) -> str:
    return f"{key_part(table)}#"


def ml_deployment(tenant_id: str, deployment_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#MLDEPLOYMENT#{deployment_id}", "DEPLOYMENT")


def ml_deployment_slot(tenant_id: str, model_name: str, environment: str, company_id: str | None = None) -> Key:
    """What is active for one model (tenant-wide or a company's) in one environment, and the deployments it replaced."""
    return Key(f"{_tenant(tenant_id)}#MLDEPLOYSLOT#{model_name}#{environment}{of_company(company_id)}", "SLOT")


def ml_deployments(tenant_id: str) -> str:
    """GSI1 partition: every deployment of a tenant, sorted by `<created_at>#<id>`."""
    return f"{_tenant(tenant_id)}#MLDEPLOYMENTS"


def ml_deployments_of(tenant_id: str, model_name: str, environment: str) -> str:
    """GSI3 partition: the deployments of one model in one environment."""
    return f"{_tenant(tenant_id)}#MLDEPLOYMENTS#{model_name}#{environment}"


def governance_partition(tenant_id: str) -> str:
    """Policies and their name claims."""
    return f"{_tenant(tenant_id)}#GOVERNANCE"


def policy(tenant_id: str, policy_id: str) -> Key:
    return Key(governance_partition(tenant_id), f"POLICY#{policy_id}")


def policy_prefix() -> str:
    return "POLICY#"


def policy_name_claim(tenant_id: str, policy_name: str) -> Key:
    return Key(governance_partition(tenant_id), f"POLICYNAME#{_digest(policy_name)}")


def violation(tenant_id: str, violation_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#VIOLATION#{violation_id}", "VIOLATION")


def violations(tenant_id: str) -> str:
    """GSI1 partition: a tenant's violations, sorted by `<opened_at>#<id>`."""
    return f"{_tenant(tenant_id)}#VIOLATIONS"


def violations_by_status(tenant_id: str, status: str) -> str:
    """GSI3 partition: a tenant's violations in one status (moved when the status changes)."""
    return f"{_tenant(tenant_id)}#VIOLATIONS#{status}"


# --- experiments ---------------------------------------------------------------------------------
# An experiment's partition holds the experiment (with its variants), its weight history and its
# running always-valid p-values; each user's assignment has a partition of its own, so a popular
# experiment has no hot partition. Variant ids are restricted to [A-Za-z0-9_.-].


def experiment_partition(tenant_id: str, experiment_id: str) -> str:
    return f"{_tenant(tenant_id)}#EXPERIMENT#{experiment_id}"


def experiment(tenant_id: str, experiment_id: str) -> Key:
    return Key(experiment_partition(tenant_id, experiment_id), "EXPERIMENT")


def experiments(tenant_id: str) -> str:
    """GSI1 partition: a tenant's experiments, sorted by `<created_at>#<experiment id>`."""
    return f"{_tenant(tenant_id)}#EXPERIMENTS"


def experiment_period(tenant_id: str, experiment_id: str, period: int) -> Key:
    """One period of fixed weights (and the change that started it)."""
    return Key(experiment_partition(tenant_id, experiment_id), f"PERIOD#{period:06d}")


def experiment_period_prefix() -> str:
    return "PERIOD#"


def experiment_sequential(tenant_id: str, experiment_id: str, variant_id: str) -> Key:
    """The running minimum of the always-valid p-value of one comparison (variant against control)."""
    return Key(experiment_partition(tenant_id, experiment_id), f"SEQUENTIAL#{variant_id}")


def assignment(tenant_id: str, experiment_id: str, user_id: str) -> Key:
    """A user's sticky assignment; user ids are hashed into the key (they are free text)."""
    return Key(f"{experiment_partition(tenant_id, experiment_id)}#USER#{_digest(user_id)}", "ASSIGNMENT")


def experiment_counter_name() -> str:
    """Counter name of every per-variant counter (`chalicelib.core.counters`); buckets start with the experiment id."""
    return "EXPERIMENT"


def variant_counter_bucket(experiment_id: str, variant_id: str) -> str:
    return f"{experiment_id}#VARIANT#{variant_id}"


def period_counter_bucket(experiment_id: str, period: int, variant_id: str) -> str:
    return f"{experiment_id}#PERIOD#{period:06d}#{variant_id}"


def context_counter_bucket(experiment_id: str, variant_id: str, chunk: int) -> str:
    """A contextual experiment's statistics of one variant, `contextual.SLOTS` per chunk (ContextCounter)."""
    return f"{experiment_id}#CONTEXT#{variant_id}#{chunk:03d}"


def context_counter_prefix(experiment_id: str) -> str:
    return f"{experiment_id}#CONTEXT#"


def segment_counter_bucket(experiment_id: str, variant_id: str, segment: str) -> str:
    """A variant's counts in one context segment `<field>=<value or bucket>` (field names and values have no `#`)."""
    return f"{experiment_id}#SEGMENT#{variant_id}#{segment}"


# --- context windows, optimisation patterns, the domain catalog, customers, erasure ---------------


def context_window(tenant_id: str, user_id: str, store_id: str) -> Key:
    """A user's context for one store (store data, issues, the sequence numbers of its entries)."""
    return Key(user_partition(tenant_id, user_id), f"CONTEXT#{store_id}")


def context_entry(tenant_id: str, user_id: str, store_id: str, kind: str, slot: int) -> Key:
    """One slot of a store's ring of recent conversations (CONV, 10 slots) or optimisation actions (OPT, 50)."""
    return Key(user_partition(tenant_id, user_id), f"CONTEXT#{store_id}#{kind}#{slot:02d}")


def context_prefix(store_id: str | None = None) -> str:
    return f"CONTEXT#{store_id}#" if store_id is not None else "CONTEXT#"


def pattern(tenant_id: str, pattern_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#PATTERN#{pattern_id}", "PATTERN")


def patterns_for(tenant_id: str, store_type: str, category: str) -> str:
    """GSI1 partition: the patterns of one store type and category."""
    return f"{_tenant(tenant_id)}#PATTERNS#{store_type}#{category}"


def patterns_of(tenant_id: str) -> str:
    """GSI3 partition: every pattern of a tenant, sorted by `<created_at>#<pattern id>` (the console's list)."""
    return f"{_tenant(tenant_id)}#PATTERNS"


def context_windows_of(tenant_id: str) -> str:
    """GSI3 partition: a tenant's context windows, sorted by `<updated_at>#<user id>#<store id>` (the console's list)."""
    return f"{_tenant(tenant_id)}#CONTEXTS"


def domain_item(tenant_id: str, kind: str, item_id: str) -> Key:
    """An item of the tenant's own catalog (a flower, a style, an occasion, ...): one partition per kind."""
    return Key(f"{_tenant(tenant_id)}#DOMAIN#{kind}", f"ITEM#{item_id}")


def domain_kind(tenant_id: str, kind: str) -> str:
    return f"{_tenant(tenant_id)}#DOMAIN#{kind}"


def customer(tenant_id: str, customer_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#CUSTOMER#{customer_id}", "CUSTOMER")


def designs(tenant_id: str) -> str:
    """Seed 000's designs of a tenant, one partition: `DESIGN#<id>` (time-ordered ids) and their ratings."""
    return f"{_tenant(tenant_id)}#DESIGNS"


def design(tenant_id: str, design_id: str) -> Key:
    return Key(designs(tenant_id), f"{design_prefix()}{design_id}")


def design_prefix() -> str:
    return "DESIGN#"


def design_rating(tenant_id: str, design_id: str, user_id: str) -> Key:
    """One user's 0.0-5.0 rating of a design (a second one replaces it); the user as a digest."""
    return Key(designs(tenant_id), f"RATING#{design_id}#{_digest(user_id)}")


DESIGN_OF_USER = "DESIGN#"
DESIGN_RATING_OF_USER = "DESIGNRATING#"


def design_of_user(design_id: str) -> str:
    """GSI2 sort key of a design under its user (`user_items`): the user's erasure finds it."""
    return f"{DESIGN_OF_USER}{design_id}"


def design_rating_of_user(design_id: str) -> str:
    """GSI2 sort key of a user's rating of a design under the user (`user_items`): the user's erasure finds it."""
    return f"{DESIGN_RATING_OF_USER}{design_id}"


def erasure(tenant_id: str, user_hash: str) -> Key:
    """The running totals of a user's data erasure, so that a retried erasure answers the same counts.

    Named by the user's keyed hash (core/pseudonyms.py), never the id: the record outlives everything else of the user.
    """
    return Key(f"{_tenant(tenant_id)}#ERASURE#{user_hash}", "ERASURE")


def legacy_erasure(tenant_id: str, user_id: str) -> Key:
    """Where erasure records were kept before they were named by a keyed hash (removed by the next erasure)."""
    return Key(f"{_tenant(tenant_id)}#ERASURE#{user_id}", "ERASURE")


def audit_entries(tenant_id: str) -> str:
    """The partition of a tenant's audit trail of data access, sorted by `<created_at>#<entry id>`."""
    return f"{_tenant(tenant_id)}#AUDIT"


def audit_entry(tenant_id: str, created_at: str, entry_id: str) -> Key:
    return Key(audit_entries(tenant_id), time_sort(created_at, entry_id))


def audit_of_user() -> str:
    """GSI2 sort prefix of the audit entries that name an end user's record (found and pseudonymised by erasure)."""
    return "AUDIT#"


# --- alerts: targets, events; webhooks: endpoints, deliveries ----------------------------------


def alerts_partition(tenant_id: str) -> str:
    """A tenant's targets and webhook endpoints (few items, read together)."""
    return f"{_tenant(tenant_id)}#ALERTS"


def target(tenant_id: str, target_id: str) -> Key:
    return Key(alerts_partition(tenant_id), f"TARGET#{target_id}")


def target_prefix() -> str:
    return "TARGET#"


def target_history(tenant_id: str, target_id: str, hour: str) -> Key:
    """One evaluation of a target, per UTC hour (`yyyy-mm-ddThh`): a run again in the same hour replaces it."""
    return Key(target_history_partition(tenant_id, target_id), f"STATE#{hour}")


def target_history_partition(tenant_id: str, target_id: str) -> str:
    return f"{_tenant(tenant_id)}#TARGET#{target_id}"


def alert_event(tenant_id: str, event_id: str) -> Key:
    """An event (its id derived from what happened, so a detector run again writes the same item)."""
    return Key(f"{_tenant(tenant_id)}#EVENT#{event_id}", "EVENT")


def alert_events(tenant_id: str) -> str:
    """GSI1 partition: a tenant's events, sorted by `<created_at>#<id>`."""
    return f"{_tenant(tenant_id)}#EVENTS"


def alert_events_of_type(tenant_id: str, event_type: str) -> str:
    """GSI3 partition: a tenant's events of one type, sorted by `<created_at>#<id>`."""
    return f"{_tenant(tenant_id)}#EVENTS#{event_type}"


def webhook_endpoint(tenant_id: str, endpoint_id: str) -> Key:
    return Key(alerts_partition(tenant_id), f"ENDPOINT#{endpoint_id}")


def webhook_endpoint_prefix() -> str:
    return "ENDPOINT#"


def webhook_delivery(tenant_id: str, delivery_id: str) -> Key:
    return Key(f"{_tenant(tenant_id)}#DELIVERY#{delivery_id}", "DELIVERY")


def webhook_deliveries(tenant_id: str, endpoint_id: str) -> str:
    """GSI1 partition: the delivery log of one endpoint, sorted by `<created_at>#<id>`."""
    return f"{_tenant(tenant_id)}#DELIVERIES#{endpoint_id}"


def webhook_due(tenant_id: str) -> str:
    """GSI3 partition: the deliveries still to attempt, sorted by `<next attempt at>#<id>` (the delivery queue)."""
    return f"{_tenant(tenant_id)}#WEBHOOKDUE"


def tenant_of(partition_key: str) -> str:
    """The tenant id of a tenant item's partition key (`TENANT#<id>...`): for code that holds an item, not its tenant."""
    if not partition_key.startswith("TENANT#"):
        raise ValueError(f"{partition_key} is not a tenant's partition key")
    return partition_key.split("#", 2)[1]


# --- the registry's learning half (chalicelib/learning/) and AI configuration (chalicelib/ai_config/) ---------------


def ml_feedback(tenant_id: str, prediction_id: str, feedback_id: str) -> Key:
    """A feedback on a prediction, in the prediction's partition (a prediction's feedback is one Query)."""
    return Key(ml_prediction(tenant_id, prediction_id).pk, f"FEEDBACK#{feedback_id}")


def ml_feedback_prefix() -> str:
    return "FEEDBACK#"


def ml_feedback_of_version(tenant_id: str, model_id: str) -> str:
    """GSI1 partition: a model version's feedback, sorted by `<created_at>#<id>`."""
    return f"{_tenant(tenant_id)}#MLVERSION#{model_id}#FEEDBACK"


ML_FEEDBACK_OF_USER = "MLFEEDBACK#"


def ml_feedback_of_user(created_at: str, feedback_id: str) -> str:
    """GSI2 sort key of a feedback on a prediction under the end user who gave it (`user_items`): erasure finds it."""
    return f"{ML_FEEDBACK_OF_USER}{created_at}#{feedback_id}"


def ml_feedback_by_status(tenant_id: str, status: str) -> str:
    """GSI3 partition: a tenant's feedback in one status (pending is the processing queue; moved when processed)."""
    return f"{_tenant(tenant_id)}#MLFEEDBACK#{status}"


def ml_action(tenant_id: str, action_id: str) -> Key:
    """An action a policy or a decision took (retrain, rollback, notify, promote, reject)."""
    return Key(f"{_tenant(tenant_id)}#MLACTION#{action_id}", "ACTION")


def ml_actions(tenant_id: str) -> str:
    """GSI1 partition: a tenant's actions, sorted by `<created_at>#<id>`."""
    return f"{_tenant(tenant_id)}#MLACTIONS"


def ml_challenger(tenant_id: str, deployment_id: str) -> Key:
    """A deployment's champion and challenger, in the deployment's partition."""
    return Key(ml_deployment(tenant_id, deployment_id).pk, "CHALLENGER")


def ml_deployment_health(tenant_id: str, deployment_id: str) -> Key:
    """A deployment's latest health check, in the deployment's partition."""
    return Key(ml_deployment(tenant_id, deployment_id).pk, "HEALTH")


def ai_config_partition(tenant_id: str, config_type: str) -> str:
    """One configuration type's head and versions."""
    return f"{_tenant(tenant_id)}#AICONFIG#{config_type}"


def ai_config_head(tenant_id: str, config_type: str) -> Key:
    return Key(ai_config_partition(tenant_id, config_type), "HEAD")


def ai_config_version(tenant_id: str, config_type: str, number: int) -> Key:
    return Key(ai_config_partition(tenant_id, config_type), f"VERSION#{number:08d}")


def ai_config_version_prefix() -> str:
    return "VERSION#"
