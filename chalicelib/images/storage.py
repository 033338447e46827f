"""Every generated image copied into S3 at once, under the tenant's prefix; sessions keep the reference, never the bytes.

A provider's answer (bytes, or its own URL, fetched at once with a size cap) is decoded to check that it is an image,
measured (width, height, bytes, sha256), stored as `tenants/<tenant>/images/<image id>.png` with a thumbnail beside it
(`<image id>.thumb.png`, at most 256 px a side). The reference kept on the session is JSON:

    {"id", "location": "s3://...", "thumbnail_location", "width", "height", "content_type", "bytes", "sha256", "model_id"}

Reads answer presigned links valid `LEARNLOOP_IMAGE_LINK_SECONDS` (an hour by default). Pillow is imported on the first image.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from ..core import blobs
from ..core.ids import new_id
from ..core.settings import get_settings
from ..providers.base import ProviderError
from ..providers.images import ProducedImage

THUMBNAIL_SIDE = 256
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def fetch(url: str, timeout: float) -> bytes:
    """The bytes behind a provider's image URL, refusing more than `image_max_bytes` (a failed call if it fails)."""
    import urllib.error
    import urllib.request

    limit = get_settings().image_max_bytes
    if not url.startswith(("https://", "http://")):
        raise ProviderError("server_error", "the provider answered an image link that is not http(s)")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise ProviderError("server_error", f"the provider's image link answered {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ProviderError("unavailable", "the provider's image link could not be read") from exc
    if len(data) > limit:
        raise ProviderError("bad_request", f"the provider's image is over {limit} bytes")
    return data


def keep(tenant_id: str, produced: ProducedImage, model_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Copy one image into S3 (with its thumbnail) and answer its reference."""
    from PIL import Image, UnidentifiedImageError

    data = produced.data if produced.data is not None else fetch(produced.url or "", timeout)
    if len(data) > get_settings().image_max_bytes:
        raise ProviderError("bad_request", f"the provider's image is over {get_settings().image_max_bytes} bytes")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ProviderError("server_error", "the provider answered something that is not an image") from exc
    content_type = CONTENT_TYPES.get(image.format or "", "application/octet-stream")
    extension = content_type.rsplit("/", 1)[-1]
    image_id = new_id("img")
    key = blobs.tenant_key(tenant_id, "images", f"{image_id}.{extension}")
    thumb_key = blobs.tenant_key(tenant_id, "images", f"{image_id}.thumb.png")
    thumbnail = image.convert("RGB")
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    buffer = io.BytesIO()
    thumbnail.save(buffer, format="PNG")
    location = blobs.put(key, data, content_type)
    thumbnail_location = blobs.put(thumb_key, buffer.getvalue(), "image/png")
    return {
        "id": image_id,
        "location": location,
        "thumbnail_location": thumbnail_location,
        "width": image.width,
        "height": image.height,
        "content_type": content_type,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "model_id": model_id,
    }


def _key_of(location: str) -> str:
    return location.split("/", 3)[3]  # s3://<bucket>/<key>


def view(ref: dict[str, Any]) -> dict[str, Any]:
    """An image as answers show it: its measures and presigned links to the stored copy and its thumbnail."""
    seconds = get_settings().image_link_seconds
    return {
        "id": ref["id"],
        "url": blobs.link(_key_of(ref["location"]), seconds),
        "thumbnail_url": blobs.link(_key_of(ref["thumbnail_location"]), seconds),
        "width": ref["width"],
        "height": ref["height"],
        "content_type": ref["content_type"],
        "bytes": ref["bytes"],
        "sha256": ref["sha256"],
        "expires_in_seconds": seconds,
    }


def thumbnail_bytes(ref: dict[str, Any]) -> bytes:
    """The stored thumbnail of an image (PNG), for pages that cannot load presigned links (the dashboard's CSP)."""
    return blobs.get(_key_of(ref["thumbnail_location"]))


def refs_of(output: Any) -> list[dict[str, Any]] | None:
    """The image references a session's output holds, or None when it holds none (a text output)."""
    if isinstance(output, dict) and isinstance(output.get("images"), list):
        return [r for r in output["images"] if isinstance(r, dict) and "location" in r]
    return None


def views_of(output: Any) -> list[dict[str, Any]] | None:
    refs = refs_of(output)
    return None if refs is None else [view(r) for r in refs]


def delete(refs: list[dict[str, Any]]) -> None:
    for ref in refs:
        blobs.delete(_key_of(ref["location"]))
        blobs.delete(_key_of(ref["thumbnail_location"]))
