"""Seed 000's five default style templates, which a tenant may install into its `styles`."""

from __future__ import annotations

from typing import Any

STYLE_TEMPLATES: list[dict[str, Any]] = [
    {
        "id": "romantic-classic",
        "name": "Romantic Classic",
        "attributes": {
            "description": "Traditional romantic bouquets with roses and soft colors",
            "mood": "Romantic",
            "color_palette": ["blush", "ivory", "soft pink"],
            "arrangement_style": "round hand-tied",
            "flair_elements": ["satin ribbon", "baby's breath"],
            "flowers": ["roses", "peonies", "ranunculus"],
        },
    },
    {
        "id": "modern-minimalist",
        "name": "Modern Minimalist",
        "attributes": {
            "description": "Clean, contemporary arrangements with bold lines",
            "mood": "Calm",
            "color_palette": ["white", "green", "black"],
            "arrangement_style": "linear",
            "flair_elements": ["negative space", "single stems"],
            "flowers": ["calla lilies", "orchids", "monstera"],
        },
    },
    {
        "id": "rustic-natural",
        "name": "Rustic Natural",
        "attributes": {
            "description": "Wild, garden-style arrangements with natural elements",
            "mood": "Relaxed",
            "color_palette": ["cream", "sage", "terracotta"],
            "arrangement_style": "garden loose",
            "flair_elements": ["twine", "wheat", "eucalyptus"],
            "flowers": ["sunflowers", "wildflowers", "lavender"],
        },
    },
    {
        "id": "elegant-formal",
        "name": "Elegant Formal",
        "attributes": {
            "description": "Sophisticated arrangements for special occasions",
            "mood": "Refined",
            "color_palette": ["white", "gold", "deep green"],
            "arrangement_style": "structured",
            "flair_elements": ["crystal vase", "gold accents"],
            "flowers": ["white roses", "hydrangeas", "lilies"],
        },
    },
    {
        "id": "tropical-vibrant",
        "name": "Tropical Vibrant",
        "attributes": {
            "description": "Bright, exotic arrangements with tropical flowers",
            "mood": "Joyful",
            "color_palette": ["orange", "fuchsia", "lime"],
            "arrangement_style": "asymmetric",
            "flair_elements": ["palm leaves", "bold foliage"],
            "flowers": ["birds of paradise", "anthuriums", "hibiscus"],
        },
    },
]

TEMPLATES = {"styles": STYLE_TEMPLATES}
