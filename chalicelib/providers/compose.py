"""The offline image models' renderer: a deterministic floral composition drawn from the prompt's terms (Pillow).

The prompt is read for flowers (roses, peonies, tulips...), colours (pink, white, burgundy...), the arrangement
(bouquet, vase, basket, centerpiece, wreath, box) and the container. Two renderers of different quality:

- `detailed` (local:petal) draws every flower named, each head in the requested colours (cycled), layered petals,
  stems, foliage and the container, supersampled for smooth edges.
- `rough` (local:sprig) draws flat discs in its own muted palette whatever colours were asked for, fewer heads
  and no container: it reads the flowers and the arrangement but not the colours.

The same prompt, size, variant and renderer always give the same pixels (the layout is drawn from a seed made of
them), so a retry or a test sees the same image. Pillow is imported here, on the first image, never at cold start.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import re
from dataclasses import dataclass, field

FLOWERS: dict[str, str] = {
    "rose": "red", "peony": "pink", "tulip": "yellow", "lily": "white", "sunflower": "yellow", "orchid": "purple",
    "daisy": "white", "hydrangea": "blue", "lavender": "lavender", "carnation": "pink", "ranunculus": "peach",
    "dahlia": "coral", "anemone": "white", "protea": "pink", "gerbera": "orange", "freesia": "yellow",
    "daffodil": "yellow", "iris": "purple", "magnolia": "cream", "camellia": "red", "gardenia": "ivory",
}  # fmt: skip
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (200, 30, 45), "pink": (240, 130, 170), "blush": (245, 190, 195), "white": (250, 250, 245),
    "ivory": (245, 240, 220), "cream": (240, 225, 190), "yellow": (250, 210, 40), "orange": (245, 140, 30),
    "peach": (250, 180, 140), "coral": (245, 115, 95), "purple": (130, 60, 160), "lavender": (180, 150, 220),
    "blue": (70, 110, 210), "burgundy": (120, 20, 45), "green": (70, 150, 70), "gold": (215, 170, 50),
}  # fmt: skip
ARRANGEMENTS = ("bouquet", "vase", "basket", "centerpiece", "wreath", "box")
CONTAINER_COLOURS = {"vase": (150, 190, 200), "basket": (160, 115, 60), "box": (60, 60, 70), "jar": (190, 215, 210)}
MUTED = [(150, 140, 120), (120, 125, 110), (170, 160, 150)]  # the rough renderer's palette, whatever was asked
BACKGROUND = (214, 206, 192)  # linen: far from every colour above, so the colours can be told from it


@dataclass
class Composition:
    """What the prompt asks for, as the renderers read it."""

    flowers: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    arrangement: str = "bouquet"
    container: str | None = None


def read_prompt(prompt: str) -> Composition:
    """The flowers, colours, arrangement and container a prompt names, in order of mention."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", prompt)]
    singular = [w[:-3] + "y" if w.endswith("ies") else w[:-1] if w.endswith("s") and w[:-1] in FLOWERS else w for w in words]
    found = Composition()
    for word in singular:
        if word in FLOWERS and word not in found.flowers:
            found.flowers.append(word)
        if word in COLOURS and word not in found.colours and word not in FLOWERS:
            found.colours.append(word)
    found.arrangement = next((w for w in singular if w in ARRANGEMENTS), "bouquet")
    found.container = next((w for w in singular if w in CONTAINER_COLOURS), None)
    if found.container is None and found.arrangement in CONTAINER_COLOURS:
        found.container = found.arrangement
    return found


def render(prompt: str, width: int, height: int, *, renderer: str, variant: int = 0, negative: str | None = None) -> bytes:
    """A PNG of the composition the prompt asks for; `negative` names things to leave out (flowers, colours)."""
    from PIL import Image, ImageDraw

    wanted = read_prompt(prompt)
    if negative:
        left_out = read_prompt(negative)
        wanted.flowers = [f for f in wanted.flowers if f not in left_out.flowers]
        wanted.colours = [c for c in wanted.colours if c not in left_out.colours]
    seed = hashlib.sha256(f"{renderer}|{variant}|{width}x{height}|{prompt}|{negative}".encode()).digest()
    rng = random.Random(int.from_bytes(seed[:8], "big"))
    scale = 2 if renderer == "detailed" else 1
    canvas = Image.new("RGB", (width * scale, height * scale), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    w, h = canvas.size
    flowers = wanted.flowers or ["rose"]
    if renderer == "detailed":
        palette = [COLOURS[c] for c in wanted.colours] or [COLOURS[FLOWERS[f]] for f in flowers]
        heads = 9 + 2 * len(flowers)
    else:
        palette = MUTED
        heads = 5
    cx, base_y = w / 2, h * 0.72
    if renderer == "detailed" and wanted.container:
        colour = CONTAINER_COLOURS[wanted.container]
        draw.rounded_rectangle([cx - w * 0.16, base_y, cx + w * 0.16, h * 0.95], radius=w * 0.03, fill=colour)
    spread = w * (0.34 if wanted.arrangement in ("centerpiece", "wreath") else 0.24)
    for i in range(heads):
        angle = math.pi * (0.1 + 0.8 * rng.random())
        reach = rng.uniform(0.35, 1.0)
        x = cx + math.cos(angle) * spread * reach * (1 if i % 2 else -1)
        y = base_y - math.sin(angle) * h * 0.45 * reach
        radius = w * rng.uniform(0.045, 0.075)
        colour = palette[i % len(palette)]
        if renderer == "detailed":
            draw.line([(cx, base_y), (x, y)], fill=(60, 120, 60), width=max(2, w // 200))
            leaf = (x + cx) / 2, (y + base_y) / 2
            draw.ellipse([leaf[0] - radius * 0.5, leaf[1] - radius * 0.25, leaf[0] + radius * 0.5, leaf[1] + radius * 0.25],
                         fill=(80, 140, 70))  # fmt: skip
            for petal in range(6):
                a = petal * math.pi / 3 + rng.random() * 0.2
                px, py = x + math.cos(a) * radius * 0.55, y + math.sin(a) * radius * 0.55
                draw.ellipse([px - radius * 0.6, py - radius * 0.6, px + radius * 0.6, py + radius * 0.6], fill=colour)
            centre = tuple(max(0, c - 60) for c in colour)
            draw.ellipse([x - radius * 0.35, y - radius * 0.35, x + radius * 0.35, y + radius * 0.35], fill=centre)
        else:
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    if scale > 1:
        canvas = canvas.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=False)
    return out.getvalue()


def colour_match(png: bytes, colours: list[str], *, tolerance: float = 30.0, share: float = 0.01) -> float:
    """The fraction of `colours` that cover at least `share` of the image's pixels (within `tolerance` in RGB): how
    a florist would judge at a glance whether the design is in the colours asked for (the benchmark's rater)."""
    from PIL import Image

    if not colours:
        return 1.0
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((64, 64))
    pixels = list(image.getdata())
    present = 0
    for name in colours:
        target = COLOURS[name]
        close = sum(1 for p in pixels if math.dist(p, target) <= tolerance)
        present += close / len(pixels) >= share
    return present / len(colours)
