"""The REST API (Cognito-authorized) and the WebSocket API, routed from the catalog."""

from __future__ import annotations

import json
from collections.abc import Callable

from aws_cdk import Duration, NestedStack, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import catalog
from infra.cdk.authorizers import token_authorizers
from infra.cdk.config import DeployConfig
from infra.cdk.functions import WarblerFunction
from infra.cdk.log_groups import retention
from infra.cdk.naming import pascal

# Errors API Gateway answers itself, in the same envelope the handlers use.
# MISSING_AUTHENTICATION_TOKEN is what API Gateway returns for an unknown path or method
# (routes needing a token get UNAUTHORIZED from the Cognito authorizer instead), so it is a 404.
GATEWAY_RESPONSES: tuple[tuple[apigw.ResponseType, str | None, str], ...] = (
    (apigw.ResponseType.UNAUTHORIZED, "401", "unauthorized"),
    (apigw.ResponseType.ACCESS_DENIED, "403", "forbidden"),
    (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "404", "not_found"),
    (apigw.ResponseType.RESOURCE_NOT_FOUND, "404", "not_found"),
    (apigw.ResponseType.THROTTLED, "429", "throttled"),
    (apigw.ResponseType.DEFAULT_4_XX, None, "bad_request"),
    (apigw.ResponseType.DEFAULT_5_XX, None, "internal_error"),
)


# One JSON object per request (CloudWatch Logs Insights parses it without a pattern).
_COMMON_ACCESS_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTimeEpoch",
    "status": "$context.status",
    "integrationLatency": "$context.integrationLatency",
    "error": "$context.error.message",
}
REST_ACCESS_LOG = {
    **_COMMON_ACCESS_FIELDS,
    "method": "$context.httpMethod",
    "path": "$context.path",
    "resource": "$context.resourcePath",
    "latency": "$context.responseLatency",
    "sub": "$context.authorizer.claims.sub",
    "wafResponse": "$context.wafResponseCode",
    "bytes": "$context.responseLength",
}
WEBSOCKET_ACCESS_LOG = {
    **_COMMON_ACCESS_FIELDS,
    "routeKey": "$context.routeKey",
    "eventType": "$context.eventType",
    "connectionId": "$context.connectionId",
}


def access_log_format(fields: dict[str, str]) -> str:
    return json.dumps(fields, separators=(",", ":"))


def error_template(code: str) -> str:
    # $context.error.messageString is already a quoted JSON string.
    return '{"error":{"code":' + json.dumps(code) + ',"message":$context.error.messageString}}'


def route_throttles(functions: list[WarblerFunction]) -> dict[str, apigw.MethodDeploymentOptions]:
    """Stage method settings for the catalog routes that declare a throttle of their own."""
    return {
        f"{route.path}/{route.method.upper()}": apigw.MethodDeploymentOptions(
            throttling_rate_limit=route.throttle.rate, throttling_burst_limit=route.throttle.burst
        )
        for fn in functions
        for route in fn.spec.routes
        if route.throttle is not None
    }


class RestApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: list[WarblerFunction],
        user_pool: cognito.IUserPool,
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=retention(config.log_retention_days), removal_policy=RemovalPolicy.DESTROY
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"warbler-{config.stage}",
            description="Warbler REST API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Multipart uploads (Mastodon's media) reach the function base64-encoded, unmangled.
            binary_media_types=list(catalog.BINARY_MEDIA_TYPES),
            # Logging needs the account's API Gateway CloudWatch role: one per account and region,
            # so one stack creates it (api_gateway_account_role) and keeps it on deletion.
            cloud_watch_role=config.api_gateway_account_role,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=config.stage,
                tracing_enabled=True,
                metrics_enabled=True,
                # Execution logs for errors only (never request/response bodies: passwords).
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(access_log_format(REST_ACCESS_LOG)),
                throttling_rate_limit=config.api_rate_limit,
                throttling_burst_limit=config.api_burst_limit,
                method_options=route_throttles(functions),
            ),
        )
        # The execution log group API Gateway would otherwise create with no retention.
        logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{self.api.rest_api_id}/{config.stage}",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.account = self.api.node.try_find_child("Account")
        # The stack exports the URL as RestApiUrl; drop the construct's auto-named duplicate.
        self.api.node.try_remove_child("Endpoint")
        self._cognito_authorizer: apigw.IAuthorizer | None = None
        # API Gateway's own errors (a 401 from an authorizer, a 429) are readable by any origin:
        # one set of gateway responses serves every path, a Mastodon client served elsewhere
        # must see its 401, and an error carries no data. The handlers' responses follow each
        # path's own rule (warbler.api.with_cors, warbler.mastodon.cors).
        self.gateway_responses = []
        for response_type, status, code in GATEWAY_RESPONSES:
            response = self.api.add_gateway_response(
                f"{pascal(response_type.response_type.lower())}Response",
                type=response_type,
                status_code=status,
                templates={"application/json": error_template(code)},
                response_headers={
                    "Access-Control-Allow-Origin": "'*'",
                    "Access-Control-Expose-Headers": f"'{','.join(catalog.WEB.cors_expose_headers)}'",
                },
            )
            self.gateway_responses.append(response)

        seen: dict[tuple[str, str], str] = {}
        native = [fn for fn in functions if any(r.authorizer == "cognito" for r in fn.spec.routes)]
        add_methods(self.api, native, {"cognito": lambda: self._cognito(user_pool)}, seen, "cognito")
        # Each Lambda authorizer's routes (the Mastodon edge's) in a stack of their own: this one
        # is near CloudFormation's 500 resources, and they stand apart cleanly (own paths, own
        # authorizer, open CORS); the stage's deployment waits for them and changes with them.
        self.route_stacks: list[AuthorizedRoutes] = []
        for spec in (fn.spec.authorizer for fn in functions if fn.spec.authorizer is not None):
            routes = AuthorizedRoutes(
                self, f"{pascal(spec.name)}Routes", api=self.api, functions=functions, name=spec.name, seen=seen
            )
            deployment = self.api.latest_deployment
            assert deployment is not None
            deployment.node.add_dependency(routes)
            deployment.add_to_logical_id(routes.description_for_deployment)
            self.route_stacks.append(routes)
        _disjoint_trees(functions)

    def _cognito(self, user_pool: cognito.IUserPool) -> apigw.IAuthorizer:
        if self._cognito_authorizer is None:
            self._cognito_authorizer = apigw.CognitoUserPoolsAuthorizer(
                self, "CognitoAuthorizer", cognito_user_pools=[user_pool]
            )
        return self._cognito_authorizer


def add_methods(
    api: apigw.IRestApi,
    functions: list[WarblerFunction],
    authorizers: dict[str, Callable[[], apigw.IAuthorizer]],
    seen: dict[tuple[str, str], str],
    authorizer: str,
) -> list[catalog.Route]:
    """A method for each of ``functions``' routes checked by ``authorizer`` (or public under it),
    integrated with its function; ``seen`` (method, path) -> function catches a route claimed twice."""
    added: list[catalog.Route] = []
    for fn in functions:
        routes = [r for r in fn.spec.routes if r.authorizer == authorizer]
        if not routes:
            continue
        # One permission per function (not per method) keeps the Lambda resource policy small.
        integration = apigw.LambdaIntegration(
            fn.function, proxy=True, scope_permission_to_method=False, allow_test_invoke=False
        )
        for route in routes:
            key = (route.method.upper(), route.path)
            if key in seen:
                raise ValueError(f"route {key} is claimed by {seen[key]} and {fn.spec.name}")
            seen[key] = fn.spec.name
            resource = api.root.resource_for_path(route.path)
            if not route.auth:
                resource.add_method(key[0], integration, authorization_type=apigw.AuthorizationType.NONE)
                added.append(route)
                continue
            if route.authorizer not in authorizers:
                raise ValueError(f"route {key} names authorizer {route.authorizer!r}, which has no function")
            resource.add_method(
                key[0],
                integration,
                authorizer=authorizers[route.authorizer](),
                authorization_type=(
                    apigw.AuthorizationType.COGNITO if route.authorizer == "cognito" else apigw.AuthorizationType.CUSTOM
                ),
            )
            added.append(route)
    return added


