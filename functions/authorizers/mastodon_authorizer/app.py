"""The Lambda TOKEN authorizer of the Mastodon routes.

API Gateway calls it with the ``Authorization`` header and caches the answer per token
(``catalog.AUTHORIZERS``), so the policy allows every Mastodon route of the stage: which
scopes a route needs is checked by the function behind it (``warbler.mastodon.edge.caller``),
from the scopes passed on here as context. Raising ``Exception("Unauthorized")`` is how a
TOKEN authorizer says 401.
"""

from __future__ import annotations

from typing import Any

from warbler.errors import Unauthorized
from warbler.mastodon import oauth
from warbler.observability import logger


def _any_route_of(method_arn: str) -> str:
    # arn:aws:execute-api:region:account:api-id/stage/METHOD/path -> .../stage/*/*
    head, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{head}/{stage}/*/*"


@logger.inject_lambda_context
def lambda_handler(event: dict, context: Any) -> dict:
    try:
        caller = oauth.verify(event.get("authorizationToken"))
    except Unauthorized:
        raise Exception("Unauthorized") from None  # noqa: TRY002 - the exact exception API Gateway expects
    return {
        "principalId": caller.user_id or f"app:{caller.client_id}",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _any_route_of(event["methodArn"])}
            ],
        },
        "context": {
            "user_id": caller.user_id or "",
            "client_id": caller.client_id,
            "scopes": " ".join(caller.scopes),
            "token_hash": caller.token_hash,
        },
    }
