"""Build the REST API's OpenAPI document by merging each REST function's own schema.

python -m infra.openapi            # writes functions/http/openapi/openapi.json
python -m infra.openapi --check    # exits 1 if the committed document is stale
"""

from __future__ import annotations

import json
import sys

from infra import catalog, functions

OUTPUT = functions.code_dir(catalog.function("openapi")) / "openapi.json"


# The one error envelope every 4xx (and the gateway's own errors) answers with (warbler.api).
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
# What any operation may answer besides its success: the body screen (400, 413, 415), request
# validation (422), a missing thing (404), a conflicting write (409), a write limit (429).
ERRORS = {
    "400": "Malformed request (JSON, cursor, parameter)",
    "404": "No such resource",
    "409": "Conflicting change",
    "413": "Body too large",
    "415": "Body is not JSON",
    "422": "Invalid input",
    "429": "Write limit reached",
}
SECURED_ERRORS = {"401": "Missing or invalid token", "403": "Not allowed for this caller"}
PUBLIC_ERRORS = {"401": "Wrong credentials"}  # log-in


def _document(path: str, method: str, operation: dict, route: catalog.Route) -> None:
    """Security per operation (none on the public ones), every error status with the envelope."""
    operation["security"] = [{"cognito": []}] if route.auth else []
    responses = operation.setdefault("responses", {})
    errors = {**ERRORS, **(SECURED_ERRORS if route.auth else PUBLIC_ERRORS)}
    for status, description in errors.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }


def build() -> dict:
    paths: dict = {}
    schemas: dict = {}
    for fn in catalog.FUNCTIONS:
        if not fn.routes or fn.name == "openapi":
            continue
        if all(r.authorizer != "cognito" for r in fn.routes):
            continue  # the Mastodon-compatible edge: documented by Mastodon (docs/mastodon.md)
        app = functions.load(fn.name).app
        doc = json.loads(app.get_openapi_json_schema(title="Warbler", version="1.0.0"))
        routes = {(r.method.lower(), r.path): r for r in fn.routes}
        for path, operations in doc.get("paths", {}).items():
            for method, operation in operations.items():
                route = routes.get((method, path))
                if route is not None:
                    _document(path, method, operation, route)
            paths.setdefault(path, {}).update(operations)
        schemas.update(doc.get("components", {}).get("schemas", {}))
    schemas.pop("HTTPValidationError", None)  # our 422 is the envelope too
    schemas.pop("ValidationError", None)
    schemas.pop("ResponseValidationError", None)  # responses are not validated at run time (warbler.api_models)
    schemas["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {"title": "Warbler", "version": "1.0.0", "description": "A Twitter-style social network."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run `python -m infra.openapi`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
