"""Admin endpoints, for the Cognito group ``admins`` only (403 otherwise): the segment counts now,
and the stored daily and weekly reports."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from warbler import api
from warbler.analytics import report
from warbler.segments import lifecycle

app = api.make_app()


class SegmentCounts(BaseModel):
    """The five segments now (warbler.segments.rules), from counters kept as accounts cross."""

    famous: int = Field(ge=0, description="accounts with at least WARBLER_FAMOUS_THRESHOLD followers")
    live: int = Field(ge=0, description="accounts with an open WebSocket")
    active: int = Field(ge=0, description="accounts seen within WARBLER_PASSIVE_AFTER_SECONDS (to the hour)")
    passive: int = Field(ge=0, description="accounts neither active nor inactive")
    inactive: int = Field(ge=0, description="soft-deleted: not seen for WARBLER_INACTIVE_AFTER_SECONDS")
    accounts: int = Field(ge=0, description="every account (active + passive + inactive)")


class Report(BaseModel):
    """A stored report (warbler.analytics.report): its period, its figures, its segment counts."""

    kind: str = Field(description="daily or weekly")
    period: str = Field(description="2026-12-01 or 2026-W49")
    start: str
    end: str
    engine: str
    generated_at: str
    figures: dict[str, Any]
    segments: dict[str, int]
    charts: dict[str, str] = Field(default_factory=dict, description="chart name -> its PNG's key")
    html: str | None = Field(default=None, description="the HTML rendering's key")


def _ok(model: type[BaseModel]) -> dict[int, Any]:
    return {200: {"description": "OK", "content": {"application/json": {"model": model}}}}


@app.get("/admin/segments", summary="The segment counts now (admins only)", responses=_ok(SegmentCounts))
def segments():
    api.require_admin(app)
    return api.json_response(lifecycle.counts())


@app.get(
    "/admin/reports/<kind>/<period>",
    summary="A stored report: daily/2026-12-01 or weekly/2026-W49 (admins only)",
    responses=_ok(Report),
)
def stored_report(kind: str, period: str):
    api.require_admin(app)
    return api.json_response(report.stored(kind, period))


lambda_handler = api.rest_handler(app)
