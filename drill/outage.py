"""The Redis outage drill: posts keep coming and readers keep reading while the stack's
redis-server is frozen (``SIGSTOP``) or restarted; afterwards every accepted tweet must reach
every follower's home timeline and its author's user timeline, once, within a bounded time.

    figures = stall(stack, redis_pid, seconds=15)       # or restart(stack, server)

Two authors: a regular one (fan-out on write: the fan-out worker writes followers' homes) and a
famous one (no fan-out: followers' homes merge the author's user timeline at read). Readers
follow both and read their home timeline twice a second throughout, as active users do.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import requests

_names = itertools.count()


def _handle(prefix: str) -> str:
    return f"{prefix}{os.getpid() % 1000}x{next(_names)}"[:15]


@dataclass
class User:
    base: str
    handle: str
    token: str
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def call(self, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.session.request(method, self.base + path, headers=headers, timeout=30, **kw)

    def ids(self, path: str, pages: int = 10) -> list[str]:
        """Every tweet id on a timeline, newest first, following ``next_cursor``."""
        out: list[str] = []
        cursor = None
        for _ in range(pages):
            params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            r = self.call("GET", path, params=params)
            r.raise_for_status()
            body = r.json()
            out += [t["id"] for t in body["items"]]
            cursor = body.get("next_cursor")
            if not cursor:
                break
        return out


def signup(base: str, prefix: str) -> User:
    handle = _handle(prefix)
    r = requests.post(f"{base}/auth/signup", json={"handle": handle, "password": "drill-password"}, timeout=30)
    r.raise_for_status()
    return User(base, handle, r.json()["token"])


@dataclass
class Figures:
    scenario: str
    posts_accepted: int = 0
    posts_refused: int = 0  # non-201 answers that were not 5xx (e.g. 429)
    deliveries_expected: int = 0
    deliveries_found: int = 0
    duplicates: int = 0
    server_errors: int = 0  # 5xx answers to posts and reads, all through the drill
    reads: int = 0
    on_failure_records: int = 0  # on-failure records the stream mappings parked (the DLQ)
    records_redriven: int = 0  # of those, the ones the redrive has replayed
    settled_after_seconds: float | None = None  # from the end of the outage; None: never
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def report(self) -> str:
        settled = "never" if self.settled_after_seconds is None else f"{self.settled_after_seconds:.1f} s"
        lines = [
            f"{self.scenario}:",
            f"  posts accepted            {self.posts_accepted} (refused {self.posts_refused})",
            f"  deliveries expected/found {self.deliveries_expected} / {self.deliveries_found}",
            f"  duplicates                {self.duplicates}",
            f"  5xx answers               {self.server_errors} (of {self.reads} reads and the posts)",
            f"  on-failure records parked {self.on_failure_records}",
            f"  ... and redriven          {self.records_redriven}",
            f"  complete after outage     {settled}",
        ]
        lines += [f"  missing: {m}" for m in self.missing[:10]]
        return "\n".join(lines)


class Cast:
    """A regular author, a famous author and readers following both."""

    def __init__(self, base: str, readers: int, famous_threshold: int) -> None:
        self.readers = [signup(base, "rd") for _ in range(readers)]
        self.regular = signup(base, "ra")
        self.famous = signup(base, "fa")
        # The famous author gets ``famous_threshold`` followers: extra ones beyond the readers.
        extra = [signup(base, "fx") for _ in range(max(0, famous_threshold - readers))]
        for reader in self.readers:
            for author in (self.regular, self.famous):
                reader.call("POST", f"/users/{author.handle}/follow").raise_for_status()
        for follower in extra:
            follower.call("POST", f"/users/{self.famous.handle}/follow").raise_for_status()
        self.posted: dict[str, list[str]] = {self.regular.handle: [], self.famous.handle: []}


def _count_dlq(stack: Any) -> int:
    from infra.local.bootstrap import aws_client  # noqa: PLC0415

    sqs = aws_client("sqs", stack.aws_endpoint)
    attrs = sqs.get_queue_attributes(
        QueueUrl=stack.resources.dlq_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def run(
    stack: Any,
    scenario: str,
    outage: Callable[[], Callable[[], None]],
    *,
    readers: int = 3,
    famous_threshold: int = 4,
    post_seconds: float = 25.0,
    posts_per_second: float = 2.0,
    outage_at: float = 3.0,
    outage_seconds: float = 15.0,
    settle_timeout: float = 60.0,
) -> Figures:
    """``outage()`` starts the outage and returns the function that ends it."""
    figures = Figures(scenario)
    cast = Cast(stack.rest_url, readers, famous_threshold)
    stack.wait_idle(30)
    dlq_before, parked_before = _count_dlq(stack), stack.pollers.parked
    lock = threading.Lock()
    stop_reading = threading.Event()

    def read_forever(reader: User) -> None:
        while not stop_reading.wait(0.5):
            try:
                r = reader.call("GET", "/timelines/home", params={"limit": 20})
            except requests.RequestException:
                continue
            with lock:
                figures.reads += 1
                figures.server_errors += r.status_code >= 500

    threads = [threading.Thread(target=read_forever, args=(r,), daemon=True) for r in cast.readers]
    for t in threads:
        t.start()

    started = time.monotonic()
    end_outage: Callable[[], None] | None = None
    outage_ended_at: float | None = None
    authors = itertools.cycle([cast.regular, cast.famous])
    n = 0
    while time.monotonic() - started < post_seconds or end_outage is not None:
        elapsed = time.monotonic() - started
        if end_outage is None and outage_ended_at is None and elapsed >= outage_at:
            end_outage = outage()
        if end_outage is not None and elapsed >= outage_at + outage_seconds:
            end_outage()
            end_outage, outage_ended_at = None, time.monotonic()
        author = next(authors)
        n += 1
        try:
            r = author.call("POST", "/tweets", json={"text": f"drill {scenario} {n}"})
        except requests.RequestException:
            r = None
        if r is not None and r.status_code == 201:
            figures.posts_accepted += 1
            cast.posted[author.handle].append(r.json()["id"])
        elif r is not None and r.status_code >= 500:
            figures.server_errors += 1
        else:
            figures.posts_refused += 1
        time.sleep(max(0.0, started + n / posts_per_second - time.monotonic()))
    stop_reading.set()
    for t in threads:
        t.join(5)

    # Settle: what must be true after a bounded time.
    assert outage_ended_at is not None
    expected = {(reader.handle, tid) for reader in cast.readers for ids in cast.posted.values() for tid in ids} | {
        (author.handle + ":own", tid) for author in (cast.regular, cast.famous) for tid in cast.posted[author.handle]
    }
    figures.deliveries_expected = len(expected)
    deadline = time.monotonic() + settle_timeout
    while True:
        found: set[tuple[str, str]] = set()
        duplicates = 0
        for reader in cast.readers:
            ids = reader.ids("/timelines/home")
            duplicates += sum(c - 1 for c in Counter(ids).values() if c > 1)
            found |= {(reader.handle, tid) for tid in ids}
        for author in (cast.regular, cast.famous):
            ids = author.ids(f"/users/{author.handle}/tweets")
            duplicates += sum(c - 1 for c in Counter(ids).values() if c > 1)
            found |= {(author.handle + ":own", tid) for tid in ids}
        hit = expected & found
        figures.deliveries_found, figures.duplicates = len(hit), duplicates
        if len(hit) == len(expected):
            figures.settled_after_seconds = time.monotonic() - outage_ended_at
            break
        if time.monotonic() > deadline:
            figures.missing = sorted(f"{who} lacks {tid}" for who, tid in expected - found)
            break
        time.sleep(1.0)
    figures.on_failure_records = stack.pollers.parked - parked_before
    # What was parked and is no longer in the queue was taken by the redrive.
    figures.records_redriven = figures.on_failure_records - (_count_dlq(stack) - dlq_before)
    return figures


def freeze(pid: int) -> Callable[[], Callable[[], None]]:
    """``kill -STOP`` the redis-server, ``kill -CONT`` to end the outage."""

    def start() -> Callable[[], None]:
        os.kill(pid, signal.SIGSTOP)
        return lambda: os.kill(pid, signal.SIGCONT)

    return start


def restart(server: Any) -> Callable[[], Callable[[], None]]:
    """Stop the redis-server (its data is gone: it does not persist) and start a new one on the
    same port when the outage ends."""

    def start() -> Callable[[], None]:
        server.stop()
        return server.start

    return start
