"""The local stack under the fault layer (LEARNLOOP_CHAOS): conflicts, throttling, latency and failing models over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import LocalStack, start_stack
from tests.e2e.test_local_stack import onboard

pytestmark = pytest.mark.e2e

SPEC = "conflict=0.3,throttle=0.2,latency=0-20ms,provider_error=0.3,provider_timeout=0.1,provider_429=0.1,seed=5"


@pytest.fixture(scope="module")
def chaotic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    running = start_stack(tmp_path_factory.mktemp("chaos-data"), extra_env={"LEARNLOOP_CHAOS": SPEC})
    yield running
    if running.process.poll() is None:
        running.stop()


def test_the_stack_under_chaos_answers_no_500(chaotic: LocalStack) -> None:
    keys = onboard(chaotic, "chaos.example")
    session = {"user_id": "u", "category_key": "ai_resize", "input": {"canvas": [1080, 1080]}, "output": "ok"}
    caption = {"user_id": "u", "category_key": "content_caption", "prompt": "Caption for our spring tulips"}

    def work(i: int) -> list[int]:
        created = chaotic.call("POST", "/v1/sessions", key=keys["app"], json=session)
        answers = [created.status_code]
        if created.status_code == 201:
            rated = {"user_id": f"r{i}", "rating": 5}
            path = f"/v1/sessions/{created.json()['session_id']}/feedback"
            answers.append(chaotic.call("POST", path, key=keys["app"], json=rated).status_code)
        keyed = {"Idempotency-Key": f"gen-{i}"}
        first = chaotic.call("POST", "/v1/generations", key=keys["app"], json=caption, headers=keyed)
        again = chaotic.call("POST", "/v1/generations", key=keys["app"], json=caption, headers=keyed)
        if first.status_code in (201, 502) and again.status_code == first.status_code:
            assert again.json() == first.json()  # a stored answer, replayed as it was
        return [*answers, first.status_code, again.status_code]

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = [status for batch in pool.map(work, range(16)) for status in batch]
    assert 500 not in statuses and 201 in statuses
