"""The REST API's Lambda TOKEN authorizers, one per catalog function with an ``authorizer``, with API
Gateway's result cache (keyed by the ``Authorization`` header) set to its ``cache_seconds``."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from infra.cdk.functions import WarblerFunction
from infra.cdk.naming import pascal


def token_authorizers(
    scope: Construct,
    functions: list[WarblerFunction],
) -> dict[str, apigw.IAuthorizer]:
    """Authorizer name -> its construct, for the functions (of any catalog) that are authorizers."""
    out: dict[str, apigw.IAuthorizer] = {}
    for fn in functions:
        spec = fn.spec.authorizer
        if spec is None:
            continue
        out[spec.name] = apigw.TokenAuthorizer(
            scope,
            f"{pascal(spec.name)}Authorizer",
            handler=fn.function,
            identity_source=apigw.IdentitySource.header("Authorization"),
            results_cache_ttl=Duration.seconds(spec.cache_seconds),
            authorizer_name=f"{spec.name}-tokens",
        )
    return out
