"""The analytics nested stack (infra/cdk/analytics.py): Firehose from the activity stream into the
lake bucket, the bucket, the Glue table with partition projection, the Athena workgroup, SES, the
admins group; and in the parent stack the report schedule and least privilege around all of them.
The parent names the nested stack's resources through its outputs, named after them."""

from __future__ import annotations

import json
from typing import Any

from cfn import actions_on, function_id, function_props, logical_id, resources, role_statements, stream_id

from infra import catalog
from infra.cdk.analytics import _lake
from infra.cdk.config import Settings, env_name

LAKE = catalog.DELIVERY_STREAMS[0]


def _one(template: dict[str, Any], type_: str) -> dict[str, Any]:
    (found,) = resources(template, type_).values()
    return found["Properties"]


def _bucket_id(template: dict[str, Any]) -> str:
    return logical_id(template, "AnalyticsBucket", "AWS::S3::Bucket")


def _names_lake_bucket(fragment: Any) -> bool:
    """Whether a parent-stack fragment refers to the lake bucket (a nested-stack output named after it)."""
    return "AnalyticsBucket" in json.dumps(fragment)


def test_catalog_buckets_have_settings_fields() -> None:
    assert {f"{b.name}_bucket" for b in catalog.BUCKETS} <= set(Settings.__dataclass_fields__)


def _parameter_source(template: dict[str, Any], ref: dict[str, Any]) -> Any:
    """What the parent passes for a ``{"Ref": parameter}`` of the analytics nested stack."""
    nested = logical_id(template, "AnalyticsNestedStackAnalyticsNestedStackResource", "AWS::CloudFormation::Stack")
    return template["Resources"][nested]["Properties"]["Parameters"][ref["Ref"]]


def test_firehose_reads_the_activity_stream_into_day_partitions_gzipped(
    template: dict[str, Any], analytics_template: dict[str, Any]
) -> None:
    props = _one(analytics_template, "AWS::KinesisFirehose::DeliveryStream")
    s3 = props["ExtendedS3DestinationConfiguration"]

    assert props["DeliveryStreamType"] == "KinesisStreamAsSource"
    source = props["KinesisStreamSourceConfiguration"]["KinesisStreamARN"]
    assert _parameter_source(template, source) == {"Fn::GetAtt": [stream_id(template, LAKE.source), "Arn"]}
    assert s3["BucketARN"] == {"Fn::GetAtt": [_bucket_id(analytics_template), "Arn"]}
    assert s3["Prefix"] == "activity/dt=!{partitionKeyFromQuery:dt}/"
    assert s3["ErrorOutputPrefix"].startswith("errors/!{firehose:error-output-type}/")
    assert s3["BufferingHints"] == {"IntervalInSeconds": 300, "SizeInMBs": 128}
    assert s3["CompressionFormat"] == "GZIP"
    assert s3["DynamicPartitioningConfiguration"]["Enabled"] is True
    processors = {
        p["Type"]: {x["ParameterName"]: x["ParameterValue"] for x in p["Parameters"]}
        for p in s3["ProcessingConfiguration"]["Processors"]
    }
    assert processors["MetadataExtraction"]["MetadataExtractionQuery"] == "{dt: .at[0:10]}"
    assert processors["AppendDelimiterToRecord"]["Delimiter"] == "\\n"
    assert s3["CloudWatchLoggingOptions"]["Enabled"] is True


def test_firehose_role_reads_only_its_stream_and_writes_only_the_lake(
    template: dict[str, Any], analytics_template: dict[str, Any]
) -> None:
    props = _one(analytics_template, "AWS::KinesisFirehose::DeliveryStream")
    role = props["KinesisStreamSourceConfiguration"]["RoleARN"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in resources(analytics_template, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    kinesis = next(s for s in statements if "kinesis:GetRecords" in s["Action"])
    assert _parameter_source(template, kinesis["Resource"]) == {"Fn::GetAtt": [stream_id(template, LAKE.source), "Arn"]}
    assert _bucket_id(analytics_template) in json.dumps(statements)
    assert all("*" not in (s["Action"] if isinstance(s["Action"], str) else "".join(s["Action"])) for s in statements)
    assert not any(s["Resource"] == "*" for s in statements)


def test_lake_bucket_is_encrypted_private_retained_and_moves_to_ia_after_30_days(
    analytics_template: dict[str, Any],
) -> None:
    bucket = analytics_template["Resources"][_bucket_id(analytics_template)]
    props = bucket["Properties"]

    assert bucket["DeletionPolicy"] == "Retain"
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse["SSEAlgorithm"] == "AES256"
    assert all(props["PublicAccessBlockConfiguration"].values())
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["Transitions"] == [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}]
    assert "ExpirationInDays" not in rule  # nothing in the lake expires


def test_glue_table_projects_day_partitions_over_the_lake_columns(analytics_template: dict[str, Any]) -> None:
    table = _one(analytics_template, "AWS::Glue::Table")["TableInput"]
    params = table["Parameters"]

    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        (n, t) for n, t, _ in _lake().LAKE_COLUMNS
    ]
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert params["projection.enabled"] == "true"
    assert (params["projection.dt.type"], params["projection.dt.format"]) == ("date", "yyyy-MM-dd")
    assert params["projection.dt.range"].endswith(",NOW")
    assert "activity/dt=${dt}/" in json.dumps(params["storage.location.template"])


