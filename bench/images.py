"""Images: routing learns from ratings of floral designs which offline image model is better.

Seed 000's florist asks for designs (`image_social`, a bouquet of named flowers in named colours, 256x256) and lets
routing choose between the two offline image models, which start level in the catalog (suitability 0.6 each):
`local:petal` paints the colours asked for, `local:sprig` its own muted palette. Each design is read back through
its presigned link and rated as a florist would at a glance: 1 + 4 x the share of the asked colours present in
the image (chalicelib/images/compose.colour_match). Every call goes through the HTTP API (chalice's test client
over an in-process moto account). The figure: the share of designs routed to petal in each block of 20 and after N
rated designs.
"""

from __future__ import annotations

import os
import random
from typing import Any

import requests

from .harness import ROOT_KEY, call, local_account

DESIGNS = 160
BLOCK = 20
SEED = 11
FLOWERS = ["roses", "peonies", "tulips", "lilies", "orchids", "ranunculus", "dahlias", "hydrangeas"]
COLOURS = ["pink", "white", "red", "yellow", "purple", "peach", "blue", "coral"]
ARRANGEMENTS = ["bouquet in a glass vase", "basket arrangement", "wrapped bouquet", "centerpiece"]


def run() -> dict[str, Any]:
    from chalicelib.core import blobs
    from chalicelib.images import compose
    from chalicelib.routing import service as routing

    os.environ["LEARNLOOP_LOCAL_LATENCY_SCALE"] = "0"
    os.environ["LEARNLOOP_ROUTING_STATS_CACHE_SECONDS"] = "0"
    os.environ.pop("LEARNLOOP_S3_ENDPOINT", None)
    rng = random.Random(SEED)
    routing.reseed(SEED)
    chosen: list[str] = []
    ratings: dict[str, list[float]] = {"local:petal": [], "local:sprig": []}
    with local_account() as client:
        blobs.forget_clients()
        blobs.ensure_bucket()
        _, made = call(client, "POST", "/v1/tenants", ROOT_KEY, {"name": "Florist", "domain": "florist.bench"})
        admin = made["api_key"]["key"]
        _, app_key = call(client, "POST", "/v1/api-keys", admin, {"name": "shop", "role": "app"})
        key = app_key["key"]
        for i in range(DESIGNS):
            colours = rng.sample(COLOURS, 2)
            prompt = (
                f"A {rng.choice(['romantic', 'modern', 'rustic'])} {rng.choice(ARRANGEMENTS)} of "
                f"{' and '.join(rng.sample(FLOWERS, 2))} in {colours[0]} and {colours[1]} colors"
            )
            body = {"user_id": f"florist-{i % 12}", "category_key": "image_social", "prompt": prompt, "size": "256x256"}
            status, design = call(client, "POST", "/v1/generations", key, body)
            assert status == 201, design
            png = requests.get(design["images"][0]["url"], timeout=10).content
            rating = round(1 + 4 * compose.colour_match(png, colours))
            chosen.append(design["model_id"])
            ratings[design["model_id"]].append(rating)
            feedback = {"user_id": body["user_id"], "rating": rating, "aspect": "style"}
            status, _ = call(client, "POST", f"/v1/sessions/{design['session_id']}/feedback", key, feedback)
            assert status in (200, 201)
    blocks = [chosen[i : i + BLOCK] for i in range(0, len(chosen), BLOCK)]
    return {
        "designs": DESIGNS,
        "block": BLOCK,
        "petal_share_by_block": [round(b.count("local:petal") / len(b), 3) for b in blocks],
        "petal_share_after_40_rated": round(chosen[40:].count("local:petal") / len(chosen[40:]), 3),
        "petal_share_last_40": round(chosen[-40:].count("local:petal") / 40, 3),
        "mean_rating": {m: round(sum(r) / len(r), 3) if r else None for m, r in ratings.items()},
        "designs_per_model": {m: len(r) for m, r in ratings.items()},
    }


def report(figures: dict[str, Any]) -> str:
    return (
        f"images: {figures['designs']} designs routed between local:petal and local:sprig, rated by colour fidelity\n"
        f"  mean rating {figures['mean_rating']}, designs per model {figures['designs_per_model']}\n"
        f"  petal's share per block of {figures['block']}: {figures['petal_share_by_block']}\n"
        f"  petal's share after 40 rated designs: {figures['petal_share_after_40_rated']:.0%}, "
        f"over the last 40: {figures['petal_share_last_40']:.0%}"
    )
