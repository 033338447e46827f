"""Settings read from the environment, lazily, so tests and stages can change them."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

_PREFIXES = ("LEARNLOOP_", "AWS_", "OPENAI_")

# OpenAI-compatible endpoints of the known providers; a provider is usable once it has a key.
DEFAULT_BASE_URLS = {
    "openai": None,  # the SDK's default
    "anthropic": "https://api.anthropic.com/v1/",
    "google": "https://generativelanguage.googleapis.com/v1beta/openai/",
}


class ProviderSettings(BaseModel):
    """How to reach one OpenAI-compatible provider (OpenAI, Anthropic, Google, vLLM, Ollama, Azure...)."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)


class Settings(BaseSettings):
    """Every knob of the service; `LEARNLOOP_<NAME>` in the environment sets `<name>`."""

    model_config = SettingsConfigDict(env_prefix="LEARNLOOP_", extra="ignore")

    stage: str = "dev"
    table_name: str = "learnloop"
    # Endpoint of a DynamoDB-compatible server (the local stack); unset on AWS.
    dynamodb_endpoint: str | None = None
    region: str = Field(
        default_factory=lambda: os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    )
    # The platform operator's key, or only its SHA-256 (hex) so that the secret need not sit in the config.
    root_key: SecretStr | None = None
    root_key_sha256: str | None = None
    # Signs list cursors; derived from the root key when unset.
    cursor_secret: SecretStr | None = None
    # Keys the hash by which erasure records, export manifests and erased audit entries name an end user
    # (HMAC-SHA256, core/pseudonyms.py). On AWS the template sets it; locally the stack generates and keeps one;
    # derived from the root key when unset (the tests).
    erasure_secret: SecretStr | None = None
    # Write shards of hot counters (a tenant's day, a popular variant); readers sum them.
    counter_shards: int = Field(default=4, ge=1, le=64)
    # Who adds spilled counter ADDs (core/spill.py) to the counters: the request that spilled them (`inline`: the
    # local stack and the tests), or the table's stream consumer (`stream`: deployed, infra/template.yaml).
    counter_folding: Literal["inline", "stream"] = "inline"
    idempotency_ttl_hours: int = Field(default=48, ge=24)
    # Time budgets (chalicelib/core/deadline.py; the table in docs/operations.md). An HTTP request's work ends within
    # API Gateway's integration timeout; a scheduled task's within its Lambda's; the margin is kept back from both to
    # record the outcome and answer; no provider call starts with less than min_attempt_seconds left.
    request_budget_seconds: float = Field(default=29.0, gt=0, le=29.0)
    deadline_margin_seconds: float = Field(default=2.0, ge=0)
    min_attempt_seconds: float = Field(default=1.0, ge=0)
    # Every function's Lambda timeout (`lambda_timeout` of .chalice/config.json); locks and budget reservations outlive
    # it by task_lock_margin_seconds, so that what a killed Lambda held is taken back, never held forever.
    lambda_timeout_seconds: int = Field(default=60, ge=1, le=900)
    task_lock_margin_seconds: int = Field(default=30, ge=0)
    # How long a request may hold an Idempotency-Key before a retry may take it over (> Lambda timeout).
    idempotency_lock_seconds: int = Field(default=120, ge=5)
    # How long a duplicate waits for the first request of the same key to finish.
    idempotency_wait_seconds: float = Field(default=10.0, ge=0)
    max_body_bytes: int = 256 * 1024
    # Optimistic-concurrency retries before a request answers 503.
    write_attempts: int = Field(default=40, ge=1)
    # The S3 bucket of large payloads (datasets, exports), and an S3-compatible endpoint (the local stack).
    blob_bucket: str = "learnloop-data"
    s3_endpoint: str | None = None
    # Local stack only (never on AWS): honour `X-Learnloop-Clock: <ISO time>` to record a request at another moment,
    # so demos and end-to-end tests can record a week of history over HTTP.
    allow_clock_header: bool = False
    # An analytics export larger than this goes to S3 and is answered with a link (Lambda answers stop at 6 MB).
    export_inline_bytes: int = Field(default=1024 * 1024, ge=0, le=4 * 1024 * 1024)
    # Generated images (chalicelib/images): how long a presigned link to a stored image is valid, and the largest
    # image a provider may answer (checked while it is downloaded, before anything is stored).
    image_link_seconds: int = Field(default=3600, ge=1, le=7 * 24 * 3600)
    image_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # SQS queue that fans scheduled tasks out per tenant; unset runs them inline.
    task_queue_url: str | None = None
    # Webhooks (docs/alerts.md): outbound deliveries refuse private, link-local and loopback addresses (SSRF); loopback
    # is allowed when this is true, or unset on the local stack (stage local). Never set it on AWS.
    webhook_allow_loopback: bool | None = None
    # A failed delivery is tried again after base x 2^(attempt-1) seconds, for webhook_retry_hours from the event.
    webhook_retry_base_seconds: float = Field(default=60.0, gt=0)
    webhook_retry_hours: float = Field(default=24.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=30)
    log_level: str = "INFO"
    # LLM providers by name, as JSON: {"openai": {"api_key": "sk-..."}, "vllm": {"base_url": "http://...", "api_key": "x"}}.
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    # How long a Lambda may reuse a tenant's catalog (writes in the same Lambda refresh it at once).
    catalog_cache_seconds: float = Field(default=30.0, ge=0)
    # How long routing may reuse the learned statistics of a task's models (0: read them on every route).
    routing_stats_cache_seconds: float = Field(default=10.0, ge=0)
    # Multiplies the simulated latency of the offline `local` models (0 makes them instant, for tests).
    local_latency_scale: float = Field(default=1.0, ge=0)
    # Injected faults for the local stack and tests (chalicelib/core/faults.py, docs/operations.md), e.g.
    # "conflict=0.1,throttle=0.05,latency=5-200ms,provider_error=0.1,seed=7"; unset (never on AWS) injects nothing.
    chaos: str | None = None

    def provider(self, name: str) -> ProviderSettings | None:
        """The settings of a provider that can be called (it has a key or an explicit endpoint), else None."""
        configured = self.providers.get(name)
        if configured is None and name == "openai" and os.environ.get("OPENAI_API_KEY"):
            configured = ProviderSettings(api_key=SecretStr(os.environ["OPENAI_API_KEY"]))
        if configured is None or (configured.api_key is None and configured.base_url is None):
            return None
        if configured.base_url is None and name in DEFAULT_BASE_URLS:
            return configured.model_copy(update={"base_url": DEFAULT_BASE_URLS[name]})
        return configured

    def loopback_webhooks(self) -> bool:
        """Whether webhook deliveries may reach 127.0.0.1/::1 (the local stack and the tests only)."""
        return self.webhook_allow_loopback if self.webhook_allow_loopback is not None else self.stage == "local"

    def root_key_digest(self) -> str | None:
        if self.root_key_sha256:
            return self.root_key_sha256.lower()
        if self.root_key is not None:
            return hashlib.sha256(self.root_key.get_secret_value().encode()).hexdigest()
        return None

    def erasure_key(self) -> bytes:
        if self.erasure_secret is not None:
            return self.erasure_secret.get_secret_value().encode()
        seed = self.root_key.get_secret_value() if self.root_key is not None else (self.root_key_digest() or "learnloop-local")
        return hashlib.sha256(f"erasure:{seed}:{self.table_name}".encode()).digest()

    def cursor_key(self) -> bytes:
        if self.cursor_secret is not None:
            return self.cursor_secret.get_secret_value().encode()
        seed = self.root_key_digest() or "learnloop-local"
        return hashlib.sha256(f"cursor:{seed}:{self.table_name}".encode()).digest()


@lru_cache(maxsize=8)
def _settings_for(snapshot: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()


def get_settings() -> Settings:
    """The settings for the current environment (cached per distinct environment)."""
    snapshot = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_PREFIXES)))
    return _settings_for(snapshot)
