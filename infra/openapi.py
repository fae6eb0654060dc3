"""Build the REST API's OpenAPI document by merging each REST function's own schema.

python -m infra.openapi            # writes functions/http/openapi/openapi.json
python -m infra.openapi --check    # exits 1 if the committed document is stale
"""

from __future__ import annotations

import json
import sys

from infra import catalog, functions

OUTPUT = functions.code_dir(catalog.function("openapi")) / "openapi.json"


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
        for path, operations in doc.get("paths", {}).items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(doc.get("components", {}).get("schemas", {}))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Warbler", "version": "1.0.0", "description": "A Twitter-style social network."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"cognito": []}],
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
