"""Trending hashtags and topics, served from the ranking ``trends_ranker`` precomputes: a read
is one Redis GET, whatever the traffic."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from warbler import api, trends

app = api.make_app()


@app.get("/trends", summary="Trending hashtags or topics, highest score first (docs/trends.md)")
def listing(
    kind: Annotated[str, Query(alias="type", description="hashtags or topics")] = trends.HASHTAGS,
    limit: Annotated[int | None, Query(description="1-50, default 10")] = None,
):
    api.caller_id(app)
    return trends.top(kind, limit)


lambda_handler = api.rest_handler(app)
