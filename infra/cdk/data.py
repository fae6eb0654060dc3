"""DynamoDB tables, Kinesis streams and the stream-failure queue, from the catalog."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import catalog
from infra.cdk.naming import pascal

# Every key attribute in the PynamoDB models is a UnicodeAttribute (ids are zero-padded strings).
_KEY_TYPE = dynamodb.AttributeType.STRING


def _attribute(name: str | None) -> dynamodb.Attribute | None:
    return dynamodb.Attribute(name=name, type=_KEY_TYPE) if name else None


class DataStores(Construct):
    """Holds ``tables`` and ``streams`` keyed by catalog name, plus the shared ``dlq`` (the
    on-failure queue) and ``dead`` (what the redrive gave up on)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: tuple[catalog.Table, ...],
        streams: tuple[catalog.KinesisStream, ...],
        dlq_name: str,
        stage: str,
        kinesis_retention_hours: int = 168,
    ) -> None:
        super().__init__(scope, construct_id)
        self.specs = {t.name: t for t in tables}
        self.tables = {t.name: self._table(t) for t in tables}
        self.streams = {s.name: self._stream(s, kinesis_retention_hours) for s in streams}
        # What the redrive gave up on (catalog.REDRIVE_MAX_RECEIVES): kept for an operator.
        self.dead = sqs.Queue(
            self,
            pascal(catalog.DEAD_LETTER_NAME),
            queue_name=f"warbler-{stage}-{catalog.DEAD_LETTER_NAME}",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.dlq = sqs.Queue(
            self,
            pascal(dlq_name),
            queue_name=f"warbler-{stage}-{dlq_name}",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=catalog.REDRIVE_MAX_RECEIVES, queue=self.dead),
        )

    def _table(self, spec: catalog.Table) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            f"{pascal(spec.name)}Table",
            partition_key=_attribute(spec.hash_key),  # type: ignore[arg-type]
            sort_key=_attribute(spec.range_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if spec.stream else None,
            time_to_live_attribute=spec.ttl_attribute,
            # Every table is retained, the TTL'd idempotency table included: an orphaned empty
            # table costs nothing, a deleted one with data cannot be undone.
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.hash_key),  # type: ignore[arg-type]
                sort_key=_attribute(index.range_key),
                projection_type=dynamodb.ProjectionType.KEYS_ONLY if index.keys_only else dynamodb.ProjectionType.ALL,
            )
        return table

    def _stream(self, spec: catalog.KinesisStream, retention_hours: int) -> kinesis.Stream:
        return kinesis.Stream(
            self,
            f"{pascal(spec.name)}Stream",
            shard_count=spec.shards,
            stream_mode=kinesis.StreamMode.PROVISIONED,
            encryption=kinesis.StreamEncryption.MANAGED,
            retention_period=Duration.hours(retention_hours),
        )
