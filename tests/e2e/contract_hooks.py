"""schemathesis hooks for the contract test (tests/e2e/test_contract_fuzz.py), loaded by the
``st`` process through ``SCHEMATHESIS_HOOKS``.

Every constraint JSON Schema can say is in the OpenAPI document. Three rules are not JSON Schema
and are kept out of the positive-data check here, each by the product's own code (never a copy):

- a tweet's text: at most 280 characters *as twitter-text weighs them* (each link 23, however
  long or short) and not blank (only whitespace, control or format characters) unless it
  carries media: ``warbler.text.parse_tweet_text`` decides which generated texts are valid;
- the tweet search language (quotes, ``from:``, ``since:``, at least one word; a malformed query
  is a 400 by design): ``warbler.search.query`` decides which generated queries are valid;
- a cursor is opaque and authenticated (HMAC, bound to its list and caller): no generated string
  can be one, so "invalid_cursor" (400) answering a *generated* cursor is the contract, not a
  failure. Real cursors reach the API through the ``next_cursor`` links of the stateful phase.

And one generator artefact: schemathesis draws strings for a ``pattern`` with Python's ``re``, where
``$`` also matches before a final newline ("alice\n" matches ``^[A-Za-z0-9_]{1,15}$``). JSON Schema
patterns are ECMA-262, where ``$`` is the end of the text, and pydantic agrees; such a string is
not schema-valid, so a positive case carrying one for a patterned field is dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

import schemathesis

from infra.functions import ensure_local_runtime

ensure_local_runtime()  # the st process: the layer on sys.path, as in every Warbler process

from warbler.errors import WarblerError  # noqa: E402
from warbler.search import query as search_query  # noqa: E402
from warbler.text import parse_tweet_text  # noqa: E402


def _positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def _patterned_fields() -> set[str]:
    """Every parameter and body property the committed document gives a ``pattern``."""
    document = json.loads((Path(__file__).parents[2] / "functions/http/openapi/openapi.json").read_text())
    names: set[str] = set()

    def walk(node, name=None):
        if isinstance(node, dict):
            if "pattern" in node and name:
                names.add(name)
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for prop, schema in value.items():
                        walk(schema, prop)
                elif key == "parameters" and isinstance(value, list):
                    for parameter in value:
                        walk(parameter.get("schema", {}), parameter.get("name"))
                else:
                    walk(value, name if key in ("items", "anyOf", "oneOf", "allOf") else None)
        elif isinstance(node, list):
            for item in node:
                walk(item, name)

    walk(document)
    return names


_PATTERNED = _patterned_fields()


def _strings(container) -> list[tuple[str, str]]:
    if not isinstance(container, dict):
        return []
    out = []
    for name, value in container.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                out.append((name, item))
    return out


@schemathesis.hook
def filter_case(context, case) -> bool:
    """Drop a positive case whose patterned field ends with the newline Python's "$" let in."""
    if not _positive(case):
        return True
    fields = _strings(case.path_parameters) + _strings(case.query) + _strings(case.body)
    return not any(name in _PATTERNED and value.endswith("\n") for name, value in fields)


@schemathesis.hook("filter_case").apply_to(method="POST", path="/tweets")
def tweet_text_twitter_text_accepts(context, case) -> bool:
    if not _positive(case) or not isinstance(case.body, dict) or not isinstance(case.body.get("text", ""), str):
        return True
    try:
        parse_tweet_text(case.body.get("text", ""), allow_empty=bool(case.body.get("media_ids")))
    except WarblerError:
        return False
    return True


@schemathesis.hook("filter_case").apply_to(method="GET", path="/search")
def query_the_search_language_accepts(context, case) -> bool:
    q = (case.query or {}).get("q")
    if not _positive(case) or not isinstance(q, str):
        return True
    try:
        if (case.query or {}).get("type") == "users":
            search_query.user_query(q)
        else:
            search_query.parse(q)
    except WarblerError:
        return False
    return True


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keep every failure but a positive case's generated cursor refused as invalid_cursor."""
    if getattr(failure, "code", None) != "ST202":  # RejectedPositiveData: the positive-data check
        return True
    if response.status_code != 400 or not (case.query or {}).get("cursor"):
        return True
    try:
        code = json.loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return True
    return code != "invalid_cursor"
