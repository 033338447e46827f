"""Images: routing learns from ratings of floral designs which offline image model is better.

By default (`python -m bench images`) against the local stack over HTTP, as `make run` serves it: the URL in
`LEARNLOOP_URL` with the root key in `LEARNLOOP_KEY` (a stack already running), else a stack of its own started
like `make run` (`python -m devstack`, default settings: the offline models' latency, routing statistics cached
10 s) on a temporary directory. Seed 000's florist asks for designs (POST /v1/designs: a style template, flowers
and colours, 256x256), reads each back through its presigned link and rates it 0.0-5.0 (5 x the share of the asked
colours present: chalicelib/providers/compose.colour_match) through POST /v1/designs/{id}/feedback. The figure: the
share of designs routed to petal in each block of 20, after N rated designs. tests/e2e/test_images_stack.py runs the
same loop, shorter. `BENCH_IMAGES_MODE=in_process` runs the older loop below instead.

Seed 000's florist asks for designs (`image_social`, a bouquet of named flowers in named colours, 256x256) and lets
routing choose between the two offline image models, which start level in the catalog (suitability 0.6 each):
`local:petal` paints the colours asked for, `local:sprig` its own muted palette. Each design is read back through
its presigned link and rated as a florist would at a glance: 1 + 4 x the share of the asked colours present in
the image (chalicelib/providers/compose.colour_match). Every call goes through the HTTP API (chalice's test client
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


STYLES = ["romantic-classic", "modern-minimalist", "rustic-natural", "elegant-formal", "tropical-vibrant"]


def over_http(url: str, root_key: str, designs: int, seed: int = SEED) -> dict[str, Any]:
    """Designs made, read and rated through the HTTP API of a running stack; where routing sent each."""
    from chalicelib.providers import compose

    http = requests.Session()

    def call(method: str, path: str, key: str, body: Any = None, status: tuple[int, ...] = (200, 201)) -> Any:
        answer = http.request(method, url + path, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=60)
        assert answer.status_code in status, (path, answer.status_code, answer.text)
        return answer.json()

    rng = random.Random(seed)
    made = call("POST", "/v1/tenants", root_key, {"name": "Florist", "domain": f"florist-{rng.getrandbits(32):x}.bench"})
    admin = made["api_key"]["key"]
    key = call("POST", "/v1/api-keys", admin, {"name": "shop", "role": "app"})["key"]
    call("POST", "/v1/catalog-templates/styles/install", admin)
    chosen: list[str] = []
    ratings: dict[str, list[float]] = {"local:petal": [], "local:sprig": []}
    for i in range(designs):
        colours = rng.sample(COLOURS, 2)
        body = {
            "user_id": f"florist-{i % 12}",
            "style": rng.choice(STYLES),
            "prompt": f"{' and '.join(rng.sample(FLOWERS, 2))}, {rng.choice(ARRANGEMENTS)}",
            "colors": " and ".join(colours),
            "size": "256x256",
        }
        design = call("POST", "/v1/designs", key, body)
        png = http.get(design["images"][0]["url"], timeout=30).content
        rating = round(5 * compose.colour_match(png, colours), 1)
        model_id = design["generation_metadata"]["model_id"]
        chosen.append(model_id)
        ratings[model_id].append(rating)
        feedback = {"user_id": body["user_id"], "rating": rating, "feedback_type": "style"}
        call("POST", f"/v1/designs/{design['id']}/feedback", key, feedback)
    routed = call("POST", "/v1/route", key, {"category_key": "image_social", "user_id": "florist-new"})
    return _figures(chosen, ratings, designs) | {"routed_after": routed["selected"]["model_id"], "models": chosen}


def _figures(chosen: list[str], ratings: dict[str, list[float]], designs: int) -> dict[str, Any]:
    blocks = [chosen[i : i + BLOCK] for i in range(0, len(chosen), BLOCK)]
    later = chosen[40:] or chosen[len(chosen) // 2 :]
    last = chosen[-40:]
    return {
        "designs": designs,
        "block": BLOCK,
        "petal_share_by_block": [round(b.count("local:petal") / len(b), 3) for b in blocks],
        "petal_share_after_40_rated": round(later.count("local:petal") / len(later), 3),
        "petal_share_last_40": round(last.count("local:petal") / len(last), 3),
        "mean_rating": {m: round(sum(r) / len(r), 3) if r else None for m, r in ratings.items()},
        "designs_per_model": {m: len(r) for m, r in ratings.items()},
    }


def run() -> dict[str, Any]:
    if os.environ.get("BENCH_IMAGES_MODE") == "in_process":
        return in_process()
    url = os.environ.get("LEARNLOOP_URL")
    if url:
        return {"stack": url} | over_http(url.rstrip("/"), os.environ["LEARNLOOP_KEY"], DESIGNS)
    import tempfile
    from pathlib import Path

    from .local_stack import ROOT_KEY as STACK_KEY
    from .local_stack import Stack

    with tempfile.TemporaryDirectory() as data:
        stack = Stack(Path(data))
        try:
            return {"stack": "python -m devstack (make run's), default settings"} | over_http(stack.url, STACK_KEY, DESIGNS)
        finally:
            stack.stop()


def in_process() -> dict[str, Any]:
    from chalicelib.core import blobs
    from chalicelib.providers import compose
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
    return {"stack": "in process"} | _figures(chosen, ratings, DESIGNS)


def report(figures: dict[str, Any]) -> str:
    return (
        f"images: {figures['designs']} designs routed between local:petal and local:sprig, rated by colour fidelity"
        f" ({figures['stack']})\n"
        f"  mean rating {figures['mean_rating']}, designs per model {figures['designs_per_model']}\n"
        f"  petal's share per block of {figures['block']}: {figures['petal_share_by_block']}\n"
        f"  petal's share after 40 rated designs: {figures['petal_share_after_40_rated']:.0%}, "
        f"over the last 40: {figures['petal_share_last_40']:.0%}"
    )
