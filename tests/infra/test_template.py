"""infra/ declares the table the code creates and expects, and a template CloudFormation accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from chalicelib.core.table import TableItem, table_schema
from chalicelib.scheduler.registry import all_tasks

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


def packaged(out: Path) -> dict[str, Any]:
    """`chalice package --stage dev --merge-template infra/template.yaml`, as `make package` runs it, minus the pip
    install of the dependencies (an empty deployment.zip): the SAM template exactly as it would be deployed."""
    import os
    import zipfile
    from unittest import mock

    from chalice.awsclient import TypedAWSClient
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.packager import LambdaDeploymentPackager
    from chalice.package import PackageOptions, create_app_packager

    def no_dependencies(self: Any, project_dir: str, python_version: str) -> str:
        path = out / "build" / "deployment.zip"
        path.parent.mkdir(parents=True, exist_ok=True)
        zipfile.ZipFile(path, "w").close()
        return str(path)

    root = TEMPLATE.parents[1]
    with mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": "us-east-1"}):
        factory = CLIFactory(project_dir=str(root))
        config = factory.create_config_obj(chalice_stage_name="dev")
        options = PackageOptions(TypedAWSClient(factory.create_botocore_session()))
        with mock.patch.object(LambdaDeploymentPackager, "create_deployment_package", no_dependencies):
            packager = create_app_packager(config, options, "cloudformation", "yaml", merge_template=str(TEMPLATE))
            packager.package_app(config, str(out / "dev"), "dev")
    return yaml.safe_load((out / "dev" / "sam.yaml").read_text())  # type: ignore[no-any-return]


def test_the_worker_subscribes_to_the_stacks_own_queue(tmp_path: Path) -> None:
    resources = packaged(tmp_path)["Resources"]
    assert "QueueName" not in resources["TaskQueue"]["Properties"]  # CloudFormation names it: stacks can share an account
    worker = resources["ScheduledTaskWorker"]
    assert worker["Type"] == "AWS::Serverless::Function"
    assert worker["Properties"]["Handler"] == "chalicelib.jobs.schedules.run_queued_task"
    event = worker["Properties"]["Events"]["ScheduledTaskWorkerSqsEventSource"]
    assert (event["Type"], event["Properties"]["Queue"]) == ("SQS", {"Fn::Sub": "${TaskQueue.Arn}"})
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["LEARNLOOP_TABLE_NAME"] == {"Ref": "Table"}
    assert variables["LEARNLOOP_TASK_QUEUE_URL"] == {"Ref": "TaskQueue"}
    assert "LEARNLOOP_ROOT_KEY" not in variables  # only its digest is deployed
    schedules = {
        name: r["Properties"]["Events"]
        for name, r in resources.items()
        if r.get("Type") == "AWS::Serverless::Function" and name not in ("ScheduledTaskWorker", "APIHandler", "CounterFolder")
    }
    assert len(schedules) == len(all_tasks()) and all(len(events) == 1 for events in schedules.values())


def test_the_counter_folder_reads_the_tables_stream_of_spill_items_only(tmp_path: Path) -> None:
    resources = packaged(tmp_path)["Resources"]
    assert resources["Table"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    folder = resources["CounterFolder"]["Properties"]
    assert folder["Handler"] == "chalicelib.jobs.streams.fold_spilled_counters"
    [event] = folder["Events"].values()
    assert event["Type"] == "DynamoDB" and event["Properties"]["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    [only] = event["Properties"]["FilterCriteria"]["Filters"]
    assert json.loads(only["Pattern"])["dynamodb"]["NewImage"]["kind"] == {"S": ["counter_spill"]}
    assert template()["Globals"]["Function"]["Environment"]["Variables"]["LEARNLOOP_COUNTER_FOLDING"] == "stream"


def test_the_packaged_template_passes_cfn_lint(tmp_path: Path) -> None:
    from cfnlint.api import lint_all

    text = yaml.safe_dump(packaged(tmp_path))
    problems = [m for m in lint_all(text) if m.rule.id.startswith("E")]
    assert problems == [], "\n".join(str(m) for m in problems)


def test_the_exports_lifecycle_rule_matches_the_exports_the_code_stores(tmp_path: Path, api: Any, tenant: Any) -> None:
    """The packaged bucket's rule `expire-exports` matches a real stored export: its key and its tags."""
    import boto3

    from chalicelib.analytics.export import RETENTION_TAG
    from chalicelib.core.settings import get_settings

    rules = packaged(tmp_path)["Resources"]["DataBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    rule = next(r for r in rules if r["Id"] == "expire-exports")
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == 1
    api.post("/v1/sessions", {"user_id": "u1", "category_key": "x", "input": "hello"}, key=tenant.app)
    with mock_env({"LEARNLOOP_EXPORT_INLINE_BYTES": "0"}):
        link = api.get("/v1/analytics/export?format=csv&days=1", key=tenant.admin).body
    bucket = get_settings().blob_bucket
    s3 = boto3.client("s3", region_name="us-east-1")
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"tenants/{tenant.id}/exports/")["Contents"]]
    assert link["location"].removeprefix(f"s3://{bucket}/") in stored and len(stored) == 2  # the export and its subjects
    for key in stored:
        tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}
        assert key.startswith(rule["Prefix"])
        assert {f["Key"]: f["Value"] for f in rule["TagFilters"]}.items() <= tags.items() == RETENTION_TAG.items()


def mock_env(values: dict[str, str]) -> Any:
    import os
    from unittest import mock

    return mock.patch.dict(os.environ, values)
