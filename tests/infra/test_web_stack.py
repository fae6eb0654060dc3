"""The web client on AWS (infra/cdk/web.py): a private bucket behind CloudFront with OAC, the
catalog's security headers, config.json written at deploy, and CORS for exactly its origin."""

from __future__ import annotations

import json
from typing import Any

from cfn import function_id, resources, rest_routes

from infra import catalog
from infra.cdk.config import env_name


def one(template: dict[str, Any], type_: str) -> tuple[str, dict[str, Any]]:
    (item,) = resources(template, type_).items()
    return item


def distribution_domain(template: dict[str, Any]) -> dict[str, Any]:
    logical, _ = one(template, "AWS::CloudFront::Distribution")
    return {"Fn::GetAtt": [logical, "DomainName"]}


def test_the_bucket_is_private_and_readable_only_by_the_distribution(template) -> None:
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


def test_the_distribution_forces_https_and_sends_the_security_headers(template) -> None:
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
    expected = catalog.WEB.security_headers("https://api", "wss://ws")
    assert custom == {k: v for k, v in expected.items() if k in {"Permissions-Policy", "Cross-Origin-Opener-Policy"}}


def test_the_csp_is_the_catalogs_with_exactly_this_stacks_two_apis(template) -> None:
    _, policy = one(template, "AWS::CloudFront::ResponseHeadersPolicy")
    rest_id, _ = one(template, "AWS::ApiGateway::RestApi")
    ws_id, _ = one(template, "AWS::ApiGatewayV2::Api")

    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    parts = csp["ContentSecurityPolicy"]["Fn::Join"][1]
    literal = "".join(p if isinstance(p, str) else "<x>" for p in parts)
    expected = catalog.WEB.content_security_policy("https://<x>.execute-api.<x>.<x>", "wss://<x>.execute-api.<x>.<x>")
    assert literal == expected
    assert {"Ref": rest_id} in parts and {"Ref": ws_id} in parts
    assert "'unsafe-inline'" not in literal and "'unsafe-eval'" not in literal


def test_config_json_is_written_at_deploy_with_the_rest_and_websocket_urls(template) -> None:
    rest_id, _ = one(template, "AWS::ApiGateway::RestApi")
    ws_id, _ = one(template, "AWS::ApiGatewayV2::Api")
    deployments = resources(template, "Custom::CDKBucketDeployment").values()

    markers = [m for d in deployments for m in d["Properties"].get("SourceMarkers", []) if m]
    (config,) = markers
    text = json.dumps(config)
    assert f'{{"Ref": "{rest_id}"}}' in text and f'{{"Ref": "{ws_id}"}}' in text
    assert any("invalidat" in k.lower() or k == "DistributionPaths" for d in deployments for k in d["Properties"])


def test_every_route_has_a_preflight_allowing_exactly_the_distribution(template) -> None:
    preflights = rest_routes(template, preflights=True)
    origin = {"Fn::Join": ["", ["'https://", distribution_domain(template), "'"]]}

    paths = {path for _, path in rest_routes(template)}
    assert {path for _, path in preflights} == paths
    for method in preflights.values():
        assert method["AuthorizationType"] == "NONE"
        (response,) = method["Integration"]["IntegrationResponses"]
        params = response["ResponseParameters"]
        assert params["method.response.header.Access-Control-Allow-Origin"] == origin
        allowed = params["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",")
        assert set(allowed) == set(catalog.WEB.cors_allow_headers)


def test_gateway_errors_carry_the_allowed_origin(template) -> None:
    origin = {"Fn::Join": ["", ["'https://", distribution_domain(template), "'"]]}

    for response in resources(template, "AWS::ApiGateway::GatewayResponse").values():
        params = response["Properties"]["ResponseParameters"]
        assert params["gatewayresponse.header.Access-Control-Allow-Origin"] == origin


def test_every_http_function_allows_the_distributions_origin(template) -> None:
    origin = {"Fn::Join": ["", ["https://", distribution_domain(template)]]}

    for spec in catalog.FUNCTIONS:
        if not spec.routes:
            continue
        env = template["Resources"][function_id(template, spec.name)]["Properties"]["Environment"]["Variables"]
        assert env[env_name("web_origin")] == origin, spec.name
