"""Stability AI's REST API for Stable Diffusion 3 (`POST /v2beta/stable-image/generate/sd3`), over urllib.

The request is multipart form data (prompt, model, aspect ratio, negative prompt, output format) with the key as a
bearer token; the answer asked for is JSON (`{"image": <base64>, "finish_reason", "seed"}`). A filtered answer
(`finish_reason: CONTENT_FILTERED`) is a failed call; 429 and 5xx are retried inside the deadline. The provider is
configured as any other (`LEARNLOOP_PROVIDERS='{"stability": {"api_key": "sk-..."}}'`, `base_url` to reach another
host).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid

from ..core.settings import ProviderSettings
from .base import ProviderError
from .images import ImageRequest, ProducedImage, with_retries

BASE_URL = "https://api.stability.ai"
# The aspect ratios SD3 takes, by the size they render (width x height).
ASPECT_RATIOS = {
    "1024x1024": "1:1",
    "1344x768": "16:9",
    "768x1344": "9:16",
    "1216x832": "3:2",
    "832x1216": "2:3",
    "1152x896": "5:4",
    "896x1152": "4:5",
}


class StabilityImages:
    def __init__(self, name: str, settings: ProviderSettings) -> None:
        self.name = name
        self.settings = settings

    def generate(self, request: ImageRequest) -> list[ProducedImage]:
        if request.size not in ASPECT_RATIOS:
            raise ProviderError("bad_request", f"Stable Diffusion 3 makes no {request.size} images")
        # SD3 makes one image per call: n images are n calls, each retried on its own.
        return [
            with_retries(self.settings.max_retries + 1, self.settings.timeout_seconds, lambda t: self._once(request, t))
            for _ in range(request.n)
        ]

    def _once(self, request: ImageRequest, timeout: float) -> ProducedImage:
        import urllib.error
        import urllib.request

        fields = {
            "prompt": request.prompt,
            "model": request.api_model or "sd3-medium",
            "aspect_ratio": ASPECT_RATIOS[request.size],
            "output_format": "png",
        }
        if request.negative_prompt:
            fields["negative_prompt"] = request.negative_prompt
        body, content_type = multipart(fields)
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else ""
        url = (self.settings.base_url or BASE_URL).rstrip("/") + "/v2beta/stable-image/generate/sd3"
        call = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json", "Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(call, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise _error(exc.code) from exc
        except TimeoutError as exc:
            raise ProviderError("timeout", "the provider did not answer in time") from exc
        except (urllib.error.URLError, OSError) as exc:
            if isinstance(getattr(exc, "reason", None), TimeoutError):
                raise ProviderError("timeout", "the provider did not answer in time") from exc
            raise ProviderError("unavailable", "the provider could not be reached") from exc
        try:
            answer = json.loads(raw)
            data = base64.b64decode(answer["image"], validate=True)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise ProviderError("server_error", "the provider answered without an image") from exc
        if answer.get("finish_reason") == "CONTENT_FILTERED":
            raise ProviderError("bad_request", "the provider filtered the image out (CONTENT_FILTERED)")
        return ProducedImage(data=data)


def _error(status: int) -> ProviderError:
    if status == 429:
        return ProviderError("rate_limited", "the provider is rate limiting (429)")
    if status in (401, 403):
        return ProviderError("auth", f"the provider refused the credentials ({status})")
    if status >= 500:
        return ProviderError("server_error", f"the provider answered {status}")
    return ProviderError("bad_request", f"the provider answered {status}")


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """The fields as a multipart/form-data body, and its content type."""
    boundary = f"learnloop-{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
