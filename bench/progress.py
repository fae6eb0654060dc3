"""Progress on stderr: one updating line per task on a terminal, a line per step otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, stream=sys.stderr, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet
        self._tty = stream.isatty()
        self._started = time.perf_counter()

    def note(self, message: str) -> None:
        if not self._quiet:
            print(f"[bench {self.elapsed():6.1f}s] {message}", file=self._stream, flush=True)

    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    def task(self, name: str, total: int) -> Task:
        return Task(self, name, total)

    def _draw(self, line: str, final: bool) -> None:
        if self._quiet:
            return
        if self._tty:
            end = "\n" if final else ""
            print(f"\r\033[K[bench {self.elapsed():6.1f}s] {line}", end=end, file=self._stream, flush=True)
        elif final:
            print(f"[bench {self.elapsed():6.1f}s] {line}", file=self._stream, flush=True)


class Task:
    """Counts work done; redraws at most ten times a second, or logs a line every 5 s when not a tty."""

    def __init__(self, progress: Progress, name: str, total: int) -> None:
        self._progress = progress
        self._name = name
        self._total = max(total, 1)
        self._done = 0
        self._started = time.perf_counter()
        self._last_draw = self._started
        progress._draw(f"{name} ...", final=not progress._tty)

    def advance(self, n: int = 1) -> None:
        self.set(self._done + n)

    def set(self, done: int) -> None:
        self._done = done
        now = time.perf_counter()
        tty = self._progress._tty
        if now - self._last_draw > (0.1 if tty else 5.0):
            self._last_draw = now
            self._progress._draw(self._line(), final=not tty)

    def done(self, detail: str = "") -> None:
        took = time.perf_counter() - self._started
        self._progress._draw(f"{self._name}: done in {took:.1f}s {detail}".rstrip(), final=True)

    def _line(self) -> str:
        pct = 100 * self._done / self._total
        return f"{self._name}: {self._done:,}/{self._total:,} ({pct:.0f}%)"
