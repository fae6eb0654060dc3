"""Admin endpoints (the Cognito group ``admins`` only): the stored daily and weekly reports."""

from __future__ import annotations

from warbler import api
from warbler.analytics import report

app = api.make_app()


@app.get(
    "/admin/reports/<kind>/<period>",
    summary="A stored report: daily/2026-12-01 or weekly/2026-W49 (admins only)",
)
def stored_report(kind: str, period: str):
    api.require_admin(app)
    return api.json_response(report.stored(kind, period))


lambda_handler = api.rest_handler(app)
