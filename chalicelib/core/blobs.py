"""Large payloads (datasets, exports) in S3, never in items: items keep the location.

Every object of a tenant lives under `tenants/<tenant id>/`, so a tenant's objects can be listed,
deleted and (with IAM conditions on the prefix) confined like its items. boto3 is imported on first
use. Locally the bucket is moto's, on the same embedded server as the table.
"""

from __future__ import annotations

import threading
from typing import Any

from .settings import get_settings

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


def put(key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
    """Store `data` at `key`; answers the object's s3:// location."""
    bucket = get_settings().blob_bucket
    client().put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
    return f"s3://{bucket}/{key}"


def put_file(key: str, stream: Any, content_type: str = "application/octet-stream") -> str:
    """Store a file-like object at `key` (multipart when large); answers the object's s3:// location."""
    bucket = get_settings().blob_bucket
    client().upload_fileobj(stream, bucket, key, ExtraArgs={"ContentType": content_type})
    return f"s3://{bucket}/{key}"


def get(key: str) -> bytes:
    return client().get_object(Bucket=get_settings().blob_bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]


def delete(key: str) -> None:
    client().delete_object(Bucket=get_settings().blob_bucket, Key=key)


def link(key: str, expires_seconds: int = 3600, filename: str | None = None) -> str:
    """A presigned GET link to the object, valid `expires_seconds`."""
    params: dict[str, Any] = {"Bucket": get_settings().blob_bucket, "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return client().generate_presigned_url("get_object", Params=params, ExpiresIn=expires_seconds)  # type: ignore[no-any-return]


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
