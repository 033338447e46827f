"""infra/ declares the table the code creates and expects, and a template CloudFormation accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from chalicelib.core.table import TableItem, table_schema
from chalicelib.scheduler.fanout import TASK_QUEUE_NAME

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"


def template() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE.read_text())


def declared_table() -> dict[str, Any]:
    return template()["Resources"]["Table"]["Properties"]


def _gsis(indexes: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {
        gsi.get("IndexName") or gsi["index_name"]: (
            tuple((k["AttributeName"], k["KeyType"]) for k in gsi.get("KeySchema") or gsi["key_schema"]),
            (gsi.get("Projection") or gsi["projection"])["ProjectionType"],
        )
        for gsi in indexes
    }


def test_the_template_declares_the_table_of_the_code() -> None:
    expected, table = table_schema(), declared_table()
    assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {
        (a["AttributeName"], a["AttributeType"]) for a in expected["attribute_definitions"]
    }
    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [
        (k["AttributeName"], k["KeyType"]) for k in expected["key_schema"]
    ]
    assert _gsis(table["GlobalSecondaryIndexes"]) == _gsis(expected["global_secondary_indexes"])
    assert table["TimeToLiveSpecification"] == {"AttributeName": TableItem.expires_at.attr_name, "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST" == TableItem.Meta.billing_mode


def test_the_table_created_locally_is_the_declared_one(aws: None) -> None:
    import boto3

    from chalicelib.core.settings import get_settings

    client = boto3.client("dynamodb", region_name="us-east-1")
    name = get_settings().table_name
    described = client.describe_table(TableName=name)["Table"]
    table = declared_table()
    assert described["KeySchema"] == table["KeySchema"]
    assert sorted(described["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        table["AttributeDefinitions"], key=lambda a: a["AttributeName"]
    )
    assert _gsis(described["GlobalSecondaryIndexes"]) == _gsis(table["GlobalSecondaryIndexes"])
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == table["TimeToLiveSpecification"]["AttributeName"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"


def test_the_task_queue_is_the_one_the_worker_subscribes_to() -> None:
    resources = template()["Resources"]
    assert resources["TaskQueue"]["Properties"]["QueueName"] == TASK_QUEUE_NAME
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["LEARNLOOP_TABLE_NAME"] == {"Ref": "Table"}
    assert variables["LEARNLOOP_TASK_QUEUE_URL"] == {"Ref": "TaskQueue"}
    assert "LEARNLOOP_ROOT_KEY" not in variables  # only its digest is deployed


def test_the_merged_template_passes_cfn_lint(tmp_path: Path) -> None:
    """Merge infra/ into the resources Chalice generates (as `chalice package --merge-template` does) and lint it."""
    from cfnlint.api import lint_all
    from chalice.package import TemplateDeepMerger

    generated = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "DefaultRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                        ],
                    },
                    "Policies": [],
                },
            },
            "RestAPI": {
                "Type": "AWS::Serverless::Api",
                "Properties": {
                    "StageName": "api",
                    "DefinitionBody": {"swagger": "2.0", "info": {"title": "learnloop", "version": "1"}, "paths": {}},
                },
            },
            "APIHandler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.11",
                    "Handler": "app.app",
                    "CodeUri": "./deployment.zip",
                    "Timeout": 60,
                    "Role": {"Fn::GetAtt": ["DefaultRole", "Arn"]},
                },
            },
        },
    }
    merged = TemplateDeepMerger().merge(template(), generated)
    path = tmp_path / "sam.yaml"
    path.write_text(yaml.safe_dump(merged))
    problems = [m for m in lint_all(path.read_text()) if m.rule.id.startswith("E")]
    assert problems == [], "\n".join(str(m) for m in problems)
