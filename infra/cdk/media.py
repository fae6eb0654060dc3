"""Buckets from the catalog, with what media needs: CloudFront with Origin Access Control in
front, lifecycle expiry of raw uploads, CORS for browser POSTs, S3 notifications to functions and
prefix-scoped grants.

Each ``catalog.Bucket`` becomes a ``CatalogBucket``: S3-managed encryption, every public access
blocked, TLS enforced, ACLs disabled (bucket owner enforced). With ``cdn`` a CloudFront
distribution reads it through OAC with an origin path of ``/media``: the distribution can only
ever ask for objects under ``media/`` (processed, metadata-free copies), never raw ``uploads/``.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import catalog
from infra.cdk.naming import pascal

CDN_PREFIX = "media/"  # what the distribution serves; settings.media_base_url maps onto it
BUCKET_READ = ("s3:GetObject",)
BUCKET_WRITE = ("s3:PutObject",)
BUCKET_DELETE = ("s3:DeleteObject",)
ASYNC_RETRIES = 2
_EVENTS = {
    "s3:ObjectCreated:*": s3.EventType.OBJECT_CREATED,
    "s3:ObjectCreated:Put": s3.EventType.OBJECT_CREATED_PUT,
    "s3:ObjectCreated:Post": s3.EventType.OBJECT_CREATED_POST,
    "s3:ObjectRemoved:*": s3.EventType.OBJECT_REMOVED,
}


class CatalogBucket(Construct):
    def __init__(self, scope: Construct, spec: catalog.Bucket, *, stage: str) -> None:
        super().__init__(scope, f"{pascal(spec.name)}Bucket")
        self.spec = spec
        lifecycle = [
            s3.LifecycleRule(
                id=f"expire-{prefix.strip('/')}",
                prefix=prefix,
                expiration=Duration.days(spec.expire_days),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
            for prefix in spec.expiring_prefixes
        ]
        if spec.infrequent_access_after_days:
            lifecycle.append(
                s3.LifecycleRule(
                    id="infrequent-access",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(spec.infrequent_access_after_days),
                        )
                    ],
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            )
        cors = None
        if spec.browser_uploads:
            # A presigned POST is signed for its key, type and size: the origin adds nothing to
            # what the policy already pins, and the web client may be served from anywhere.
            cors = [
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=["*"],
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ]
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            lifecycle_rules=lifecycle or None,
            cors=cors,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.distribution: cloudfront.Distribution | None = None
        if spec.cdn:
            # The origin gets the bucket by reference, so it cannot add its own grant on every
            # object (``bucket/*``); the narrower one below is the only way in.
            origin_bucket = s3.Bucket.from_bucket_attributes(
                self,
                "Origin",
                bucket_arn=self.bucket.bucket_arn,
                bucket_regional_domain_name=self.bucket.bucket_regional_domain_name,
            )
            self.distribution = cloudfront.Distribution(
                self,
                "Cdn",
                comment=f"warbler-{stage} {spec.name}",
                default_behavior=cloudfront.BehaviorOptions(
                    origin=origins.S3BucketOrigin.with_origin_access_control(
                        origin_bucket, origin_path="/" + CDN_PREFIX.strip("/")
                    ),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                    response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
                ),
                price_class=cloudfront.PriceClass.PRICE_CLASS_100,
                http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            )
            # OAC: only this distribution, only GetObject, only the processed copies.
            self.bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    actions=["s3:GetObject"],
                    principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                    resources=[self.bucket.arn_for_objects(f"{CDN_PREFIX}*")],
                    conditions={
                        "StringEquals": {
                            "AWS:SourceArn": f"arn:{Aws.PARTITION}:cloudfront::{Aws.ACCOUNT_ID}:distribution/"
                            f"{self.distribution.distribution_id}"
                        }
                    },
                )
            )

    @property
    def base_url(self) -> str | None:
        return f"https://{self.distribution.distribution_domain_name}" if self.distribution else None

    def environment(self, env_name) -> dict[str, str]:
        env = {env_name(f"{self.spec.name}_bucket"): self.bucket.bucket_name}
        if self.base_url is not None:
            env[env_name(f"{self.spec.name}_base_url")] = self.base_url
            env[env_name(f"{self.spec.name}_s3_addressing_style")] = "virtual"
        return env


def grant_bucket(fn: lambda_.Function, name: str, access: str, buckets: dict[str, CatalogBucket]) -> None:
    """``bucket:<name>/<prefix>``: GetObject, PutObject or DeleteObject on that prefix only.
    A read also lists the prefix, so a missing object answers 404 rather than 403."""
    bucket_name, _, prefix = name.partition("/")
    built = buckets.get(bucket_name)
    if built is None:
        raise ValueError(f"a function has a grant on bucket {bucket_name!r}, which the catalog does not declare")
    objects = [built.bucket.arn_for_objects(f"{prefix}*")]
    actions = {"read": BUCKET_READ, "write": BUCKET_WRITE, "readwrite": BUCKET_READ + BUCKET_WRITE}
    actions["delete"] = BUCKET_DELETE
    fn.add_to_role_policy(iam.PolicyStatement(actions=list(actions[access]), resources=objects))
    if access in ("read", "readwrite"):
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[built.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            )
        )


def add_bucket_sources(
    fn: lambda_.Function, spec: catalog.Function, buckets: dict[str, CatalogBucket], dlq: sqs.IQueue
) -> None:
    """S3 notifications to ``fn`` for each of its ``bucket_sources``; S3 invokes asynchronously,
    so failures are retried twice by Lambda and then parked in the shared failure queue."""
    if not spec.bucket_sources:
        return
    for source in spec.bucket_sources:
        built = buckets.get(source.bucket)
        if built is None:
            raise ValueError(f"{spec.name} is notified by bucket {source.bucket!r}, which the catalog does not declare")
        for event in source.events:
            built.bucket.add_event_notification(
                _EVENTS[event], s3n.LambdaDestination(fn), s3.NotificationKeyFilter(prefix=source.prefix)
            )
    fn.configure_async_invoke(
        retry_attempts=ASYNC_RETRIES,
        max_event_age=Duration.hours(6),
        on_failure=destinations.SqsDestination(dlq),
    )


def short_link_base_url(rest_api_id: str, stage: str, configured: str) -> str:
    """Where ``GET /s/{key}`` is served: a configured short domain, else the REST API's stage URL
    (assembled from the API's id, not its deployment, so functions can name it without a cycle)."""
    if configured:
        return configured.rstrip("/")
    return f"https://{rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/{stage}"
