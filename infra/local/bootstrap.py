"""Create the AWS resources of ``infra.catalog`` inside moto and return the handlers' environment.

The same catalog drives ``infra/cdk``; this is its local twin. Everything is idempotent: a
second run against the same moto finds the existing resources and returns the same values.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field

import boto3
from botocore.config import Config

from infra import catalog
from infra.functions import POWERTOOLS_ENV
from warbler.settings import Settings

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
USER_POOL_NAME = "warbler-local-users"
USER_POOL_CLIENT_NAME = "warbler-local-web"
LOCAL_REPORT_RECIPIENTS = "analytics@warbler.local"
ADMINS_GROUP = "admins"  # warbler.api.ADMINS_GROUP


def aws_env(endpoint_url: str, region: str = REGION) -> dict[str, str]:
    """What every boto3/PynamoDB client needs to talk to moto instead of AWS."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # Current botocore prefixes DynamoDB hosts with the account id, which moto cannot serve.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }


def powertools_env() -> dict[str, str]:
    return dict(POWERTOOLS_ENV)


# One session for every client we create: a fresh session re-reads the service models from disk
# (~0.3 s a client). Sessions are not thread-safe, clients are, hence the lock around creation.
_session = boto3.session.Session()
_session_lock = threading.Lock()


def aws_client(service: str, endpoint_url: str, region: str = REGION):
    """A boto3 client bound to moto explicitly, independent of ``os.environ``."""
    with _session_lock:
        return _session.client(
            service,
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=2, read_timeout=10),
        )


@dataclass
class Resources:
    """Names and ARNs of what ``bootstrap`` created, and the environment derived from them."""

    env: dict[str, str]
    table_names: dict[str, str] = field(default_factory=dict)  # catalog table name -> physical
    stream_names: dict[str, str] = field(default_factory=dict)  # catalog stream name -> physical
    table_stream_arns: dict[str, str] = field(default_factory=dict)  # catalog table name -> stream ARN
    kinesis_arns: dict[str, str] = field(default_factory=dict)  # catalog stream name -> ARN
    bucket_names: dict[str, str] = field(default_factory=dict)  # catalog bucket name -> physical
    dlq_url: str = ""
    dlq_arn: str = ""
    dead_url: str = ""  # what the redrive gave up on (catalog.REDRIVE_MAX_RECEIVES)
    user_pool_id: str = ""
    user_pool_client_id: str = ""


def _physical_names(settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    tables = {t.name: getattr(settings, f"{t.name}_table") for t in catalog.TABLES}
    streams = {s.name: getattr(settings, f"{s.name}_stream") for s in catalog.KINESIS_STREAMS}
    return tables, streams


def _create_table(ddb, physical: str, table: catalog.Table) -> None:
    key_names = [table.hash_key, *([table.range_key] if table.range_key else [])]
    for index in table.indexes:
        key_names += [index.hash_key, *([index.range_key] if index.range_key else [])]
    # Every key in this catalog is a string (ids are zero-padded snowflakes).
    attributes = [{"AttributeName": n, "AttributeType": "S"} for n in dict.fromkeys(key_names)]

    def key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
        schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        if range_key:
            schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
        return schema

    kwargs: dict = {
        "TableName": physical,
        "KeySchema": key_schema(table.hash_key, table.range_key),
        "AttributeDefinitions": attributes,
        "BillingMode": "PAY_PER_REQUEST",
    }
    if table.indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": i.name,
                "KeySchema": key_schema(i.hash_key, i.range_key),
                "Projection": {"ProjectionType": "KEYS_ONLY" if i.keys_only else "ALL"},
            }
            for i in table.indexes
        ]
    if table.stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ddb.create_table(**kwargs)
    if table.ttl_attribute:
        ddb.update_time_to_live(
            TableName=physical,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )


def _ensure_tables(ddb, names: dict[str, str], res: Resources) -> None:
    existing = set(ddb.get_paginator("list_tables").paginate().build_full_result().get("TableNames", []))
    for table in catalog.TABLES:
        physical = names[table.name]
        if physical not in existing:
            _create_table(ddb, physical, table)
        if table.stream:
            res.table_stream_arns[table.name] = ddb.describe_table(TableName=physical)["Table"]["LatestStreamArn"]


