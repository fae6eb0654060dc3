"""Handlers running at once in the emulator log under their own names and request ids."""

from __future__ import annotations

import io
import json
import logging
import threading

from aws_lambda_powertools import Logger

from infra import catalog
from infra.local.functions import FunctionRegistry

buffer = io.StringIO()
logger = Logger(service="log-test", logger_handler=logging.StreamHandler(buffer))
both_inside = threading.Barrier(2)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def handler(event, context):
    both_inside.wait(5)  # the second invocation has set its context keys by now
    logger.info("hello", extra={"caller": event["caller"]})
    return {}


def test_concurrent_invocations_log_their_own_function_and_request():
    names = ("first", "second")
    specs = [catalog.Function(n, "test", schedules=(catalog.Schedule(rate_minutes=1),)) for n in names]
    registry = FunctionRegistry(specs, {n: handler for n in names})
    threads = [
        threading.Thread(target=registry.invoke, args=(n, {"caller": n, "requestContext": {"requestId": f"req-{n}"}}))
        for n in names
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)

    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if '"hello"' in line]
    assert sorted((line["caller"], line["function_name"], line["correlation_id"]) for line in lines) == [
        ("first", "first", "req-first"),
        ("second", "second", "req-second"),
    ]
    assert all(line["cold_start"] is True for line in lines)
