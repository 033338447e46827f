"""What an image model declares it can make (sizes, qualities, styles, how many, negative prompts) and what it costs.

A model of the catalog with the capability `image_generation` declares its image parameters under
`metadata.image` (PUT /v1/models/{id} can change them):

    {"sizes": ["1024x1024", ...], "qualities": ["standard", "hd"], "styles": ["vivid", "natural"],
     "max_n": 1, "negative_prompt": false, "prices": {"1024x1024": {"standard": 0.04, "hd": 0.08}},
     "response_format": "url", "api_model": "sd3-medium"}

The first size and quality are the defaults. The price is USD per image, by size and quality; a size or
quality the table does not price costs the model's `cost_per_request`. A model that declares nothing makes
1024x1024 images of quality `standard`, one per call, at `cost_per_request`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalog.schemas import ModelPut

IMAGE = "image_generation"
DEFAULT_SIZE = "1024x1024"
DEFAULT_QUALITY = "standard"


@dataclass(frozen=True)
class ImageSpec:
    sizes: tuple[str, ...] = (DEFAULT_SIZE,)
    qualities: tuple[str, ...] = (DEFAULT_QUALITY,)
    styles: tuple[str, ...] = ()
    max_n: int = 1
    negative_prompt: bool = False
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    per_request: float = 0.0
    response_format: str | None = None
    api_model: str | None = None

    def price(self, size: str, quality: str) -> float:
        """USD for one image of this size and quality."""
        return float(self.prices.get(size, {}).get(quality, self.per_request))


@dataclass(frozen=True)
class ImageParams:
    """A request's image parameters; None means the model's default."""

    size: str | None = None
    quality: str | None = None
    style: str | None = None
    n: int = 1
    negative_prompt: str | None = None

    def resolved(self, spec: ImageSpec) -> ImageParams:
        return ImageParams(
            size=self.size or spec.sizes[0],
            quality=self.quality or spec.qualities[0],
            style=self.style,
            n=self.n,
            negative_prompt=self.negative_prompt,
        )


def spec_of(model: ModelPut) -> ImageSpec | None:
    """The model's declared image parameters, or None when it makes no images."""
    if IMAGE not in model.capabilities:
        return None
    declared: dict[str, Any] = model.metadata.get("image") or {}  # type: ignore[assignment]
    if not isinstance(declared, dict):
        declared = {}
    prices = declared.get("prices") or {}
    return ImageSpec(
        sizes=tuple(declared.get("sizes") or (DEFAULT_SIZE,)),
        qualities=tuple(declared.get("qualities") or (DEFAULT_QUALITY,)),
        styles=tuple(declared.get("styles") or ()),
        max_n=int(declared.get("max_n") or 1),
        negative_prompt=bool(declared.get("negative_prompt", False)),
        prices={str(s): {str(q): float(p) for q, p in by_quality.items()} for s, by_quality in prices.items()},
        per_request=model.cost_per_request,
        response_format=declared.get("response_format"),
        api_model=declared.get("api_model"),
    )


def problems(spec: ImageSpec, params: ImageParams) -> list[tuple[str, str]]:
    """Each request field the model cannot honour, with why: (field, message)."""
    found: list[tuple[str, str]] = []
    if params.size is not None and params.size not in spec.sizes:
        found.append(("body.size", f"size {params.size} is not one of {', '.join(spec.sizes)}"))
    if params.quality is not None and params.quality not in spec.qualities:
        found.append(("body.quality", f"quality {params.quality} is not one of {', '.join(spec.qualities)}"))
    if params.style is not None and params.style not in spec.styles:
        offered = ", ".join(spec.styles) if spec.styles else "none"
        found.append(("body.style", f"style {params.style} is not offered (styles: {offered})"))
    if params.n > spec.max_n:
        found.append(("body.n", f"at most {spec.max_n} image{'s' if spec.max_n > 1 else ''} per call"))
    if params.negative_prompt is not None and not spec.negative_prompt:
        found.append(("body.negative_prompt", "takes no negative prompt"))
    return found
