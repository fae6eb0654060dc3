"""The media bucket, its CDN, its S3 notification and the media/link grants in the template."""

from __future__ import annotations

import json
from typing import Any

from cfn import actions_on, function_id, function_props, logical_id, references, resources, role_statements, table_id

from infra import catalog
from infra.cdk.config import env_name


def _bucket(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    logical = logical_id(template, "MediaBucket", "AWS::S3::Bucket")
    return logical, template["Resources"][logical]["Properties"]


def _s3_actions(template: dict[str, Any], function: str) -> dict[str, set[str]]:
    """S3 action -> the object prefixes (or "bucket") the function's role allows it on."""
    found: dict[str, set[str]] = {}
    for statement in role_statements(template, function):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        text = json.dumps(statement["Resource"])
        where = {p for p in ("/uploads/*", "/media/*") if p in text} or {"bucket"}
        for action in actions:
            if action.startswith("s3:"):
                found.setdefault(action, set()).update(where)
    return found


def test_the_media_bucket_is_encrypted_private_and_expires_raw_uploads(template):
    _, props = _bucket(template)

    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert (rule["Prefix"], rule["ExpirationInDays"], rule["Status"]) == ("uploads/", 1, "Enabled")
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedMethods"] == ["POST"]


def test_cloudfront_reads_only_processed_media_through_origin_access_control(template):
    bucket, _ = _bucket(template)
    (distribution_id,) = resources(template, "AWS::CloudFront::Distribution")
    config = template["Resources"][distribution_id]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]

    assert origin["OriginPath"] == "/media"
    assert references(
        origin["OriginAccessControlId"],
        logical_id(template, "MediaBucketCdnOrigin1S3OriginAccessControl", "AWS::CloudFront::OriginAccessControl"),
    )
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultCacheBehavior"]["AllowedMethods"] == ["GET", "HEAD"]
    (policy,) = [p for p in resources(template, "AWS::S3::BucketPolicy").values() if references(p, bucket)]
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    (grant,) = allows  # nobody else is allowed in by the bucket policy
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"} and grant["Action"] == "s3:GetObject"
    assert "/media/*" in json.dumps(grant["Resource"]) and references(grant["Condition"], distribution_id)


def test_uploads_notify_the_media_processor_which_retries_into_the_failure_queue(template):
    (notification,) = resources(template, "Custom::S3BucketNotifications").values()
    (target,) = notification["Properties"]["NotificationConfiguration"]["LambdaFunctionConfigurations"]

    assert references(target["LambdaFunctionArn"], function_id(template, "media_processor"))
    assert target["Events"] == ["s3:ObjectCreated:*"]
    assert target["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "uploads/"}]
    (invoke,) = resources(template, "AWS::Lambda::EventInvokeConfig").values()
    assert references(invoke["Properties"]["FunctionName"], function_id(template, "media_processor"))
    assert invoke["Properties"]["MaximumRetryAttempts"] == 2
    assert "DataStreamFailures" in json.dumps(invoke["Properties"]["DestinationConfig"])


def test_s3_grants_are_least_privilege(template):
    # The presigned POST is authorised by the media function's role: PutObject on uploads/ only;
    # the Mastodon upload puts the file it was sent where that POST would have.
    assert _s3_actions(template, "media") == {"s3:PutObject": {"/uploads/*"}}
    assert _s3_actions(template, "mastodon_media") == {"s3:PutObject": {"/uploads/*"}}
    # Only the processor reads uploads and writes processed objects.
    assert _s3_actions(template, "media_processor") == {
        "s3:GetObject": {"/uploads/*"},
        "s3:ListBucket": {"bucket"},
        "s3:DeleteObject": {"/uploads/*"},
        "s3:PutObject": {"/media/*"},
    }
    assert _s3_actions(template, "media_cleanup") == {"s3:DeleteObject": {"/uploads/*", "/media/*"}}
    # The analytics bucket's readers (tests/infra/test_cdk_analytics.py) touch no media object.
    media = logical_id(template, "MediaBucket", "AWS::S3::Bucket")
    writers = {"media", "mastodon_media", "media_processor", "media_cleanup"}
    others = [f.name for f in catalog.FUNCTIONS if f.name not in writers]
    assert all(not references(role_statements(template, name), media) for name in others)


def test_media_and_link_tables_and_their_environment(template):
    media = template["Resources"][table_id(template, "media")]["Properties"]
    assert media["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert media["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    for name in ("links", "kgs"):
        assert template["Resources"][table_id(template, name)]["Properties"]["KeySchema"]
    assert "dynamodb:UpdateItem" not in actions_on(template, "links", table_id(template, "links"))

    env = function_props(template, "tweets")["Environment"]["Variables"]
    (distribution_id,) = resources(template, "AWS::CloudFront::Distribution")
    assert references(env[env_name("media_base_url")], distribution_id)
    assert references(env[env_name("short_link_base_url")], logical_id(template, "RestApi", "AWS::ApiGateway::RestApi"))
    assert env[env_name("media_s3_addressing_style")] == "virtual"
