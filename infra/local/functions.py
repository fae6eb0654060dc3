"""Playing the Lambda runtime in-process: load ``functions/<kind>/<name>/app.py`` and call its handler.

Each function's ``app.py`` is imported lazily on first invoke, by ``infra.functions.load``
(the one loader the OpenAPI build and the tests use too). Handlers run in the
caller's thread; the gateways and pollers call them from their own worker threads.

The registry can be given ready-made handlers instead of files, which is how the emulator's
own tests drive the gateways and pollers with throwaway functions.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from aws_lambda_powertools.logging.formatter import THREAD_LOCAL_KEYS

from infra import catalog, functions
from infra.local import FUNCTIONS_PATH
from infra.local.bootstrap import ACCOUNT_ID, REGION

log = logging.getLogger(__name__)

Handler = Callable[[dict, Any], Any]


class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    def __init__(self, name: str, memory_mb: int, timeout_seconds: int, region: str = REGION) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def invocation_log_keys(context: LambdaContext, event: Any) -> dict[str, Any]:
    """The keys Powertools' ``inject_lambda_context`` adds, for this one invocation."""
    keys: dict[str, Any] = {
        "function_name": context.function_name,
        "function_memory_size": context.memory_limit_in_mb,
        "function_arn": context.invoked_function_arn,
        "function_request_id": context.aws_request_id,
    }
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    if isinstance(request_context, dict) and request_context.get("requestId"):
        keys["correlation_id"] = request_context["requestId"]  # the REST and WebSocket request id
    return keys


class FunctionRegistry:
    """Name -> handler for the functions of a catalog (or a catalog-like list of ``Function``)."""

    def __init__(
        self,
        functions: Iterable[catalog.Function] = catalog.FUNCTIONS,
        handlers: Mapping[str, Handler] | None = None,
        functions_dir: Path = FUNCTIONS_PATH,
    ) -> None:
        self.functions: tuple[catalog.Function, ...] = tuple(functions)
        self._specs = {f.name: f for f in self.functions}
        self._handlers: dict[str, Handler] = dict(handlers or {})
        self._dir = functions_dir
        self._lock = threading.Lock()
        self._invoked: set[str] = set()
        # Lambda runs concurrent invocations in separate environments; here they share a module,
        # and a stream consumer's module-level BatchProcessor (the Powertools pattern) holds one
        # batch's state. The poller of a shard and the redrive may invoke the same consumer at
        # once: one invocation at a time per stream consumer, as its state requires.
        self._serial = {f.name: threading.Lock() for f in self.functions if f.streams}
        # Called with the function's name after every invocation (the pollers and bucket
        # watchers: what the function wrote may be on a stream or in a bucket now).
        self.after_invoke: list[Callable[[str], None]] = []

    def spec(self, name: str) -> catalog.Function:
        return self._specs[name]

    def handler(self, name: str) -> Handler:
        """The function's ``lambda_handler``, importing its module on first use."""
        handler = self._handlers.get(name)
        if handler is not None:
            return handler
        with self._lock:  # two first requests must not import the same module twice
            if name not in self._handlers:
                self._handlers[name] = self._load(name)
            return self._handlers[name]

    def _load(self, name: str) -> Handler:
        if name not in self._specs:
            raise KeyError(f"unknown function {name!r}")
        return functions.load(self._specs[name], self._dir).lambda_handler

    def invoke(self, name: str, event: dict) -> Any:
        """Call the handler like Lambda does; exceptions propagate (they are function errors)."""
        spec = self._specs.get(name)
        memory, timeout = (spec.memory_mb, spec.timeout_seconds) if spec else (128, 3)
        handler = self.handler(name)
        context = LambdaContext(name, memory, timeout)
        with self._lock:
            cold_start = name not in self._invoked
            self._invoked.add(name)
        # On Lambda each function has a process of its own; here every handler shares one
        # Powertools Logger, whose ``inject_lambda_context`` keys are process-wide, so concurrent
        # invocations would log each other's names. Powertools' thread-local keys win over them.
        keys = THREAD_LOCAL_KEYS.set({**invocation_log_keys(context, event), "cold_start": cold_start})
        serial = self._serial.get(name)
        started = time.monotonic()
        try:
            if serial is None:
                return handler(event, context)
            with serial:
                return handler(event, context)
        finally:
            THREAD_LOCAL_KEYS.reset(keys)
            for listener in self.after_invoke:
                listener(name)
            elapsed = time.monotonic() - started
            # Nothing can stop a thread, so the timeout is reported rather than enforced.
            if elapsed > timeout:
                log.warning("%s ran %.1f s, over its %d s timeout (would fail on Lambda)", name, elapsed, timeout)
