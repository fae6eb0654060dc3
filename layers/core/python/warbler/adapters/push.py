"""The API Gateway Management API: ``post_to_connection`` to many connections at once.

Posts run on a small shared thread pool, so a slow or failing connection never holds up the
others. A ``GoneException`` (410: the client went away) is reported back for cleanup and not
retried; any other error is retried ``push_attempts`` times with a short backoff, then dropped
and logged: a lost push is acceptable (timelines remain the source of truth), a stuck batch
is not. The whole call waits at most ``deadline_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from warbler.observability import logger
from warbler.settings import get_settings

_lock = threading.Lock()
_client = None
_executor: ThreadPoolExecutor | None = None


def _management():
    global _client, _executor
    if _client is None:
        with _lock:
            if _client is None:
                s = get_settings()
                endpoint = s.require("websocket_endpoint")
                _executor = ThreadPoolExecutor(max_workers=s.push_workers, thread_name_prefix="push")
                _client = boto3.session.Session().client(
                    "apigatewaymanagementapi",
                    endpoint_url=endpoint,
                    region_name=s.aws_region,
                    config=Config(
                        retries={"max_attempts": 1, "mode": "standard"},  # ours are below
                        connect_timeout=1,
                        read_timeout=2,
                        max_pool_connections=s.push_workers,
                    ),
                )
    assert _executor is not None
    return _client, _executor


def reset() -> None:
    """Forget the client (tests that change the endpoint)."""
    global _client, _executor
    with _lock:
        if _executor is not None:
            _executor.shutdown(wait=False)
        _client = _executor = None


@dataclass
class PushResult:
    sent: int = 0
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _post(connection_id: str, data: bytes, attempts: int) -> str:
    client, _ = _management()
    for attempt in range(attempts):
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
            return "sent"
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "GoneException":
                return "gone"
            error: Exception = exc
        except BotoCoreError as exc:
            error = exc
        if attempt + 1 < attempts:
            time.sleep(0.05 * 2**attempt)
    logger.warning("push dropped", extra={"connection_id": connection_id, "error": str(error)})
    return "failed"


def send(messages: Sequence[tuple[str, bytes]], deadline_seconds: float = 5.0) -> PushResult:
    """Post each ``(connection id, payload)``; never raises for a connection's failure."""
    result = PushResult()
    if not messages:
        return result
    _, executor = _management()
    attempts = max(1, get_settings().push_attempts)
    futures = {executor.submit(_post, conn, data, attempts): conn for conn, data in messages}
    done, not_done = wait(futures, timeout=deadline_seconds)
    for future in done:
        outcome = future.result() if future.exception() is None else "failed"
        if outcome == "sent":
            result.sent += 1
        elif outcome == "gone":
            result.gone.append(futures[future])
        else:
            result.failed.append(futures[future])
    result.failed.extend(futures[f] for f in not_done)
    return result