def _disjoint_trees(functions: list[WarblerFunction]) -> None:
    """Fail the synth if routes of two authorizers (so of two stacks) would both create the
    resource for one first path segment: API Gateway takes each path once."""
    owners: dict[str, set[str]] = {}
    for route in (r for fn in functions for r in fn.spec.routes):
        owners.setdefault(route.path.strip("/").split("/", 1)[0], set()).add(route.authorizer)
    shared = {segment: sorted(who) for segment, who in owners.items() if len(who) > 1}
    if shared:
        raise ValueError(f"route trees of different authorizers share first segments: {shared}")


class AuthorizedRoutes(NestedStack):
    """The routes behind one catalog Lambda authorizer: that authorizer (API Gateway's result
    cache set to its ``cache_seconds``), their resources and methods on the parent's REST API, and
    a CORS preflight (OPTIONS, a mock integration) on every path ``catalog.ANY_ORIGIN_CORS`` opens to
    any origin. The parent stage's deployment depends on this stack and folds
    ``description_for_deployment`` into its logical id, so a route change here redeploys the stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        functions: list[WarblerFunction],
        name: str,
        seen: dict[tuple[str, str], str],
    ) -> None:
        super().__init__(scope, construct_id, description=f"Warbler REST routes behind the {name} authorizer")
        imported = apigw.RestApi.from_rest_api_attributes(
            self, "Api", rest_api_id=api.rest_api_id, root_resource_id=api.rest_api_root_resource_id
        )
        authorizers = {k: (lambda a=a: a) for k, a in token_authorizers(self, functions).items() if k == name}
        routes = add_methods(imported, functions, authorizers, seen, name)
        cors = catalog.ANY_ORIGIN_CORS
        preflights = [p for p in cors.preflight_paths() if any(r.path == p for r in routes)]
        for path in preflights:
            imported.root.resource_for_path(path).add_cors_preflight(
                allow_origins=["*"],
                allow_methods=list(cors.allow_methods),
                allow_headers=list(cors.allow_headers),
                max_age=Duration.seconds(cors.max_age_seconds),
                status_code=204,
            )
        spec = catalog.authorizer(name)[0]
        self.description_for_deployment = {
            "routes": sorted(
                f"{r.method.upper()} {r.path} {r.auth} {seen[(r.method.upper(), r.path)]}" for r in routes
            ),
            "authorizer": [spec.name, spec.cache_seconds],
            "preflight": [preflights, list(cors.allow_methods), list(cors.allow_headers), cors.max_age_seconds],
        }


class WebSocketApi(Construct):
    """Created before the functions (their env needs the management endpoint); routes later.

    ``$connect`` has no API Gateway authorizer: WebSocket APIs can't use Cognito user-pool
    authorizers, and a Lambda REQUEST authorizer would be a second function (and cold start)
    doing what the ``$connect`` handler must do anyway, i.e. verify the ``?token=`` Cognito JWT
    and register the connection for that user. The handler rejects a bad token with 401, which
    refuses the upgrade.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name=f"warbler-{config.stage}-ws",
            route_selection_expression="$request.body.action",
        )
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=retention(config.log_retention_days), removal_policy=RemovalPolicy.DESTROY
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=config.stage,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=config.api_rate_limit, burst_limit=config.api_burst_limit),
        )
        stage = self.stage.node.default_child
        assert isinstance(stage, apigwv2.CfnStage)
        stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn, format=access_log_format(WEBSOCKET_ACCESS_LOG)
        )

    def depend_on_account(self, account: object) -> None:
        """Access logging fails to deploy until the account's API Gateway role is set."""
        if account is not None:
            self.stage.node.add_dependency(account)  # type: ignore[arg-type]

    def add_routes(self, functions: list[WarblerFunction]) -> None:
        seen: dict[str, str] = {}
        for fn in functions:
            for route_key in fn.spec.websocket_routes:
                if route_key in seen:
                    raise ValueError(f"WebSocket route {route_key} is claimed by {seen[route_key]} and {fn.spec.name}")
                seen[route_key] = fn.spec.name
                self.api.add_route(
                    route_key,
                    integration=integrations.WebSocketLambdaIntegration(
                        f"{pascal(fn.spec.name)}{pascal(route_key)}Integration", fn.function
                    ),
                )
