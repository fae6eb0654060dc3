"""The REST resolver keeps each request's event, Lambda context and resolution context per
thread: the local gateways run concurrent requests on threads of one process (Lambda never
does), where Powertools' process-wide event would hand a handler another request's caller."""

from __future__ import annotations

import json
import threading
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from warbler import api

REQUESTS = 40


def _concurrent_answers(app) -> list[bool]:
    # Every handler reads its event, waits until all requests are inside their handlers (so every
    # event has been set), then reads it again: a process-wide event has been overwritten by then.
    all_inside = threading.Barrier(REQUESTS, timeout=30)

    @app.get("/who/<name>")
    def who(name: str):
        first = app.current_event.query_string_parameters["caller"]
        all_inside.wait()
        return {"caller": app.current_event.query_string_parameters["caller"], "first": first, "name": name}

    answers: list[bool] = []

    def call(caller: str) -> None:
        event = {
            "httpMethod": "GET",
            "path": f"/who/{caller}",
            "resource": "/who/{name}",
            "queryStringParameters": {"caller": caller},
            "headers": {},
            "requestContext": {"requestId": caller},
            "body": None,
        }
        body = json.loads(app.resolve(event, None)["body"])
        answers.append(body == {"caller": caller, "first": caller, "name": caller})

    threads = [threading.Thread(target=call, args=(f"u{i}",)) for i in range(REQUESTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_concurrent_requests_each_see_their_own_event():
    answers = _concurrent_answers(api.make_app())
    assert len(answers) == REQUESTS and all(answers)


def test_the_stock_resolver_would_mix_them_up():
    answers = _concurrent_answers(APIGatewayRestResolver(enable_validation=True))
    assert not all(answers)  # what the per-thread state is for


# -- request validation: the route-cached path answers exactly as Powertools' own ------------------


def _validating_app(app):
    @app.get("/items/<item_id>")
    def items(item_id: api.TweetIdPath, limit: api.PageLimit = None, cursor: api.PageCursor = None):
        return {"item_id": item_id, "limit": limit, "cursor": cursor}

    @app.get("/many")
    def many(tag: Annotated[list[str] | None, Query()] = None, since_id: api.SinceId = None):
        return {"tag": tag, "since_id": since_id}

    @app.get("/header")
    def header(x_thing: Annotated[str, Header(alias="x-thing", pattern="^[a-z]+$")]):
        return {"x": x_thing}

    return app


QUERIES = [
    ("/items/12", {}, {}),
    ("/items/12", {"limit": ["20"]}, {}),
    ("/items/12", {"limit": ["0"]}, {}),
    ("/items/12", {"limit": ["abc"]}, {}),
    ("/items/12", {"limit": ["20", "30"]}, {}),
    ("/items/12", {"cursor": ["not a cursor!"]}, {}),
    ("/items/1x2", {"limit": ["999999"]}, {}),
    ("/items/12", {"limit": ["5"], "cursor": ["a,b"]}, {}),
    ("/many", {"tag": ["a", "b"]}, {}),
    ("/many", {"tag": ["a"], "since_id": ["1\n"]}, {}),
    ("/many", {"since_id": ["123"]}, {}),
    ("/header", {}, {"x-thing": ["abc"]}),
    ("/header", {}, {"x-thing": ["ABC"]}),
    ("/header", {}, {}),
]


def _answer(app, path: str, query: dict[str, list[str]], headers: dict[str, list[str]]) -> tuple[int, object]:
    resource = "/items/{item_id}" if path.startswith("/items/") else path
    event = {
        "httpMethod": "GET",
        "path": path,
        "resource": resource,
        "pathParameters": {"item_id": path.rsplit("/", 1)[1]} if path.startswith("/items/") else None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "headers": {k: v[-1] for k, v in headers.items()},
        "multiValueHeaders": headers,
        "requestContext": {"requestId": "r"},
        "body": None,
    }
    response = app.resolve(event, None)
    return response["statusCode"], json.loads(response["body"])


def test_route_cached_validation_answers_as_powertools_does():
    ours = _validating_app(api.make_app())
    stock = api.make_app()
    stock._request_validation_middleware = OpenAPIRequestValidationMiddleware()  # Powertools' own
    stock = _validating_app(stock)
    assert isinstance(ours._request_validation_middleware, api.RouteRequestValidation)
    for _ in range(2):  # the second time from the route's cached answers
        for path, query, headers in QUERIES:
            assert _answer(ours, path, query, headers) == _answer(stock, path, query, headers), (path, query)
    statuses = {_answer(ours, p, q, h)[0] for p, q, h in QUERIES}
    assert statuses == {200, 422}  # both outcomes were exercised


def test_rest_handlers_log_under_the_request_id():
    import io
    import logging

    from infra.local.functions import LambdaContext
    from warbler.observability import logger

    buffer = io.StringIO()
    capture = logging.StreamHandler(buffer)
    capture.setFormatter(logger.registered_formatter)

    app = api.make_app()

    @app.get("/hello")
    def hello():
        logger.warning("inside the route")
        return {"ok": True}

    handler = api.rest_handler(app)
    context = LambdaContext("hello", 128, 3)
    event = {"httpMethod": "GET", "path": "/hello", "resource": "/hello", "headers": {}, "body": None}
    logging.getLogger(logger.name).addHandler(capture)
    try:
        assert handler({**event, "requestContext": {"requestId": "req-42"}}, context)["statusCode"] == 200
        assert handler(event, context)["statusCode"] == 200  # no request context: logged without an id
    finally:
        logging.getLogger(logger.name).removeHandler(capture)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if "inside the route" in line]
    assert [line.get("correlation_id") for line in lines] == ["req-42", None]
