"""WebSocket API: ``$connect`` (verifies the ``?token=`` ID token; non-2xx refuses the
connection before it opens), ``$disconnect``, ``ping`` (answers a pong push) and ``$default``.

Mastodon streaming clients use the same API (``warbler.mastodon.streaming``): they connect with
an OAuth token instead of an ID token, and their ``subscribe``/``unsubscribe`` messages carry no
``action``, so they arrive on ``$default``.
"""

from __future__ import annotations

from warbler import live
from warbler.errors import InvalidInput, Unauthorized
from warbler.mastodon import streaming as mastodon_streaming
from warbler.observability import logger, tracer


def _token(event: dict) -> str | None:
    query = event.get("queryStringParameters") or {}
    if query.get("token"):
        return query["token"]
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    value = (headers.get("authorization") or "").strip()
    return value[7:].strip() if value[:7].lower() == "bearer " else value or None


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context) -> dict:
    ctx = event["requestContext"]
    route, connection_id = ctx["routeKey"], ctx["connectionId"]
    if route == "$connect":
        mastodon = mastodon_streaming.connect_request(event)
        try:
            if mastodon is not None:
                user_id = mastodon_streaming.connect(connection_id, mastodon)
                logger.info("mastodon streaming connected", extra={"connection_id": connection_id})
                # API Gateway echoes the subprotocol only when $connect names it.
                echo = {"Sec-WebSocket-Protocol": mastodon.protocol} if mastodon.protocol else {}
                return {"statusCode": 200, "headers": echo}
            user_id = live.connect(connection_id, _token(event))
        except Unauthorized as exc:
            logger.info("websocket connect refused", extra={"reason": str(exc)})
            return {"statusCode": 401, "body": "Unauthorized"}
        logger.info("websocket connected", extra={"connection_id": connection_id, "user_id": user_id})
        return {"statusCode": 200}
    if route == "$disconnect":
        live.disconnect(connection_id)
        return {"statusCode": 200}
    if route == "ping":
        live.pong(connection_id)
        return {"statusCode": 200}
    try:
        message = mastodon_streaming.client_message(event.get("body"))
        if message is not None:
            mastodon_streaming.handle(connection_id, message)
            return {"statusCode": 200}
    except (InvalidInput, Unauthorized) as exc:
        return {"statusCode": 400, "body": str(exc)}
    return {"statusCode": 400, "body": 'unknown action: send {"action": "ping"}'}
