"""When the local event sources (stream pollers, bucket watchers) read again after finding
nothing: ``floor`` seconds later, doubling up to ``ceiling`` while they keep finding nothing, and
at once (but never within ``floor`` of their last read) after a wake-up. The stack wakes a
stream's readers whenever a function granted to write to it has run (a bucket's, after any
function), and every reader whenever a test waits for idleness. Reading every source every 50 ms kept moto busy on most of a core with
nothing happening, and so slowed everything else on the machine."""

from __future__ import annotations

import threading
import time


class Wakeups:
    def __init__(self, floor: float, ceiling: float, stopping: threading.Event) -> None:
        self.floor, self.ceiling = floor, max(ceiling, floor)
        self.stopping = stopping
        self.count = 0  # wake-ups so far: a reader notes it before reading
        self._woken = threading.Condition()

    def wake(self) -> None:
        with self._woken:
            self.count += 1
            self._woken.notify_all()

    def next_sleep(self, slept: float) -> float:
        return min(slept * 2, self.ceiling)

    def wait(self, read_started: float, seconds: float, seen: int) -> None:
        """After a read that started at ``read_started`` and found nothing: sleep ``seconds``, or
        until a wake-up after ``seen`` (the count noted before that read), but at least until
        ``floor`` after the read started."""
        with self._woken:
            self._woken.wait_for(lambda: self.count != seen or self.stopping.is_set(), timeout=seconds)
        rest = read_started + self.floor - time.monotonic()
        if rest > 0:
            self.stopping.wait(rest)