def _ensure_kinesis(kinesis, names: dict[str, str], res: Resources) -> None:
    existing = set(kinesis.list_streams().get("StreamNames", []))
    for stream in catalog.KINESIS_STREAMS:
        physical = names[stream.name]
        if physical not in existing:
            kinesis.create_stream(StreamName=physical, ShardCount=stream.shards)
        res.kinesis_arns[stream.name] = kinesis.describe_stream_summary(StreamName=physical)[
            "StreamDescriptionSummary"
        ]["StreamARN"]


def delivery_stream_name(spec: catalog.DeliveryStream, stage: str = "local") -> str:
    return f"warbler-{stage}-{spec.name}"


def _ensure_delivery_streams(firehose, res: Resources, stage: str) -> None:
    """Create (or find) each catalog delivery stream in moto, as CDK declares it."""
    existing = set(firehose.list_delivery_streams(Limit=100)["DeliveryStreamNames"])
    for spec in catalog.DELIVERY_STREAMS:
        name = delivery_stream_name(spec, stage)
        if name in existing:
            continue
        role = f"arn:aws:iam::{ACCOUNT_ID}:role/warbler-{stage}-firehose"
        firehose.create_delivery_stream(
            DeliveryStreamName=name,
            DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={"KinesisStreamARN": res.kinesis_arns[spec.source], "RoleARN": role},
            ExtendedS3DestinationConfiguration={
                "RoleARN": role,
                "BucketARN": f"arn:aws:s3:::{res.bucket_names[spec.bucket]}",
                "Prefix": f"{spec.prefix}dt=!{{partitionKeyFromQuery:dt}}/",
                "ErrorOutputPrefix": f"{spec.error_prefix}!{{firehose:error-output-type}}/",
                "BufferingHints": {"IntervalInSeconds": spec.buffer_seconds, "SizeInMBs": spec.buffer_mb},
                "CompressionFormat": "GZIP",
            },
        )


