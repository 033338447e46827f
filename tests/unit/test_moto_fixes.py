"""The hardened moto: a cancelled transaction undoes only its own items."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from devstack import moto_fixes


def test_a_cancelled_transaction_restores_only_what_it_touched() -> None:
    moto_fixes.harden()
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
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
