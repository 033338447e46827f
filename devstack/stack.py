"""Start and stop the whole local stack; `make run` and the end-to-end tests both use this."""

from __future__ import annotations

import gc
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import direct
from .aws import EmbeddedAws
from .scheduler import LocalScheduler
from .server import ApiServer

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass
class StackConfig:
    data_dir: Path = field(default_factory=lambda: PROJECT_DIR / ".data")
    host: str = "127.0.0.1"
    port: int = 8000
    root_key: str | None = None
    region: str = "us-east-1"
    table_name: str = "learnloop-local"
    scheduler_tick_seconds: float = 15.0
    autosave_seconds: float = 5.0

    @classmethod
    def from_environment(cls) -> StackConfig:
        env = os.environ
        return cls(
            data_dir=Path(env.get("LEARNLOOP_DATA_DIR", str(PROJECT_DIR / ".data"))),
            port=int(env.get("PORT", "8000")),
            root_key=env.get("LEARNLOOP_ROOT_KEY") or None,
            scheduler_tick_seconds=float(env.get("LEARNLOOP_SCHEDULER_TICK", "15")),
        )


def resolve_root_key(config: StackConfig) -> tuple[str, str]:
    """The root key and where it came from: the environment, `.data/root_key`, or newly generated (and kept)."""
    if config.root_key:
        return config.root_key, "LEARNLOOP_ROOT_KEY"
    path = config.data_dir / "root_key"
    if path.exists():
        return path.read_text().strip(), str(path)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    key = "llroot_" + secrets.token_urlsafe(24)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key, f"{path} (new)"


def resolve_erasure_secret(config: StackConfig) -> str:
    """The secret of the keyed hash naming erased users: the environment's, or `.data/erasure_secret` (generated once
    and kept, so that a retried erasure finds its record across restarts)."""
    if os.environ.get("LEARNLOOP_ERASURE_SECRET"):
        return os.environ["LEARNLOOP_ERASURE_SECRET"]
    path = config.data_dir / "erasure_secret"
    if path.exists():
        return path.read_text().strip()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.root_key, self.root_key_source = resolve_root_key(config)
        self.aws = EmbeddedAws(config.data_dir, config.region)
        self.api: ApiServer | None = None
        self.scheduler = LocalScheduler(config.scheduler_tick_seconds)
        self.restored_items = 0

    @property
    def url(self) -> str:
        assert self.api is not None
        return self.api.url

    def start(self) -> Stack:
        from chalicelib.core import blobs
        from chalicelib.core.table import create_table, reset_binding

        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ["AWS_DEFAULT_REGION"] = self.config.region
        self.aws.start()
        direct.install(self.aws.endpoint)  # the API's DynamoDB calls in process (devstack/direct.py)
        os.environ.update(
            {
                "LEARNLOOP_DYNAMODB_ENDPOINT": self.aws.endpoint,
                "LEARNLOOP_S3_ENDPOINT": self.aws.endpoint,
                "LEARNLOOP_TABLE_NAME": self.config.table_name,
                "LEARNLOOP_REGION": self.config.region,
                "LEARNLOOP_ROOT_KEY": self.root_key,
                "LEARNLOOP_ERASURE_SECRET": resolve_erasure_secret(self.config),
                "LEARNLOOP_STAGE": "local",
            }
        )
        reset_binding()
        create_table()
        blobs.forget_clients()
        blobs.ensure_bucket()
        self.restored_items = self.aws.restore() + self.aws.restore_objects(blobs.client())
        # The restored items live as long as the stack: out of the collector's reach, so that its full collections
        # (which walk every object, seconds with 300,000 items, every thread stopped) do not walk them again.
        gc.collect()
        gc.freeze()
        self.aws.autosave(self.config.autosave_seconds)
        # Tools (and the end-to-end tests) find the embedded AWS endpoint here.
        (self.config.data_dir / "endpoint").write_text(self.aws.endpoint + "\n")
        self.api = ApiServer(PROJECT_DIR, self.config.host, self.config.port)
        self.api.start()
        self.scheduler.start()
        return self

    def stop(self, grace_seconds: float = 4.0) -> int:
        """Stop within about `grace_seconds` plus the final save: no new requests or scheduled runs, the requests in
        flight given the grace period, the answers of those still running never sent, then the data saved.
        Returns the number of requests cut off."""
        ends = time.monotonic() + grace_seconds  # one grace for both: the API serves while the scheduler finishes
        self.scheduler.stop(wait_seconds=grace_seconds)
        cut = self.api.stop(max(0.0, ends - time.monotonic())) if self.api is not None else 0
        self.aws.stop()
        return cut
