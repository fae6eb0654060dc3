"""Trending hashtags and topics, served from the ranking ``trends_ranker`` precomputes: a read
is one Redis GET, whatever the traffic."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from warbler import api, trends
from warbler import api_models as m
from warbler.settings import Settings

app = api.make_app()


@app.get(
    "/trends",
    summary="Trending hashtags or topics, highest score first (docs/trends.md)",
    operation_id="getTrends",
    responses={200: m.ok(m.Trends)},
)
def listing(
    kind: Annotated[Literal["hashtags", "topics"], Query(alias="type", description="hashtags or topics")] = "hashtags",
    limit: Annotated[
        int | None, Query(ge=1, le=Settings.trends_ranking_size, description=f"default {trends.DEFAULT_LIMIT}")
    ] = None,
):
    api.caller_id(app)
    return trends.top(kind, limit)


lambda_handler = api.rest_handler(app)
