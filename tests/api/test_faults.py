"""The fault layer (LEARNLOOP_CHAOS) and every write path under it: conflicts retried, throttling a 503, nothing paid twice.

Each failure is made exact with a deterministic spec (`conflict_first=N`: the first N transactions,
of those `item=` selects, are cancelled with TransactionConflict; `provider_error=1`: every model
call fails), or with two transactions that really overlap in time on one item.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from chalicelib.billing import service as billing
from chalicelib.core import faults, retries, storage
from chalicelib.core.table import TableItem, connection
from tests.api.test_generations import CAPTION, priced_tenant
from tests.conftest import Api, Tenant

SESSION = {"user_id": "u1", "category_key": "ai_resize", "input": {"canvas": [1080, 1080]}, "output": "ok"}
PATTERN = {
    "pattern": "short_descriptions",
    "description": "Expand short product descriptions",
    "category": "product_optimization",
    "store_type": "shopify",
    "conditions": {"hasShortDescriptions": True},
    "solution": {"steps": ["expand_descriptions"]},
    "success_rate": 0.5,
}

Chaos = Callable[[str], faults.Faults]


@pytest.fixture
def chaos(monkeypatch: pytest.MonkeyPatch) -> Iterator[Chaos]:
    """Switch the fault layer on with a spec, its counts starting at the next call."""

    def switch(spec: str) -> faults.Faults:
        faults.reset()
        monkeypatch.setenv("LEARNLOOP_CHAOS", spec)
        active = faults.active()
        assert active is not None
        return active

    yield switch
    faults.reset()


def test_the_spec_is_parsed_and_refused_when_wrong() -> None:
    spec = faults.ChaosSpec.parse("conflict=0.1,throttle=0.05,latency=5-200ms,provider_error=0.1,provider_timeout=0.05,seed=7")
    assert (spec.conflict, spec.throttle, spec.latency_ms, spec.provider_error, spec.provider_timeout, spec.seed) == (
        0.1,
        0.05,
        (5.0, 200.0),
        0.1,
        0.05,
        7,
    )
    assert faults.ChaosSpec.parse("latency=1s,only=TransactWriteItems+UpdateItem").latency_ms == (1000.0, 1000.0)
    for wrong in ("conflict=2", "conflicts=0.1", "latency=fast", "seed"):
        with pytest.raises(ValueError, match="LEARNLOOP_CHAOS"):
            faults.ChaosSpec.parse(wrong)


def test_off_by_default_nothing_is_installed(api: Api, tenant: Tenant) -> None:
    assert faults.active() is None
    handlers = connection().connection.client.meta.events._emitter._lookup_cache  # type: ignore[attr-defined]
    assert not any("learnloop-faults" in str(h) for h in handlers.values())
    assert api.post("/v1/sessions", SESSION, key=tenant.app).status == 201


def test_a_transaction_that_overlaps_another_on_an_item_is_cancelled(api: Api, tenant: Tenant, chaos: Chaos) -> None:
    chaos("latency=300ms,only=TransactWriteItems")
    raw = connection().connection.client  # the client with the fault layer, made before anything is timed
    item = TableItem(f"TENANT#{tenant.id}#FAULTS", "OVERLAP")
    first = threading.Thread(target=lambda: storage.commit([storage.Update(item, [TableItem.version.add(1)])]))
    first.start()
    time.sleep(0.1)  # the first transaction is in flight (sent, not answered) for 300 ms
    with pytest.raises(ClientError) as cancelled:
        raw.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "learnloop-test", "Item": {"pk": {"S": item.pk}, "sk": {"S": item.sk}, "kind": {"S": "x"}}}}
            ]
        )
    first.join()
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in cancelled.value.response["CancellationReasons"]] == ["TransactionConflict"]


def test_a_session_whose_transaction_meets_conflicts_is_created(api: Api, tenant: Tenant, chaos: Chaos) -> None:
    injected = chaos("conflict_first=3")
    reply = api.post("/v1/sessions", SESSION, key=tenant.app)
    assert reply.status == 201, reply.body
    assert injected.injected["TransactionConflict"] == 3
    assert api.get(f"/v1/sessions/{reply.body['session_id']}", key=tenant.read).body["output"] == "ok"


def test_throttled_past_the_retries_is_a_503_with_nothing_written(
    api: Api, tenant: Tenant, chaos: Chaos, monkeypatch: pytest.MonkeyPatch
) -> None:
    chaos(f"throttle_first={retries.TRANSACTION.attempts},only=TransactWriteItems")
    reply = api.post("/v1/sessions", SESSION, key=tenant.app)
    assert (reply.status, reply.error_code, reply.headers["retry-after"]) == (503, "storage_busy", "1")
    monkeypatch.delenv("LEARNLOOP_CHAOS")
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []


def test_a_generation_whose_session_meets_conflicts_answers(api: Api, tenant: Tenant, chaos: Chaos) -> None:
    chaos("conflict_first=3,item=#SESSION#")
    reply = api.post("/v1/generations", CAPTION, key=tenant.app)
    assert reply.status == 201, reply.body
    assert api.get(f"/v1/sessions/{reply.body['session_id']}", key=tenant.read).body["output"] == reply.body["output"]


def test_one_idempotency_key_never_pays_the_provider_twice(api: Api, tenant: Tenant, chaos: Chaos) -> None:
    priced_tenant(api, tenant, budget=1.0)
    body = {**CAPTION, "model_id": "local:sage"}
    key = {"Idempotency-Key": "gen-paid-once"}
    # The provider answers and is paid; every try of the session's transaction then meets a conflict.
    chaos(f"conflict_first={retries.TRANSACTION.attempts},item=#SESSION#")
    failed = api.post("/v1/generations", body, key=tenant.app, headers=key)
    assert (failed.status, failed.error_code, failed.headers["retry-after"]) == (503, "storage_busy", "1")
    assert billing.committed(tenant.id) == pytest.approx(0.01)
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []

    retried = api.post("/v1/generations", body, key=tenant.app, headers=key)
    assert retried.status == 201, retried.body
    assert (retried.body["model_id"], retried.body["cost_usd"]) == ("local:sage", 0.01)
    assert billing.committed(tenant.id) == pytest.approx(0.01)  # the call of the first try, not a second one
    replayed = api.post("/v1/generations", body, key=tenant.app, headers=key)
    assert (replayed.status, replayed.body, replayed.headers["idempotent-replayed"]) == (201, retried.body, "true")
    sessions = api.get("/v1/sessions", key=tenant.read).body["items"]
    assert [(s["id"], s["cost_usd"]) for s in sessions] == [(retried.body["session_id"], 0.01)]


def test_every_model_failing_stores_the_502_for_the_key(
    api: Api, tenant: Tenant, chaos: Chaos, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNLOOP_IDEMPOTENCY_WAIT_SECONDS", "2")
    injected = chaos("provider_error=1")
    key = {"Idempotency-Key": "gen-502"}
    failed = api.post("/v1/generations", CAPTION, key=tenant.app, headers=key)
    assert (failed.status, failed.error_code) == (502, "upstream_failed")
    calls = injected.provider_calls
    began = time.monotonic()
    replayed = api.post("/v1/generations", CAPTION, key=tenant.app, headers=key)
    assert (replayed.status, replayed.body, replayed.headers["idempotent-replayed"]) == (502, failed.body, "true")
    assert time.monotonic() - began < 1 and injected.provider_calls == calls
    session = api.get(f"/v1/sessions/{failed.body['error']['details'][0]['session_id']}", key=tenant.read).body
    assert session["status"] == "failed"


def test_a_pattern_outcome_meeting_a_conflict_is_counted(api: Api, tenant: Tenant, chaos: Chaos) -> None:
    pattern = api.post("/v1/patterns", PATTERN, key=tenant.admin).body
    chaos("conflict_first=1")
    outcome = api.post(f"/v1/patterns/{pattern['id']}/outcome", {"success": True}, key=tenant.app)
    assert outcome.status == 200, outcome.body
    assert (outcome.body["usage_count"], outcome.body["successes"]) == (1, 1)


def test_revoking_an_admin_key_while_another_key_write_is_in_flight(api: Api, tenant: Tenant, chaos: Chaos) -> None:
    second = api.post("/v1/api-keys", {"name": "second admin", "role": "admin"}, key=tenant.admin).body
    # Every transaction stays in flight 200 ms: creating a third admin key (it adds to the tenant's admin count)
    # is still being written when the revocation (which takes one from that count) is sent.
    chaos("latency=200ms,only=TransactWriteItems")
    connection()  # the client with the fault layer, made before anything is timed
    with ThreadPoolExecutor(max_workers=1) as pool:
        creating = pool.submit(api.post, "/v1/api-keys", {"name": "third admin", "role": "admin"}, key=tenant.admin)
        time.sleep(0.05)
        revoked = api.delete(f"/v1/api-keys/{second['id']}", key=tenant.admin)
        assert creating.result().status == 201
    assert revoked.status == 204, revoked.body
    assert faults.active().injected["TransactionConflict"] >= 1  # type: ignore[union-attr]
    assert api.get("/v1/api-keys", key=second["key"]).status == 401
    names = [k["name"] for k in api.get("/v1/api-keys", key=tenant.admin).body["items"]]
    assert "second admin" not in names and "third admin" in names


def test_an_erasure_meeting_conflicts_leaves_nothing(api: Api, tenant: Tenant, chaos: Chaos) -> None:
    assert api.put("/v1/contexts/leaving/shop-1", {"store_type": "shopify"}, key=tenant.app).status == 200
    # The batch of the user's contexts meets a conflict, and so does the one-by-one pass after it.
    chaos("conflict_first=2,item=CONTEXT#")
    erased = api.delete("/v1/users/leaving/data", key=tenant.admin)
    assert erased.status == 200, erased.body
    assert erased.body["deleted"]["contexts"] == 1
    assert api.get("/v1/contexts/leaving/shop-1", key=tenant.read).status == 404


@pytest.mark.parametrize(
    "spec",
    [
        "conflict=0.2,throttle=0.1,latency=0-3ms,provider_error=0.2,provider_timeout=0.1,provider_429=0.1,seed=11",
        "conflict=0.5,throttle=0.5,provider_error=0.3,seed=12",  # throttling often outlasts the SDK's retries: 503s
    ],
)
def test_under_chaos_no_request_answers_500(api: Api, tenant: Tenant, chaos: Chaos, spec: str) -> None:
    pattern = api.post("/v1/patterns", PATTERN, key=tenant.admin).body
    created = [api.post("/v1/sessions", {**SESSION, "user_id": f"u{i}"}, key=tenant.app).body for i in range(4)]
    injected = chaos(spec)

    def work(i: int) -> list[tuple[str, int, str | None]]:
        user, session = f"u{i % 4}", created[i % 4]
        calls = [
            ("session", api.post("/v1/sessions", {**SESSION, "user_id": user}, key=tenant.app)),
            ("keyed session", api.post("/v1/sessions", SESSION, key=tenant.app, headers={"Idempotency-Key": f"s{i}"})),
            (
                "feedback",
                api.post(f"/v1/sessions/{session['session_id']}/feedback", {"user_id": f"r{i}", "rating": 4}, key=tenant.app),
            ),
            ("generation", api.post("/v1/generations", {**CAPTION, "user_id": user}, key=tenant.app)),
            ("keyed generation", api.post("/v1/generations", CAPTION, key=tenant.app, headers={"Idempotency-Key": f"g{i}"})),
            ("outcome", api.post(f"/v1/patterns/{pattern['id']}/outcome", {"success": i % 2 == 0}, key=tenant.app)),
            ("context", api.put(f"/v1/contexts/{user}/shop", {"store_type": "shopify"}, key=tenant.app)),
            ("api key", api.post("/v1/api-keys", {"name": f"k{i}", "role": "admin"}, key=tenant.admin)),
            ("erasure", api.delete(f"/v1/users/gone-{i}/data", key=tenant.admin)),
            ("list", api.get("/v1/sessions", key=tenant.read)),
        ]
        minted = calls[7][1]
        if minted.status == 201:
            calls.append(("revoke", api.delete(f"/v1/api-keys/{minted.body['id']}", key=tenant.admin)))
        return [(name, reply.status, reply.headers.get("retry-after")) for name, reply in calls]

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = [answer for batch in pool.map(work, range(12)) for answer in batch]
    assert [a for a in answers if a[1] >= 500 and a[1] not in (502, 503)] == []
    assert [a for a in answers if a[1] == 503 and a[2] != "1"] == []  # every 503 says when to come back
    assert injected.injected["TransactionConflict"] > 0 and injected.injected["provider_server_error"] > 0


def test_a_session_whose_transaction_failed_after_its_assignment_is_written_on_retry(
    api: Api, tenant: Tenant, chaos: Chaos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user's sticky assignment commits first; the session's own transaction then answers 503. The retry with the
    same Idempotency-Key records the session (it used to be refused 409 idempotency_response_lost, the session lost)
    and the assignment is counted once."""
    from tests.api.test_experiments import create

    experiment = create(api, tenant)
    assert api.patch(f"/v1/experiments/{experiment['id']}", {"status": "running"}, key=tenant.admin).status == 200
    body = {**SESSION, "user_id": "resizer-1", "experiment_id": experiment["id"]}
    headers = {"Idempotency-Key": "resize-1"}
    chaos(f"conflict_first={retries.TRANSACTION.attempts},item=SESSION#")
    failed = api.post("/v1/sessions", body, key=tenant.app, headers=headers)
    assert (failed.status, failed.error_code) == (503, "storage_busy"), failed.body
    monkeypatch.delenv("LEARNLOOP_CHAOS")
    faults.reset()
    retried = api.post("/v1/sessions", body, key=tenant.app, headers=headers)
    assert retried.status == 201, retried.body
    assert api.post("/v1/sessions", body, key=tenant.app, headers=headers).body["id"] == retried.body["id"]
    listed = api.get(f"/v1/sessions?experiment_id={experiment['id']}", key=tenant.read).body["items"]
    assert [s["id"] for s in listed] == [retried.body["id"]]
    results = api.get(f"/v1/experiments/{experiment['id']}/results", key=tenant.read).body
    assert sum(results["srm"]["assignments"].values()) == 1 and sum(results["srm"]["sessions"].values()) == 1
