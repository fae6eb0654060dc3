"""Click events, sent to the activity stream off the request path.

A redirect answers at once; its ``click`` event goes into an in-memory queue that one background
thread drains to Kinesis in batches (``PutRecords``, retried while the stream is unreachable).
On Lambda the thread runs while the instance runs and is frozen with it between invocations, so
a click is sent during the same or the next invocation. What can be lost: the clicks queued on an
instance that is reclaimed before it is invoked again, and (by design) redirects a CDN answers
from its cache, which never reach the function; both are logged figures, not silent.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

Send = Callable[[Sequence[dict]], None]
MAX_BATCH = 500


class ClickQueue:
    def __init__(self, send: Send, capacity: int = 10_000, retry_seconds: float = 0.5) -> None:
        self._send = send
        self._queue: queue.Queue[dict] = queue.Queue(maxsize=capacity)
        self._retry_seconds = retry_seconds
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self.sent = 0
        self.dropped = 0

    def put(self, event: dict) -> None:
        """Queue ``event``; never blocks. A full queue (the stream unreachable for long) drops it
        and counts the drop."""
        self._ensure_thread()
        self._idle.clear()
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            log.error("click queue full: dropped a click on %s (%d dropped)", event.get("key"), self.dropped)

    def wait_sent(self, timeout: float) -> bool:
        """Whether everything queued so far was sent within ``timeout`` (for tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._idle.is_set() and self._queue.empty():
                return True
            time.sleep(0.01)
        return False

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="click-sender", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            while True:
                try:
                    self._send(batch)
                    self.sent += len(batch)
                    break
                except Exception:
                    log.exception("sending %d clicks failed; retrying", len(batch))
                    time.sleep(self._retry_seconds)
            if self._queue.empty():
                self._idle.set()
