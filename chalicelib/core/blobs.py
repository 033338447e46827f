"""Large payloads (datasets, exports) in S3, never in items: items keep the location.

Every object of a tenant lives under `tenants/<tenant id>/`, so a tenant's objects can be listed,
deleted and (with IAM conditions on the prefix) confined like its items. boto3 is imported on first
use. Locally the bucket is moto's, on the same embedded server as the table.

A failed S3 call raises `BlobUnavailable` (503), which says what could not be done in our words: S3's own
message names the bucket and the key, and records and answers never carry infrastructure names.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlencode

from .errors import BlobUnavailable
from .logging import get_logger
from .settings import get_settings

T = TypeVar("T")

_clients: dict[tuple[str | None, str], Any] = {}
_lock = threading.Lock()


def client() -> Any:
    settings = get_settings()
    key = (settings.s3_endpoint, settings.region)
    with _lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            _clients[key] = boto3.client(
                "s3",
                region_name=settings.region,
                endpoint_url=settings.s3_endpoint,
                config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
            )
        return _clients[key]


def tenant_key(tenant_id: str, *parts: str) -> str:
    return "/".join(["tenants", tenant_id, *parts])


@contextmanager
def _failing_as(what: str) -> Iterator[None]:
    """S3's errors (and botocore's) as BlobUnavailable; the original goes to the log only."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        get_logger().warning("blob storage call failed", extra={"operation": what, "error": repr(exc)})
        raise BlobUnavailable(f"a stored file could not be {what}; retry shortly") from exc


def _call(what: str, call: Callable[[], T]) -> T:
    with _failing_as(what):
        return call()


def put(key: str, data: bytes, content_type: str = "application/octet-stream", *, tags: dict[str, str] | None = None) -> str:
    """Store `data` at `key` (with `tags`, which lifecycle rules match); answers the object's s3:// location."""
    bucket = get_settings().blob_bucket
    extra = {"Tagging": urlencode(tags)} if tags else {}
    _call("written", lambda: client().put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type, **extra))
    return f"s3://{bucket}/{key}"


def put_file(key: str, stream: Any, content_type: str = "application/octet-stream", *, tags: dict[str, str] | None = None) -> str:
    """Store a file-like object at `key` (multipart when large); answers the object's s3:// location."""
    bucket = get_settings().blob_bucket
    extra = {"ContentType": content_type, **({"Tagging": urlencode(tags)} if tags else {})}
    _call("written", lambda: client().upload_fileobj(stream, bucket, key, ExtraArgs=extra))
    return f"s3://{bucket}/{key}"


def get(key: str) -> bytes:
    return _call("read", lambda: client().get_object(Bucket=get_settings().blob_bucket, Key=key)["Body"].read())


def delete(key: str) -> None:
    _call("deleted", lambda: client().delete_object(Bucket=get_settings().blob_bucket, Key=key))


def keys_under(prefix: str) -> list[str]:
    """The keys of every object whose key starts with `prefix`."""
    found: list[str] = []
    with _failing_as("listed"):
        pages = client().get_paginator("list_objects_v2").paginate(Bucket=get_settings().blob_bucket, Prefix=prefix)
        for page in pages:
            found += [obj["Key"] for obj in page.get("Contents", [])]
    return found


def link(key: str, expires_seconds: int = 3600, filename: str | None = None) -> str:
    """A presigned GET link to the object, valid `expires_seconds`."""
    params: dict[str, Any] = {"Bucket": get_settings().blob_bucket, "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return client().generate_presigned_url("get_object", Params=params, ExpiresIn=expires_seconds)


def ensure_bucket() -> None:
    """Create the bucket if missing (the local stack and the tests; on AWS `infra/` declares it)."""
    s3, bucket = client(), get_settings().blob_bucket
    try:
        s3.head_bucket(Bucket=bucket)
    except s3.exceptions.ClientError:
        s3.create_bucket(Bucket=bucket)


def forget_clients() -> None:
    with _lock:
        _clients.clear()
