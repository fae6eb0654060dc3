"""Admin endpoints, for the Cognito group ``admins`` only (403 otherwise): the segment counts now,
and the stored daily and weekly reports."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path

from warbler import api
from warbler import api_models as m
from warbler.analytics import report
from warbler.segments import lifecycle

app = api.make_app()


@app.get(
    "/admin/segments",
    summary="The segment counts now (admins only)",
    operation_id="getSegments",
    responses={200: m.ok(m.SegmentCounts)},
)
def segments():
    api.require_admin(app)
    return api.json_response(lifecycle.counts())


@app.get(
    "/admin/reports/<kind>/<period>",
    summary="A stored report: daily/2026-12-01 or weekly/2026-W49 (admins only; 404 until it is written)",
    operation_id="getReport",
    responses={200: m.ok(m.Report)},
)
def stored_report(
    kind: Annotated[Literal["daily", "weekly"], Path(description="daily or weekly")],
    period: Annotated[
        str, Path(pattern=r"^(\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})$", description="2026-12-01 (daily) or 2026-W49 (weekly)")
    ],
):
    api.require_admin(app)
    return api.json_response(report.stored(kind, period))


lambda_handler = api.rest_handler(app)
