"""Offline, from the local stack (`make run`'s `python -m devstack`): floral designs made by the offline image models,
read back through their presigned links, rated 0.0-5.0 by the colours asked for, and routing moving to the better
model (bench/images.py's loop over HTTP, shorter; `python -m bench images` is the figure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.images import over_http
from tests.e2e.conftest import ROOT_KEY, start_stack

pytestmark = pytest.mark.e2e


def test_rated_designs_move_routing_to_the_better_offline_image_model(tmp_path: Path) -> None:
    # The models' simulated latency off and routing's statistics read afresh: the loop learns as fast as it is rated.
    env = {"LEARNLOOP_LOCAL_LATENCY_SCALE": "0", "LEARNLOOP_ROUTING_STATS_CACHE_SECONDS": "0"}
    stack = start_stack(tmp_path, extra_env=env)
    try:
        figures = over_http(stack.url, ROOT_KEY, designs=16, seed=5)
    finally:
        code, output = stack.stop()
    assert code == 0, output
    petal, sprig = figures["mean_rating"]["local:petal"], figures["mean_rating"]["local:sprig"]
    assert petal == 5.0 and (sprig is None or sprig < 1.0)  # petal paints the colours asked for; sprig its own
    assert figures["models"][-4:] == ["local:petal"] * 4 and figures["routed_after"] == "local:petal", figures
    assert figures["designs_per_model"]["local:petal"] >= 12, figures
