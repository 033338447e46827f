"""Bounded work per request (docs/operations.md#limits): each limit met by its adversarial input, answered in under
a second, nothing written."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import ValidationError

from chalicelib.core import itemsize, storage
from chalicelib.core.errors import PayloadTooLarge
from chalicelib.core.keys import Key
from chalicelib.core.limits import ITEM_MAX_BYTES, PROMPT_MAX_CHARS
from chalicelib.customers.store import CustomerItem
from chalicelib.pipelines import quality
from chalicelib.pipelines.schemas import ColumnRule
from chalicelib.providers import local
from chalicelib.providers.base import count_tokens
from tests.conftest import Api, Tenant

LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.started


def sessions_of(api: Api, tenant: Tenant) -> list[dict]:
    return api.get("/v1/sessions", key=tenant.read).body["items"]


def test_a_template_that_expands_past_the_limit_is_413_before_any_model_is_called(api: Api, tenant: Tenant) -> None:
    # A 100 KB body: 25,000 uses of a 1,400-character variable would render 35 million characters.
    body = {"user_id": "u1", "category_key": "content_caption", "prompt": "{v}" * 25_000, "variables": {"v": "x" * 1_400}}
    with Stopwatch() as watch:
        reply = api.post("/v1/generations", body, key=tenant.app)
    assert watch.seconds < 1.0
    assert (reply.status, reply.error_code) == (413, "prompt_too_large")
    assert reply.body["error"]["details"][0]["field"] == "body.variables.v"
    assert str(25_000 * 1_400) in reply.body["error"]["message"]
    assert sessions_of(api, tenant) == []  # nothing recorded, nothing billed


def test_a_template_within_the_limit_is_rendered_and_one_character_more_is_not(api: Api, tenant: Tenant) -> None:
    # The literal text plus each use of each variable: exactly the limit passes, one character more does not.
    uses, literal = 8, "a " * 100
    size = (PROMPT_MAX_CHARS - 2 * len(literal)) // uses
    padding = PROMPT_MAX_CHARS - 2 * len(literal) - uses * size
    template = literal + "{v}" * uses + literal + "b" * padding
    body = {"user_id": "u1", "category_key": "content_caption", "prompt": template, "variables": {"v": "y" * size}}
    reply = api.post("/v1/generations", {**body, "model_id": "local:echo"}, key=tenant.app)
    assert reply.status == 201, reply.body
    session = api.get(f"/v1/sessions/{reply.body['session_id']}", key=tenant.read).body
    assert len(session["input"]) == PROMPT_MAX_CHARS
    one_more = api.post("/v1/generations", {**body, "prompt": template + "!"}, key=tenant.app)
    assert (one_more.status, one_more.error_code) == (413, "prompt_too_large")
    assert one_more.body["error"]["details"][0]["field"] == "body.variables.v"


def test_sessions_from_long_ago_start_a_year_before_the_tenants_creation(api: Api, tenant: Tenant) -> None:
    created = api.post(
        "/v1/generations", {"user_id": "u1", "category_key": "content_caption", "prompt": "tulips"}, key=tenant.app
    )
    assert api.get("/v1/sessions?from=0001-01-01T00:00:00Z", key=tenant.read).status == 422  # years before 2000
    with Stopwatch() as watch:  # 26 years of months, were they walked; a year and a month are
        reply = api.get("/v1/sessions?from=2000-01-01T00:00:00Z", key=tenant.read)
    assert watch.seconds < 1.0
    assert reply.status == 200
    assert [s["id"] for s in reply.body["items"]] == [created.body["session_id"]]
    assert reply.body["next_cursor"] is None


def test_a_non_ascii_customer_record_under_the_body_limit_is_stored(api: Api, tenant: Tenant) -> None:
    # 120,000 'é' are 240 KB in UTF-8 (under the 256 KiB body limit) and were 720 KB as JSON escapes: a 500.
    record = {"recipient_name": "Zoé", "preferences": {"note": "é" * 120_000}}
    raw = json.dumps(record, ensure_ascii=False).encode()
    assert len(raw) < 256 * 1024
    with Stopwatch() as watch:
        reply = api.request("PUT", "/v1/customers/c-1", raw=raw, key=tenant.app)
    assert watch.seconds < 1.0
    assert reply.status == 201, reply.body
    assert api.get("/v1/customers/c-1", key=tenant.admin).body["preferences"] == {"note": "é" * 120_000}


def test_an_item_is_measured_as_dynamodb_counts_it() -> None:
    # AWS's rules: names and strings in UTF-8 bytes, a number one byte per two significant digits plus one,
    # a list or map 3 bytes plus one byte and the size of each element (a map's keys as names).
    assert itemsize.value_size({"S": "é€😀"}) == 2 + 3 + 4
    assert itemsize.value_size({"N": "123456"}) == 4
    assert itemsize.value_size({"N": "-1.50"}) == 2
    assert itemsize.value_size({"BOOL": True}) == itemsize.value_size({"NULL": True}) == 1
    assert itemsize.value_size({"L": [{"S": "ab"}, {"N": "7"}]}) == 3 + (2 + 1) + (2 + 1)
    assert itemsize.value_size({"M": {"ké": {"S": "x"}}}) == 3 + 3 + 1 + 1
    assert itemsize.value_size({"SS": ["a", "bé"]}) == 4
    item = CustomerItem("T#t1", "CUSTOMER#c1", customer_id="c1", user_id="u1", data={"note": "é"}, created_at="x", updated_at="x")
    sizes = itemsize.attribute_sizes(item)
    assert sizes["data"] == len("data") + len('{"note": "é"}'.encode())  # UTF-8 text, not a \\u escape
    assert sizes["pk"] == 2 + 4


def test_a_put_over_the_item_limit_writes_nothing(aws: None) -> None:
    def customer(customer_id: str, data: dict) -> CustomerItem:
        key = Key("T#t1", f"CUSTOMER#{customer_id}")
        return CustomerItem(key.pk, key.sk, customer_id=customer_id, user_id="u1", data=data, created_at="x", updated_at="x")

    big, small = customer("big", {"a": "x", "b": "ü" * 210_000}), customer("small", {})
    with pytest.raises(PayloadTooLarge) as raised:
        storage.commit([storage.Put(small), storage.Put(big)])
    assert raised.value.code == "item_too_large"
    assert raised.value.details[0]["field"] == "data.b"
    assert f"more than the {ITEM_MAX_BYTES}" in raised.value.message
    with pytest.raises(PayloadTooLarge):
        big.save()
    assert storage.get(CustomerItem, Key(small.pk, small.sk)) is None
    assert storage.get(CustomerItem, Key(big.pk, big.sk)) is None


def test_a_backtracking_pattern_is_checked_in_linear_time() -> None:
    rule = {"pattern": "(a+)+$"}
    with Stopwatch() as watch:
        found = quality.problems("a" * 100_000 + "b", rule)
    assert watch.seconds < 1.0
    assert found == [f"{'a' * 100_000 + 'b'!r} does not match (a+)+$"]
    assert quality.problems("a" * 100_000, rule) == []


def test_a_pattern_re2_cannot_run_is_422_when_written() -> None:
    with pytest.raises(ValidationError) as raised:
        ColumnRule(pattern=r"(?<=a)b")
    assert "RE2" in str(raised.value) and "look-around" in str(raised.value)
    with pytest.raises(ValidationError):
        ColumnRule(pattern=r"(a)\1")
    with pytest.raises(ValidationError):
        ColumnRule(pattern="a" * 501)
    assert ColumnRule(pattern=r"^[A-Z]{2}-\d{4}$").pattern == r"^[A-Z]{2}-\d{4}$"


def test_the_local_models_truncate_and_read_key_terms_in_linear_time() -> None:
    words = [f"w{i:06d}" for i in range(200_000)]  # 7 characters: 2 tokens each
    distinct = [f"q{a}{b}{c}" for a in LETTERS for b in LETTERS for c in LETTERS]
    with Stopwatch() as watch:
        cut = local._truncate(" ".join(words), 150_001)
        terms = local.key_terms(" ".join(distinct * 5))
    assert watch.seconds < 1.0
    assert cut == " ".join(words[:75_000]) and count_tokens(cut) == 150_000
    assert terms == distinct
