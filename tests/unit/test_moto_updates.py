"""devstack/moto_updates.py: a flat update gives exactly the item, the error and the stream record moto's own path
gives, for random updates over random items; anything not flat is left to moto."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from devstack import moto_fixes, moto_updates


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    from moto import mock_aws

    moto_fixes.harden()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_flat_clauses_are_told_from_the_rest() -> None:
    assert moto_updates.flat_clauses("SET #0 = :0, #1 = :1 ADD #2 :2 REMOVE #3") == [
        ("SET", "#0", ":0"),
        ("SET", "#1", ":1"),
        ("ADD", "#2", ":2"),
        ("REMOVE", "#3", None),
    ]
    assert moto_updates.flat_clauses("SET #0 = if_not_exists (#1, :0), #2 = :2") == [
        ("SET_IF_NOT_EXISTS", "#0", "#1 :0"),
        ("SET", "#2", ":2"),
    ]
    others = ("SET #0 = #0 + :0", "SET #0 = list_append(#0, :0)", "SET #0.#1 = :0", "DELETE #0 :0", "SET #0[1] = :0", "x")
    for other in others:
        assert moto_updates.flat_clauses(other) is None


VALUES = [{"N": "1"}, {"N": "-2.5"}, {"N": "4e-05"}, {"S": "text"}, {"SS": ["a", "b"]}, {"M": {"k": {"S": "v"}}}, {"NULL": True}]


def _random_update(rng: random.Random) -> dict[str, Any]:
    attributes = rng.sample(["a", "b", "c", "d", "pk"] if rng.random() < 0.1 else ["a", "b", "c", "d"], k=rng.randint(1, 3))
    if rng.random() < 0.1:
        attributes.append(attributes[0])  # the same attribute twice: an error either way
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sections: dict[str, list[str]] = {"SET": [], "ADD": [], "REMOVE": []}
    for i, attribute in enumerate(attributes):
        names[f"#{i}"] = attribute
        action = rng.choice(["SET", "SET", "ADD", "ADD", "REMOVE"])
        if action == "REMOVE":
            sections[action].append(f"#{i}")
            continue
        values[f":{i}"] = rng.choice(VALUES)
        if action == "SET" and rng.random() < 0.4:  # kept when there, else the value (of itself, or another attribute)
            source = f"#{rng.randrange(i + 1)}"
            sections[action].append(f"#{i} = if_not_exists({source}, :{i})")
            continue
        sections[action].append(f"#{i} = :{i}" if action == "SET" else f"#{i} :{i}")
    expression = " ".join(f"{action} {', '.join(clauses)}" for action, clauses in sections.items() if clauses)
    update: dict[str, Any] = {"UpdateExpression": expression, "ExpressionAttributeNames": names}
    if values:
        update["ExpressionAttributeValues"] = values
    if rng.random() < 0.3:
        update["ConditionExpression"] = "attribute_exists(pk)" if rng.random() < 0.5 else "attribute_not_exists(pk)"
    return update


def _outcome(client: Any, key: dict[str, Any], update: dict[str, Any]) -> tuple[str, Any]:
    try:
        client.update_item(TableName="t", Key=key, **update)
    except ClientError as exc:
        return "error", exc.response["Error"]["Code"]
    return "item", client.get_item(TableName="t", Key=key, ConsistentRead=True).get("Item")


def test_random_flat_updates_end_as_moto_ends_them(dynamodb: Any) -> None:
    rng = random.Random(11)
    for case in range(300):
        keys = [{"pk": {"S": f"p{case}"}, "sk": {"S": side}} for side in ("fast", "moto")]
        if rng.random() < 0.7:  # an existing item, the same on both sides
            start = {"a": {"N": "3"}, "b": {"S": "x"}, "c": rng.choice(VALUES)}
            for key in keys:
                dynamodb.put_item(TableName="t", Item={**key, **start})
        updates = [_random_update(rng) for _ in range(rng.randint(1, 3))]
        outcomes = []
        for key, enabled in zip(keys, (True, False), strict=True):
            moto_updates.ENABLED[0] = enabled
            try:
                outcomes.append([_outcome(dynamodb, key, update) for update in updates])
            finally:
                moto_updates.ENABLED[0] = True
        fast, moto = outcomes
        for (kind_f, got_f), (kind_m, got_m), update in zip(fast, moto, updates, strict=True):
            if kind_f == "item" and got_f is not None:
                got_f = {k: v for k, v in got_f.items() if k != "sk"}
                got_m = {k: v for k, v in (got_m or {}).items() if k != "sk"}
            assert (kind_f, got_f) == (kind_m, got_m), (case, update)
    assert moto_updates.SERVED["fast"] > 150  # the fast path did answer most of them
