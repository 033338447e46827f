"""The local stack's indexed queries (devstack/moto_index.py) answer exactly what moto's own query answers.

In-process moto with devstack's patches; every query is asked twice, through the index and through moto's
unindexed path, after random puts, updates, deletes and cancelled transactions, on the table and on a
global secondary index, both directions, with each kind of key condition, limits and pagination.
"""

from __future__ import annotations

import random
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from devstack import moto_fixes, moto_index

SORT_KEYS = [f"{kind}#{n:03d}" for kind in ("A", "B", "BA", "C") for n in range(12)]


def _table(db: Any) -> None:
    string = "S"
    db.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": string} for name in ("pk", "sk", "gpk", "gsk")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi",
                "KeySchema": [{"AttributeName": "gpk", "KeyType": "HASH"}, {"AttributeName": "gsk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def _write(db: Any, rng: random.Random) -> None:
    key = {"pk": {"S": f"P{rng.randrange(3)}"}, "sk": {"S": rng.choice(SORT_KEYS)}}
    draw = rng.random()
    if draw < 0.5:
        item = {**key, "n": {"N": str(rng.randrange(100))}}
        if rng.random() < 0.8:  # some items stay out of the sparse index
            item |= {"gpk": {"S": f"G{rng.randrange(2)}"}, "gsk": {"S": rng.choice(SORT_KEYS[:20])}}
        db.put_item(TableName="t", Item=item)
    elif draw < 0.75:  # moves the item inside the index (in place)
        db.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET gpk = :g, gsk = :s ADD n :one",
            ExpressionAttributeValues={
                ":g": {"S": f"G{rng.randrange(2)}"},
                ":s": {"S": rng.choice(SORT_KEYS)},
                ":one": {"N": "1"},
            },
        )
    elif draw < 0.9:
        db.delete_item(TableName="t", Key=key)
    else:  # a cancelled transaction: its put rolls back, nothing of it stays indexed
        with pytest.raises(ClientError):
            db.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": {**key, "gpk": {"S": "G0"}, "gsk": {"S": "A#000"}}}},
                    {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "none"}, "sk": {"S": "x"}},
                                        "ConditionExpression": "attribute_exists(pk)"}},
                ]
            )  # fmt: skip


def _query(db: Any, rng: random.Random) -> dict[str, Any]:
    on_index = rng.random() < 0.5
    hash_attr, range_attr = ("gpk", "gsk") if on_index else ("pk", "sk")
    values = {":h": {"S": f"G{rng.randrange(2)}" if on_index else f"P{rng.randrange(3)}"}}
    condition = f"{hash_attr} = :h"
    kind = rng.choice(["", "=", "<", "<=", ">", ">=", "between", "begins"])
    low, high = sorted(rng.sample(SORT_KEYS, 2))
    if kind == "between":
        condition += f" AND {range_attr} BETWEEN :a AND :b"
        values |= {":a": {"S": low}, ":b": {"S": high}}
    elif kind == "begins":
        condition += f" AND begins_with({range_attr}, :a)"
        values[":a"] = {"S": rng.choice(["A", "B", "BA", "C#01", "D"])}
    elif kind:
        condition += f" AND {range_attr} {kind} :a"
        values[":a"] = {"S": low}
    request: dict[str, Any] = {
        "TableName": "t",
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": rng.random() < 0.5,
    }
    if on_index:
        request["IndexName"] = "gsi"
    if rng.random() < 0.7:
        request["Limit"] = rng.randrange(1, 8)
    if rng.random() < 0.2:
        request["FilterExpression"] = "n > :n"
        values[":n"] = {"N": "40"}
    return request


def _pages(db: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    pages, sent = [], dict(request)
    for _ in range(60):
        answer = db.query(**sent)
        pages.append({"Items": answer["Items"], "Count": answer["Count"], "Last": answer.get("LastEvaluatedKey")})
        if "LastEvaluatedKey" not in answer:
            return pages
        sent["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    raise AssertionError("more than 60 pages")


def test_indexed_queries_answer_what_moto_answers() -> None:
    moto_fixes.harden()
    rng = random.Random(22)
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        _table(db)
        indexed_pages = 0
        for step in range(240):
            _write(db, rng)
            if step % 3 == 0:
                request = _query(db, rng)
                indexed = _pages(db, request)
                moto_index.ENABLED[0] = False
                try:
                    plain = _pages(db, request)
                finally:
                    moto_index.ENABLED[0] = True
                # The same items in the same pages; moto alone may end with an empty page (its LastEvaluatedKey is set
                # when the page is full, before it knows whether another item matches, as DynamoDB may do too).
                assert [page["Items"] for page in indexed] == [page["Items"] for page in plain][: len(indexed)], request
                assert all(page["Items"] == [] and page["Last"] is None for page in plain[len(indexed) :]), request
                indexed_pages += len(indexed)
        assert indexed_pages > 100
        assert moto_index.SERVED["indexed"] > 0


def test_a_query_reads_its_page_not_its_partition() -> None:
    """After 600 items in one partition, a page of 5 hands moto 6 items (the page and one to know there is more)."""
    moto_fixes.harden()
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        _table(db)
        for n in range(600):
            db.put_item(
                TableName="t", Item={"pk": {"S": "P"}, "sk": {"S": f"{n:05d}"}, "gpk": {"S": "G"}, "gsk": {"S": f"{n % 7}"}}
            )
        before = moto_index.SERVED["candidates"]
        answer = db.query(
            TableName="t", KeyConditionExpression="pk = :p AND sk > :s", Limit=5, ScanIndexForward=False,
            ExpressionAttributeValues={":p": {"S": "P"}, ":s": {"S": "00100"}},
        )  # fmt: skip
        assert [item["sk"]["S"] for item in answer["Items"]] == ["00599", "00598", "00597", "00596", "00595"]
        assert answer["LastEvaluatedKey"] == {"pk": {"S": "P"}, "sk": {"S": "00595"}}
        assert moto_index.SERVED["candidates"] - before == 6
        on_index = db.query(
            TableName="t", IndexName="gsi", KeyConditionExpression="gpk = :g AND gsk = :s", Limit=3,
            ExpressionAttributeValues={":g": {"S": "G"}, ":s": {"S": "3"}},
        )  # fmt: skip
        assert [item["sk"]["S"] for item in on_index["Items"]] == ["00003", "00010", "00017"]
        assert moto_index.SERVED["candidates"] - before == 6 + 4


def test_answers_carry_every_attribute_type_as_stored() -> None:
    """Attribute values go out as moto holds them (devstack/moto_fixes.py skips the shape walk); binaries still encoded."""
    moto_fixes.harden()
    item = {
        "pk": {"S": "P"}, "sk": {"S": "1"}, "n": {"N": "-1.5e3"}, "yes": {"BOOL": True}, "none": {"NULL": True},
        "words": {"SS": ["a", "b"]}, "numbers": {"NS": ["1", "2"]}, "blob": {"B": b"\x00\x01"},
        "nested": {"M": {"l": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"deep": {"BOOL": False}}}]}, "b": {"B": b"hi"}}},
    }  # fmt: skip
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        _table(db)
        db.put_item(TableName="t", Item=item)
        got = db.get_item(TableName="t", Key={"pk": {"S": "P"}, "sk": {"S": "1"}}, ConsistentRead=True)["Item"]
        queried = db.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "P"}})
    assert {**got, "words": {"SS": sorted(got["words"]["SS"])}, "numbers": {"NS": sorted(got["numbers"]["NS"])}} == item
    assert queried["Items"] == [got]
