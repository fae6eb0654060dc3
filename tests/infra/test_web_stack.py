"""The web client on AWS (infra/cdk/web.py): a private bucket behind CloudFront with OAC, the
catalog's security headers, the REST API behind the same distribution at /api/*, config.json
written at deploy, and CORS for exactly the distribution's origin."""

from __future__ import annotations

import json
from typing import Any

from cfn import function_id, resources

from infra import catalog
from infra.cdk.config import env_name


def one(template: dict[str, Any], type_: str, prefix: str = "") -> tuple[str, dict[str, Any]]:
    """The one resource of ``type_`` (under the construct ``prefix``, e.g. Web: media has its own)."""
    (item,) = [(k, v) for k, v in resources(template, type_).items() if k.startswith(prefix)]
    return item


def distribution_domain(template: dict[str, Any]) -> dict[str, Any]:
    """The distribution's domain as the parent stack sees it: an output of the web nested stack."""
    nested_id, _ = one(template, "AWS::CloudFormation::Stack", "Web")
    refs = [
        r
        for r in _get_atts(template["Resources"])
        if r[0] == nested_id and "Distribution" in r[1] and r[1].endswith("DomainName")
    ]
    assert refs, "the parent never reads the distribution's domain"
    return {"Fn::GetAtt": list(refs[0])}


def _get_atts(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        if "Fn::GetAtt" in value and isinstance(value["Fn::GetAtt"], list):
            return [tuple(value["Fn::GetAtt"])]  # type: ignore[list-item]
        return [x for v in value.values() for x in _get_atts(v)]
    if isinstance(value, list):
        return [x for v in value for x in _get_atts(v)]
    return []


def parameter_source(template: dict[str, Any], web_template: dict[str, Any], ref: dict[str, Any]) -> Any:
    """What the parent passes for a ``{"Ref": parameter}`` of the nested stack."""
    _, nested = one(template, "AWS::CloudFormation::Stack", "Web")
    assert ref["Ref"] in web_template.get("Parameters", {}), ref
    return nested["Properties"]["Parameters"][ref["Ref"]]


def test_the_bucket_is_private_and_readable_only_by_the_distribution(web_template) -> None:
    template = web_template
    bucket_id, bucket = one(template, "AWS::S3::Bucket")
    dist_id, _ = one(template, "AWS::CloudFront::Distribution")
    _, policy = one(template, "AWS::S3::BucketPolicy")

    block = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block[k] for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))
    (reader,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reader["Action"] == "s3:GetObject"
    assert {"Ref": dist_id} in json.loads(json.dumps(reader["Condition"]["StringEquals"]["AWS:SourceArn"]))["Fn::Join"][
        1
    ]
    assert len(resources(template, "AWS::CloudFront::OriginAccessControl")) == 1
    assert bucket_id


def test_the_distribution_forces_https_and_sends_the_security_headers(web_template) -> None:
    template = web_template
    _, dist = one(template, "AWS::CloudFront::Distribution")
    policy_id, policy = one(template, "AWS::CloudFront::ResponseHeadersPolicy")

    behavior = dist["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    assert dist["Properties"]["DistributionConfig"]["DefaultRootObject"] == "index.html"
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] == 63072000
    custom = {h["Header"]: h["Value"] for h in config["CustomHeadersConfig"]["Items"]}
    expected = catalog.WEB.security_headers("wss://ws")
    assert custom == {k: v for k, v in expected.items() if k in {"Permissions-Policy", "Cross-Origin-Opener-Policy"}}


def test_the_csp_is_the_catalogs_connecting_only_to_itself_this_stacks_websocket_api_and_media(
    template, web_template
) -> None:
    _, policy = one(web_template, "AWS::CloudFront::ResponseHeadersPolicy")
    ws_id, _ = one(template, "AWS::ApiGatewayV2::Api")
    media_bucket_id, _ = one(template, "AWS::S3::Bucket", "MediaBucket")
    media_cdn_id, _ = one(template, "AWS::CloudFront::Distribution", "MediaBucket")

    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    parts = csp["ContentSecurityPolicy"]["Fn::Join"][1]
    literal = "".join(p if isinstance(p, str) else "<x>" for p in parts)
    assert literal == catalog.WEB.content_security_policy(
        "wss://<x>.execute-api.<x>.<x>", "https://<x>", media_urls=["https://<x>"]
    )
    passed = [p for p in parts if isinstance(p, dict) and p.get("Ref") in web_template.get("Parameters", {})]
    # In order: img-src and media-src name the media distribution; connect-src the WebSocket API,
    # then the media bucket's regional endpoint (where presigned upload forms post).
    assert [parameter_source(template, web_template, ref) for ref in passed] == [
        {"Fn::GetAtt": [media_cdn_id, "DomainName"]},
        {"Fn::GetAtt": [media_cdn_id, "DomainName"]},
        {"Ref": ws_id},
        {"Fn::GetAtt": [media_bucket_id, "RegionalDomainName"]},
    ]
    assert "'unsafe-inline'" not in literal and "'unsafe-eval'" not in literal


def test_config_json_is_written_at_deploy_naming_the_api_under_the_app_and_the_websocket(web_template) -> None:
    template = web_template
    dist_id, _ = one(template, "AWS::CloudFront::Distribution")
    deployments = list(resources(template, "Custom::CDKBucketDeployment").values())

    markers = [m for d in deployments for m in d["Properties"].get("SourceMarkers", []) if m]
    (config,) = markers
    text = json.dumps(config)
    assert f'"Fn::GetAtt": ["{dist_id}", "DomainName"]' in text and f"{catalog.WEB.api_path}" in text
    assert "wss://" in text
    (entry,) = [d for d in deployments if d["Properties"].get("DistributionPaths")]
    assert set(entry["Properties"]["DistributionPaths"]) == {"/index.html", "/config.json"}


def test_the_rest_api_is_behind_the_distribution_uncached_with_the_prefix_stripped(template, web_template) -> None:
    _, dist = one(web_template, "AWS::CloudFront::Distribution")
    rest_id, _ = one(template, "AWS::ApiGateway::RestApi")
    fn_id, fn = one(web_template, "AWS::CloudFront::Function")

    config = dist["Properties"]["DistributionConfig"]
    (behavior,) = config["CacheBehaviors"]
    assert behavior["PathPattern"] == f"{catalog.WEB.api_path}/*"
    assert behavior["ViewerProtocolPolicy"] == "https-only"
    assert set(behavior["AllowedMethods"]) >= {"GET", "POST", "DELETE", "PATCH", "PUT", "OPTIONS"}
    assert behavior["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
    assert behavior["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AllViewerExceptHostHeader
    (association,) = behavior["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    assert association["FunctionARN"] == {"Fn::GetAtt": [fn_id, "FunctionARN"]}
    assert f'"{catalog.WEB.api_path}".length' in fn["Properties"]["FunctionCode"]
    origin = next(o for o in config["Origins"] if o["Id"] == behavior["TargetOriginId"])
    rest_ref = origin["DomainName"]["Fn::Join"][1][0]
    assert parameter_source(template, web_template, rest_ref) == {"Ref": rest_id}
    assert origin["OriginPath"] == "/dev"
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"


def test_every_http_function_allows_the_distributions_origin(template) -> None:
    origin = {"Fn::Join": ["", ["https://", distribution_domain(template)]]}

    for spec in catalog.FUNCTIONS:
        if not spec.routes:
            continue
        env = template["Resources"][function_id(template, spec.name)]["Properties"]["Environment"]["Variables"]
        assert env[env_name("web_origin")] == origin, spec.name
