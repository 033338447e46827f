"""The hardened moto: a cancelled transaction undoes only its own items; concurrent ADDs answer their own totals."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from devstack import moto_fixes


def _table(db: object) -> None:
    db.create_table(  # type: ignore[attr-defined]
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_concurrent_adds_each_answer_their_own_total() -> None:
    """An atomic counter hands out sequence numbers (the context ring's): no two callers may get the same one."""
    moto_fixes.harden()
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        _table(db)

        def add(_: int) -> int:
            answer = db.update_item(
                TableName="t",
                Key={"pk": {"S": "seq"}, "sk": {"S": "1"}},
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="UPDATED_NEW",
            )
            return int(answer["Attributes"]["n"]["N"])

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = sorted(pool.map(add, range(600)))
        assert answers == list(range(1, 601))


def test_a_cancelled_transaction_restores_only_what_it_touched() -> None:
    moto_fixes.harden()
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        _table(db)
        db.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}})
        db.put_item(TableName="t", Item={"pk": {"S": "other"}, "sk": {"S": "1"}, "n": {"N": "7"}})
        with pytest.raises(ClientError) as raised:
            db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}, "sk": {"S": "1"}}}},
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": {"pk": {"S": "other"}, "sk": {"S": "1"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]
        assert reasons == ["None", "None", "ConditionalCheckFailed"]
        items = {i["pk"]["S"]: i.get("n", {}).get("N") for i in db.scan(TableName="t")["Items"]}
        assert items == {"a": "1", "other": "7"}
