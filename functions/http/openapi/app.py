"""Serves the OpenAPI document of the whole REST API.

Each REST function describes its own routes (Powertools builds the schema from the handlers'
types); ``python -m infra.openapi`` merges them into ``openapi.json`` beside this file at build
time, and a test fails when the committed document is out of date."""

from __future__ import annotations

import json
from pathlib import Path

from warbler import api

app = api.make_app()
_DOCUMENT = json.loads((Path(__file__).parent / "openapi.json").read_text())


@app.get("/openapi.json", include_in_schema=False)
def document():
    return _DOCUMENT


lambda_handler = api.rest_handler(app)