def test_athena_workgroup_enforces_an_encrypted_result_bucket(analytics_template: dict[str, Any]) -> None:
    config = _one(analytics_template, "AWS::Athena::WorkGroup")["WorkGroupConfiguration"]
    results = logical_id(analytics_template, "AthenaResults", "AWS::S3::Bucket")

    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["ResultConfiguration"]["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert results in json.dumps(config["ResultConfiguration"]["OutputLocation"])
    assert config["BytesScannedCutoffPerQuery"] > 0


def test_report_runs_daily_at_00_30_utc_with_the_lake_athena_and_ses(template: dict[str, Any]) -> None:
    fn = function_id(template, "analytics_report")
    (rule,) = [
        r["Properties"]
        for r in resources(template, "AWS::Events::Rule").values()
        if r["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [fn, "Arn"]}
    ]
    env = function_props(template, "analytics_report")["Environment"]["Variables"]

    assert rule["ScheduleExpression"] == "cron(30 0 * * ? *)"
    assert _names_lake_bucket(env[env_name("analytics_bucket")])
    assert env[env_name("analytics_engine")] == "duckdb"
    assert {env_name("athena_workgroup"), env_name("athena_database"), env_name("report_sender")} <= set(env)
    assert "athena:StartQueryExecution" in actions_on(template, "analytics_report")
    assert "ses:SendEmail" in actions_on(template, "analytics_report")


def test_report_writes_reports_never_the_lake_and_mails_only_from_the_sender(template: dict[str, Any]) -> None:
    statements = role_statements(template, "analytics_report")
    on_lake = [s for s in statements if _names_lake_bucket(s["Resource"])]
    puts = [s for s in on_lake if "s3:PutObject" in s["Action"]]
    reads = [s for s in on_lake if "s3:GetObject" in s["Action"]]
    mail = next(s for s in statements if "ses:SendEmail" in s["Action"])
    athena = next(s for s in statements if "athena:StartQueryExecution" in s["Action"])

    assert len(puts) == 1 and json.dumps(puts[0]["Resource"]).endswith('/reports/*"]]}')
    assert sorted("/activity/*" in json.dumps(s["Resource"]) for s in reads) == [False, True]  # lake + reports
    assert mail["Condition"] == {"StringEquals": {"ses:FromAddress": "reports@warbler.example"}}
    assert "workgroup/warbler-dev-analytics" in json.dumps(athena["Resource"])


def test_admin_reads_reports_and_nothing_else(template: dict[str, Any]) -> None:
    """Reports from S3; the segment counters from Redis (its AUTH token from Secrets Manager)."""
    actions = actions_on(template, "admin")
    assert actions <= {
        "s3:GetObject",
        "s3:ListBucket",
        "secretsmanager:GetSecretValue",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert "s3:GetObject" in actions


def test_segmenter_writes_only_the_segment_snapshots_and_the_users_table(template: dict[str, Any]) -> None:
    actions = actions_on(template, "segmenter")
    assert "s3:PutObject" in actions and "dynamodb:Query" in actions and "dynamodb:UpdateItem" in actions
    assert not any(a in actions for a in ("dynamodb:Scan", "s3:DeleteObject", "s3:GetObject"))
    statements = role_statements(template, "segmenter")
    puts = [st for st in statements if "s3:PutObject" in json.dumps(st["Action"])]
    assert puts and all("reports/segments/*" in json.dumps(st["Resource"]) for st in puts)


def test_admins_group_and_report_sender_identity_exist(analytics_template: dict[str, Any]) -> None:
    assert _one(analytics_template, "AWS::Cognito::UserPoolGroup")["GroupName"] == "admins"
    assert _one(analytics_template, "AWS::SES::EmailIdentity")["EmailIdentity"] == "reports@warbler.example"
