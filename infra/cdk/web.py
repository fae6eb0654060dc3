"""The web client on AWS: the Vite build in a private S3 bucket, served by CloudFront through
origin access control, with the security headers (strict Content-Security-Policy included)
from ``infra.catalog.WEB`` and a ``config.json`` naming this stack's APIs, written at deploy.

The REST API is also behind the distribution, at ``/api/*`` (a viewer-request function drops
the prefix; nothing is cached; every viewer header but Host is forwarded), so the app's calls
are same-origin: no CORS preflight on every request, and the CSP's ``connect-src`` needs only
``'self'``, the WebSocket API and the media bucket's regional endpoint (presigned upload forms
post there); ``img-src``/``media-src`` add the media distribution. The API's CORS still names
exactly this origin.

The bucket is never public: only this distribution may read it (OAC signs its requests and the
bucket policy names the distribution). Hashed assets are cached for a year; ``index.html`` and
``config.json`` revalidate, and a deploy invalidates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aws_cdk import Duration, NestedStack, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra import catalog
from infra.cdk.config import REPO_ROOT, DeployConfig

# The headers the typed CloudFront behaviour sets; every other header of WEB is a custom one.
_TYPED_HEADERS = {
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
}


def web_dist(config: DeployConfig) -> Path:
    path = Path(config.web_dist) if config.web_dist else REPO_ROOT / catalog.WEB.dist
    if not (path / "index.html").is_file():
        # Not papered over: deploying without the app would serve an empty bucket.
        raise FileNotFoundError(f"{path} has no index.html: build the web client first (`make web`)")
    return path


class WebClient(NestedStack):
    """A nested stack: the parent is near CloudFormation's 500 resources per stack, and this
    part (bucket, distribution, policies, the deployment function) stands apart cleanly; the
    parent passes the API ids in and reads ``origin`` back."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        rest_api: apigw.RestApi,
        websocket_api: apigwv2.WebSocketApi | None,
        websocket_stage: apigwv2.WebSocketStage | None,
        upload_urls: Sequence[str] = (),
        media_urls: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id, description=f"Warbler web client ({config.stage})")
        dist = web_dist(config)
        stack = Stack.of(self)
        # From the API ids alone (not their stage URLs): the functions' environment names this
        # distribution, so the distribution must not depend on anything that depends on them.
        api_domain = f"{rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"
        connect = (
            [f"wss://{websocket_api.api_id}.execute-api.{stack.region}.{stack.url_suffix}"] if websocket_api else []
        )
        headers = catalog.WEB.security_headers(*connect, *upload_urls, media_urls=media_urls)

        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=False,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.headers_policy = cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            comment="Warbler web client: CSP and security headers (infra.catalog.WEB)",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=headers["Content-Security-Policy"], override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.seconds(63072000),
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(header=name, value=value, override=True)
                    for name, value in headers.items()
                    if name not in _TYPED_HEADERS
                ]
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Warbler web client ({config.stage})",
            default_root_object="index.html",
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers_policy,
                compress=True,
            ),
            additional_behaviors={f"{catalog.WEB.api_path}/*": self._api_behavior(api_domain, config.stage)},
        )
        # The one origin the REST API's CORS allows (Settings.web_origin on every function).
        self.origin = f"https://{self.distribution.distribution_domain_name}"

        assets = s3deploy.BucketDeployment(
            self,
            "Assets",
            sources=[s3deploy.Source.asset(str(dist / "assets"))],
            destination_bucket=self.bucket,
            destination_key_prefix="assets/",
            # Content-hashed names: never changed, and old ones kept for tabs still on the old app.
            cache_control=[s3deploy.CacheControl.from_string("public, max-age=31536000, immutable")],
            prune=False,
        )
        config_json = {
            "api": f"{self.origin}{catalog.WEB.api_path}",
            "ws": websocket_stage.url if websocket_stage is not None else "",
        }
        entry = s3deploy.BucketDeployment(
            self,
            "Entry",
            sources=[
                s3deploy.Source.asset(str(dist), exclude=["assets", "assets/*"]),
                s3deploy.Source.json_data("config.json", config_json),
            ],
            destination_bucket=self.bucket,
            cache_control=[s3deploy.CacheControl.no_cache()],
            prune=False,
            distribution=self.distribution,
            distribution_paths=["/index.html", "/config.json"],
        )
        entry.node.add_dependency(assets)  # index.html never names an asset not yet uploaded

    def _api_behavior(self, api_domain: str, stage: str) -> cloudfront.BehaviorOptions:
        strip = cloudfront.Function(
            self,
            "StripApiPrefix",
            comment=f"{catalog.WEB.api_path}/x -> /x for the REST API origin",
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            code=cloudfront.FunctionCode.from_inline(STRIP_PREFIX_JS.replace("PREFIX", catalog.WEB.api_path)),
        )
        return cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin(
                api_domain, origin_path=f"/{stage}", protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY
            ),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            # Authorization, Idempotency-Key, Origin ...: everything the API reads, but Host.
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            function_associations=[
                cloudfront.FunctionAssociation(function=strip, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)
            ],
        )


STRIP_PREFIX_JS = """function handler(event) {
  var request = event.request;
  request.uri = request.uri.slice("PREFIX".length) || "/";
  return request;
}
"""
