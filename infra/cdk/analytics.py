"""The analytics half: the Firehose delivery stream from the activity stream into the lake bucket,
the Glue table Athena reads, the Athena workgroup and its result bucket, and the report mail's
SES identity. From ``infra.catalog.DELIVERY_STREAMS``; the bucket itself is a catalog ``Bucket``
(built with the others by ``infra/cdk/media.py``: encryption, TLS, no public access, the transition
to infrequent access after 30 days); the lake's columns from ``warbler/analytics/lake.py`` (loaded
by path: the CDK app never imports the layer).

Least privilege: Firehose's role reads only its source stream and writes only its bucket and its
log stream; functions get ``bucket:analytics/<prefix>`` (media.grant_bucket), ``ses`` (SendEmail
from the report sender only) and ``athena`` (this workgroup, this database's table, the result
bucket) through ``grant_*``.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from aws_cdk import ArnFormat, Aws, Duration, NestedStack, RemovalPolicy, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from constructs import Construct

from infra import catalog
from infra.cdk.config import REPO_ROOT, DeployConfig, env_name
from infra.cdk.data import DataStores
from infra.cdk.identity import Identity
from infra.cdk.naming import pascal

_LAKE_FILE = REPO_ROOT / "layers" / "core" / "python" / "warbler" / "analytics" / "lake.py"
LAKE_TABLE = "activity"
PARTITIONS_FROM = "2026-01-01"  # partition projection's first day (Athena never lists S3 for them)

ATHENA_QUERY = (
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
    "athena:GetWorkGroup",
)
GLUE_READ = ("glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions")
RESULTS_ACCESS = (
    "s3:GetBucketLocation",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)


def _lake() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_warbler_lake_for_infra", _LAKE_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Analytics(NestedStack):
    """A nested stack: the lake's bucket is built into it (``WarblerStack``), then ``add_lake``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        data: DataStores,
        delivery_streams: tuple[catalog.DeliveryStream, ...] = catalog.DELIVERY_STREAMS,
    ) -> None:
        super().__init__(scope, construct_id, description=f"Warbler ({config.stage}) analytics lake and reports")
        self.config = config
        self._data = data
        self._delivery_streams = delivery_streams
        self.buckets: dict[str, s3.IBucket] = {}

    def add_lake(self, buckets: dict[str, s3.IBucket], identity: Identity) -> None:
        """Firehose into ``buckets`` (the catalog buckets built in this stack), Glue, Athena, SES,
        and the Cognito group the admin API (reports, segment counts) answers."""
        self.admins = cognito.CfnUserPoolGroup(
            self,
            "AdminsGroup",
            user_pool_id=identity.user_pool.user_pool_id,
            group_name="admins",  # warbler.api.ADMINS_GROUP
            description="Warbler admins: reports and segment counts",
        )
        config, data, delivery_streams = self.config, self._data, self._delivery_streams
        lake = _lake()
        self.buckets = buckets
        self.delivery_streams = {d.name: self._delivery_stream(d, data) for d in delivery_streams}

        # Athena: a database holding the lake table, a workgroup that enforces its result bucket.
        self.database_name = f"warbler_{config.stage}_analytics".replace("-", "_")
        self.workgroup_name = f"warbler-{config.stage}-analytics"
        self.results = s3.Bucket(
            self,
            "AthenaResults",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(7))],  # query results are disposable
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=False,
        )
        database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name, description="Warbler activity lake"
            ),
        )
        spec = next(iter(delivery_streams))
        lake_bucket = self.buckets[spec.bucket]
        location = f"s3://{lake_bucket.bucket_name}/{lake.LAKE_PREFIX}"
        self.table = glue.CfnTable(
            self,
            "ActivityTable",
            catalog_id=Aws.ACCOUNT_ID,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=LAKE_TABLE,
                table_type="EXTERNAL_TABLE",
                description="The activity events Firehose delivers, one JSON object a line, by day",
                parameters={
                    "classification": "json",
                    "compressionType": "gzip",
                    # Partition projection: Athena computes dt's partitions, no crawler, no MSCK.
                    "projection.enabled": "true",
                    "projection.dt.type": "date",
                    "projection.dt.format": "yyyy-MM-dd",
                    "projection.dt.range": f"{PARTITIONS_FROM},NOW",
                    "projection.dt.interval": "1",
                    "projection.dt.interval.unit": "DAYS",
                    "storage.location.template": f"{location}{lake.PARTITION_COLUMN}=${{dt}}/",
                },
                partition_keys=[glue.CfnTable.ColumnProperty(name=lake.PARTITION_COLUMN, type="string")],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=[glue.CfnTable.ColumnProperty(name=n, type=t) for n, t, _ in lake.LAKE_COLUMNS],
                    location=location,
                    input_format="org.apache.hadoop.mapred.TextInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library="org.openx.data.jsonserde.JsonSerDe",
                        parameters={"ignore.malformed.json": "true"},
                    ),
                ),
            ),
        )
        self.table.add_dependency(database)
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=self.workgroup_name,
            description="Warbler reports over the activity lake",
            state="ENABLED",
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=100 * 1024**3,  # a runaway query stops at 100 GB
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.results.bucket_name}/results/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                ),
            ),
        )

        # SES: the sender identity (its owner confirms it once; in the SES sandbox recipients too).
        self.sender = config.report_sender
        self.recipients = config.report_recipients
        ses.EmailIdentity(self, "ReportSender", identity=ses.Identity.email(self.sender))

    # -- resources ------------------------------------------------------------------------

    def _delivery_stream(self, spec: catalog.DeliveryStream, data: DataStores) -> firehose.CfnDeliveryStream:
        source = data.streams[spec.source]
        bucket = self.buckets[spec.bucket]
        name = f"warbler-{self.config.stage}-{spec.name}"
        log_group = logs.LogGroup(
            self,
            f"{pascal(spec.name)}Logs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        log_stream = logs.LogStream(self, f"{pascal(spec.name)}DeliveryLog", log_group=log_group)
        role = iam.Role(
            self,
            f"{pascal(spec.name)}Role",
            assumed_by=iam.ServicePrincipal(
                "firehose.amazonaws.com", conditions={"StringEquals": {"sts:ExternalId": Aws.ACCOUNT_ID}}
            ),
            description=f"Firehose {name}: read {spec.source}, write the {spec.bucket} bucket",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetShardIterator",
                    "kinesis:GetRecords",
                    "kinesis:ListShards",
                ],
                resources=[source.stream_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "s3:AbortMultipartUpload",
                    "s3:GetBucketLocation",
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                    "s3:PutObject",
                ],
                resources=[bucket.bucket_arn, bucket.arn_for_objects("*")],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:PutLogEvents"],
                resources=[
                    Stack.of(self).format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"{log_group.log_group_name}:log-stream:{log_stream.log_stream_name}",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        processor = firehose.CfnDeliveryStream.ProcessorProperty
        parameter = firehose.CfnDeliveryStream.ProcessorParameterProperty
        stream = firehose.CfnDeliveryStream(
            self,
            f"{pascal(spec.name)}DeliveryStream",
            delivery_stream_name=name,
            delivery_stream_type="KinesisStreamAsSource",
            kinesis_stream_source_configuration=firehose.CfnDeliveryStream.KinesisStreamSourceConfigurationProperty(
                kinesis_stream_arn=source.stream_arn, role_arn=role.role_arn
            ),
            extended_s3_destination_configuration=firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty(
                bucket_arn=bucket.bucket_arn,
                role_arn=role.role_arn,
                prefix=f"{spec.prefix}dt=!{{partitionKeyFromQuery:dt}}/",
                error_output_prefix=f"{spec.error_prefix}!{{firehose:error-output-type}}/dt=!{{timestamp:yyyy-MM-dd}}/",
                buffering_hints=firehose.CfnDeliveryStream.BufferingHintsProperty(
                    interval_in_seconds=spec.buffer_seconds, size_in_m_bs=spec.buffer_mb
                ),
                compression_format="GZIP",
                dynamic_partitioning_configuration=firehose.CfnDeliveryStream.DynamicPartitioningConfigurationProperty(
                    enabled=True,
                    retry_options=firehose.CfnDeliveryStream.RetryOptionsProperty(duration_in_seconds=300),
                ),
                processing_configuration=firehose.CfnDeliveryStream.ProcessingConfigurationProperty(
                    enabled=True,
                    processors=[
                        processor(
                            type="MetadataExtraction",
                            parameters=[
                                parameter(
                                    parameter_name="MetadataExtractionQuery",
                                    parameter_value=f"{{dt: .{spec.partition_field}[0:10]}}",
                                ),
                                parameter(parameter_name="JsonParsingEngine", parameter_value="JQ-1.6"),
                            ],
                        ),
                        processor(
                            type="AppendDelimiterToRecord",
                            parameters=[parameter(parameter_name="Delimiter", parameter_value="\\n")],
                        ),
                    ],
                ),
                cloud_watch_logging_options=firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty(
                    enabled=True, log_group_name=log_group.log_group_name, log_stream_name=log_stream.log_stream_name
                ),
            ),
        )
        stream.node.add_dependency(role)
        return stream

    # -- what functions get -----------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = {env_name("athena_workgroup"): self.workgroup_name}
        env[env_name("athena_database")] = self.database_name
        env[env_name("analytics_engine")] = self.config.analytics_engine
        env[env_name("report_sender")] = self.sender
        if self.recipients:
            env[env_name("report_recipients")] = self.recipients
        return env

    def grant_ses(self, fn: lambda_.Function) -> None:
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[Stack.of(self).format_arn(service="ses", resource="identity", resource_name="*")],
                conditions={"StringEquals": {"ses:FromAddress": self.sender}},
            )
        )

    def grant_athena(self, fn: lambda_.Function) -> None:
        stack = Stack.of(self)
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=list(ATHENA_QUERY),
                resources=[stack.format_arn(service="athena", resource="workgroup", resource_name=self.workgroup_name)],
            )
        )
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=list(GLUE_READ),
                resources=[
                    stack.format_arn(service="glue", resource="catalog"),
                    stack.format_arn(service="glue", resource="database", resource_name=self.database_name),
                    stack.format_arn(
                        service="glue", resource="table", resource_name=f"{self.database_name}/{LAKE_TABLE}"
                    ),
                ],
            )
        )
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=list(RESULTS_ACCESS), resources=[self.results.bucket_arn, self.results.arn_for_objects("*")]
            )
        )
