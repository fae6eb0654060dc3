"""``GET /s/{key}``: the short link redirect. Public (no token), answered from memory after the
first lookup of a key, and cacheable by a CDN: a key's target never changes. The click event is
queued and sent in the background, never waited for here."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from warbler import api
from warbler.links import service

app = api.make_app()


@app.get(
    "/s/<key>",
    summary="301 to the URL behind a short link; 404 for an unknown key",
    operation_id="followLink",
    status_code=301,
    responses={301: {"description": "The link's target", "headers": {"Location": {"schema": {"type": "string"}}}}},
)
def follow(key: str):
    link = service.redirect(key)
    return Response(status_code=301, headers={"Location": link.url, **service.REDIRECT_HEADERS}, body="")


lambda_handler = api.rest_handler(app)