def _ensure_buckets(s3, settings: Settings, res: Resources) -> None:
    """The catalog's buckets with the CORS and lifecycle rules CDK gives them (moto stores the
    lifecycle but never runs it: locally nothing expires on its own)."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in catalog.BUCKETS:
        physical = getattr(settings, f"{bucket.name}_bucket")
        res.bucket_names[bucket.name] = physical
        if physical in existing:
            continue
        s3.create_bucket(Bucket=physical)
        if bucket.browser_uploads:
            s3.put_bucket_cors(
                Bucket=physical,
                CORSConfiguration={
                    "CORSRules": [{"AllowedMethods": ["POST", "GET"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"]}]
                },
            )
        if bucket.expiring_prefixes:
            s3.put_bucket_lifecycle_configuration(
                Bucket=physical,
                LifecycleConfiguration={
                    "Rules": [
                        {
                            "ID": f"expire-{prefix.strip('/')}",
                            "Filter": {"Prefix": prefix},
                            "Status": "Enabled",
                            "Expiration": {"Days": bucket.expire_days},
                        }
                        for prefix in bucket.expiring_prefixes
                    ]
                },
            )


def _ensure_user_pool(cognito, res: Resources) -> None:
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next((p["Id"] for p in pools if p["Name"] == USER_POOL_NAME), None)
    if pool_id is None:
        pool_id = cognito.create_user_pool(
            PoolName=USER_POOL_NAME,
            Policies={
                "PasswordPolicy": {
                    # The product rule is length only; Cognito (and moto) otherwise demand classes.
                    "MinimumLength": Settings.password_min_length,
                    "RequireUppercase": False,
                    "RequireLowercase": False,
                    "RequireNumbers": False,
                    "RequireSymbols": False,
                }
            },
            AutoVerifiedAttributes=["email"],
        )["UserPool"]["Id"]
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((c["ClientId"] for c in clients if c["ClientName"] == USER_POOL_CLIENT_NAME), None)
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=USER_POOL_CLIENT_NAME,
            GenerateSecret=False,
            ExplicitAuthFlows=[
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )["UserPoolClient"]["ClientId"]
    res.user_pool_id, res.user_pool_client_id = pool_id, client_id
    # The admin API's group (infra/cdk/identity.py creates it on AWS; make admin adds a user).
    with contextlib.suppress(cognito.exceptions.GroupExistsException):
        cognito.create_group(UserPoolId=pool_id, GroupName=ADMINS_GROUP, Description="Warbler admins")


def bootstrap(endpoint_url: str, *, redis_url: str, opensearch_url: str, websocket_endpoint: str = "") -> Resources:
    """Create (or find) every catalog resource in moto; return them with the handlers' env."""
    settings = Settings(aws_region=REGION)
    tables, streams = _physical_names(settings)
    res = Resources(env={}, table_names=tables, stream_names=streams)

    _ensure_tables(aws_client("dynamodb", endpoint_url), tables, res)
    _ensure_kinesis(aws_client("kinesis", endpoint_url), streams, res)
    sqs = aws_client("sqs", endpoint_url)
    res.dead_url = sqs.create_queue(QueueName=catalog.DEAD_LETTER_NAME)["QueueUrl"]  # idempotent in SQS
    dead_arn = sqs.get_queue_attributes(QueueUrl=res.dead_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(catalog.REDRIVE_MAX_RECEIVES)}
    res.dlq_url = sqs.create_queue(QueueName=catalog.DLQ_NAME, Attributes={"RedrivePolicy": json.dumps(policy)})[
        "QueueUrl"
    ]
    res.dlq_arn = sqs.get_queue_attributes(QueueUrl=res.dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    _ensure_user_pool(aws_client("cognito-idp", endpoint_url), res)
    _ensure_buckets(aws_client("s3", endpoint_url), settings, res)
    _ensure_delivery_streams(aws_client("firehose", endpoint_url), res, settings.stage)
    # SES sends only from verified identities (moto checks it too).
    aws_client("ses", endpoint_url).verify_email_identity(EmailAddress=settings.report_sender)

    env = {**aws_env(endpoint_url), **powertools_env()}
    values: dict[str, str] = {
        "stage": settings.stage,
        "aws_region": REGION,
        "user_pool_id": res.user_pool_id,
        "user_pool_client_id": res.user_pool_client_id,
        "redis_url": redis_url,
        "opensearch_url": opensearch_url,
        "websocket_endpoint": websocket_endpoint,
        "stream_failures_queue_url": res.dlq_url,
        # The redrive runs at will here (tests, drills every 5 s): a failed replay is visible at once.
        "redrive_retry_seconds": "0",
    }
    values.update({f"{name}_table": physical for name, physical in tables.items()})
    values.update({f"{name}_stream": physical for name, physical in streams.items()})
    values.update({f"{name}_bucket": physical for name, physical in res.bucket_names.items()})
    # Presigned forms point at moto by path (``http://127.0.0.1:<port>/<bucket>``); media URLs
    # are set by ``LocalStack`` to its CloudFront stand-in (``infra/local/media_cdn.py``).
    values["media_s3_addressing_style"] = "path"
    # Reports are mailed to moto's SES locally (read them at <moto>/moto-api/data.json, "ses").
    values["report_recipients"] = LOCAL_REPORT_RECIPIENTS
    env.update({Settings.env_name(k): v for k, v in values.items()})
    res.env = env
    return res


def issue_id_token(endpoint_url: str, user_pool_id: str, client_id: str, username: str, password: str) -> str:
    """A Cognito ID token for ``username`` (created, confirmed, with ``password`` if new).

    For tests and tooling that need a caller without going through the sign-up endpoint.
    """
    cognito = aws_client("cognito-idp", endpoint_url)
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(UserPoolId=user_pool_id, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=user_pool_id, Username=username, Password=password, Permanent=True)
    result = cognito.admin_initiate_auth(
        UserPoolId=user_pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return result["AuthenticationResult"]["IdToken"]
