"""The REST resolver keeps each request's event, Lambda context and resolution context per
thread: the local gateways run concurrent requests on threads of one process (Lambda never
does), where Powertools' process-wide event would hand a handler another request's caller."""

from __future__ import annotations

import json
import threading
import time

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from warbler import api


def _concurrent_answers(app) -> list[bool]:
    @app.get("/who/<name>")
    def who(name: str):
        first = app.current_event.query_string_parameters["caller"]
        time.sleep(0.01)  # let the other requests run in between
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

    threads = [threading.Thread(target=call, args=(f"u{i}",)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_concurrent_requests_each_see_their_own_event():
    answers = _concurrent_answers(api.make_app())
    assert len(answers) == 40 and all(answers)


def test_the_stock_resolver_would_mix_them_up():
    answers = _concurrent_answers(APIGatewayRestResolver(enable_validation=True))
    assert not all(answers)  # what the per-thread state is for
