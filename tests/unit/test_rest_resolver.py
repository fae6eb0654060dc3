"""The REST resolver keeps each request's event, Lambda context and resolution context per
thread: the local gateways run concurrent requests on threads of one process (Lambda never
does), where Powertools' process-wide event would hand a handler another request's caller."""

from __future__ import annotations

import json
import threading

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

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
