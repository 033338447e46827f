"""The image half of a generation: which output a request asks for, the models that can honour its image
parameters, what each would cost, and the call whose every image is stored before anything else happens.

The generation flow (chalicelib/generation/service.py) stays one: routing, the budget reserved before each call,
fallbacks, the provider calls kept under the Idempotency-Key, the session. For images it asks this module for the
chain of models (filtered by the parameters, before any call), the price to reserve and charge (per image, by size
and quality, from the catalog), and the call itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..catalog import service as catalog
from ..catalog.schemas import TaskPut
from ..core import deadline
from ..core.errors import ValidationFailed
from ..images import specs, storage
from ..images.specs import ImageParams, ImageSpec
from ..providers.base import Completion, ProviderError, count_tokens
from ..providers.images import ImageRequest
from ..providers.registry import image_provider_for
from ..routing import scoring

VIDEO = "video_generation"


class UnsupportedOutput(ValidationFailed):
    code = "unsupported_output"


class PaidButLost(ProviderError):
    """The provider made (and billed) the images, but they could not be fetched or read: the cost stays spent."""


def output_kind(tenant_id: str, requested: str | None, category_key: str, category: TaskPut) -> Literal["text", "image"]:
    """The output a generation makes: the one asked for, else the category's (images for a category that requires
    `image_generation`); 422 `unsupported_output` when no active, reachable model can make it."""
    wants_image = specs.IMAGE in category.required_capabilities
    wants_video = VIDEO in category.required_capabilities
    kind = requested or ("video" if wants_video else "image" if wants_image else "text")
    if kind == "text" and (wants_image or wants_video):
        made = "images" if wants_image else "videos"
        raise UnsupportedOutput.field(
            "body.output_type", f"the task category {category_key} makes {made}, not text", "unsupported_output"
        )
    text_only = [c for c in category.required_capabilities if c.startswith("text_")]
    if kind in ("image", "video") and text_only:
        raise UnsupportedOutput.field(
            "body.output_type", f"the task category {category_key} makes text (it requires {', '.join(text_only)})",
            "unsupported_output",
        )  # fmt: skip
    if kind == "video":  # no provider module makes videos yet: never a text recorded as one
        raise UnsupportedOutput.field("body.output_type", "no configured provider can make videos", "unsupported_output")
    if kind == "image":
        book = catalog.load(tenant_id)
        able = [
            m
            for m in (book.model(model_id) for model_id in book.models)
            if m.is_active and specs.IMAGE in m.capabilities and catalog.is_available(m.provider)
        ]
        if not able:
            raise UnsupportedOutput.field(
                "body.output_type", "no active model with a configured provider can make images", "unsupported_output"
            )
    return "image" if kind == "image" else "text"  # a video was refused above


@dataclass
class ImagePlan:
    prompt: str
    params: ImageParams

    def spec(self, candidate: scoring.Scored) -> ImageSpec:
        found = specs.spec_of(candidate.model)
        assert found is not None, "routing required image_generation"
        return found

    def chain(self, chain: list[scoring.Scored], fixed: str | None) -> list[scoring.Scored]:
        """The candidates that can honour every image parameter, in order; 422 naming the fields when none can (or
        when the model the caller fixed cannot). Checked before any provider is called."""
        able = [c for c in chain if not specs.problems(self.spec(c), self.params)]
        first = chain[0] if chain else None
        if fixed is not None and first is not None and first.model_id == fixed and first not in able:
            raise ValidationFailed(
                f"{fixed} cannot make these images",
                details=[{"field": f, "message": f"{fixed}: {m}", "type": "unsupported"} for f, m in specs.problems(
                    self.spec(first), self.params
                )],
            )  # fmt: skip
        if not able:
            details = [
                {"field": f, "message": f"{c.model_id}: {m}", "type": "unsupported"}
                for c in chain
                for f, m in specs.problems(self.spec(c), self.params)
            ]
            raise ValidationFailed("no model that can serve this request can make these images", details=details)
        return able

    def price(self, candidate: scoring.Scored) -> float:
        """USD for the request's images from this model (per image, by size and quality)."""
        spec = self.spec(candidate)
        resolved = self.params.resolved(spec)
        return round(spec.price(resolved.size or "", resolved.quality or "") * resolved.n, 10)

    def call(self, tenant_id: str, candidate: scoring.Scored) -> Completion:
        """Make the images with this model and store every one in S3 before answering their references."""
        spec = self.spec(candidate)
        resolved = self.params.resolved(spec)
        request = ImageRequest(
            model_id=candidate.model_id,
            prompt=self.prompt,
            size=resolved.size or specs.DEFAULT_SIZE,
            quality=resolved.quality or specs.DEFAULT_QUALITY,
            n=resolved.n,
            style=resolved.style,
            negative_prompt=resolved.negative_prompt,
            response_format=spec.response_format,
            api_model=spec.api_model,
        )
        produced = image_provider_for(request.provider).generate(request)
        left = deadline.left()
        try:
            refs = [storage.keep(tenant_id, image, candidate.model_id, min(30.0, left or 30.0)) for image in produced]
        except ProviderError as exc:  # made and billed, but its link or bytes failed us: a failed call that was paid
            raise PaidButLost(exc.kind, f"the images were made but could not be kept: {exc.message}") from exc
        output: dict[str, Any] = {
            "images": refs,
            "size": request.size,
            "quality": request.quality,
            "n": request.n,
        }
        if request.style:
            output["style"] = request.style
        revised = next((p.revised_prompt for p in produced if p.revised_prompt), None)
        if revised:
            output["revised_prompt"] = revised
        return Completion(output=output, input_tokens=count_tokens(self.prompt), output_tokens=0, finish_reason="stop")  # type: ignore[arg-type]
