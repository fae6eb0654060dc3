"""The read-heavy mix through the API gateway, and post → follower timeline delivery lag.

A small synthetic graph is created through the public API (sign-up, follow), then for
``duration`` seconds three kinds of client run at once, as on a real network: a poster at
``post_rate``; ``READERS`` reader(s) doing home reads of random accounts (up to ``reads_per_post``
per post so far, as fast as the stack answers them), with likes, searches and follows mixed in;
and a watcher. After each post the watcher polls one follower of the author until the tweet
shows up in their home timeline: the time from the POST's response to the read that first shows
it is the delivery lag (an upper bound, resolution one read). The readers never wait for the
poster, nor it for them: a slow post cannot starve the reads (one loop doing all three did).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import requests

from bench.graph import GraphSpec, generate
from bench.progress import Progress
from bench.stats import Latencies

PASSWORD = "bench-password-1"
LAG_DEADLINE_SECONDS = 15.0
# The watcher's pause between two reads of a follower that does not show the post yet: the local
# stack serves every request in one process, so a watcher reading back to back would slow the
# very pipeline whose lag it measures. The lag's resolution is a read plus this.
WATCH_INTERVAL_SECONDS = 0.025
READERS = 1  # reader threads beside the poster and the watcher: one keeps a 2-core machine short of saturation


@dataclass
class MixResult:
    reads: Latencies = field(default_factory=Latencies)
    posts: Latencies = field(default_factory=Latencies)
    likes: Latencies = field(default_factory=Latencies)
    searches: Latencies = field(default_factory=Latencies)
    follows: Latencies = field(default_factory=Latencies)
    lag: Latencies = field(default_factory=Latencies)
    random_reads: int = 0  # the readers' home reads (``reads`` also holds the watcher's)
    post_count: int = 0
    undelivered: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    users: int = 0
    edges: int = 0


@dataclass
class _Account:
    handle: str
    user_id: str
    token: str


def _has_route(method: str, path: str) -> bool:
    from infra import catalog

    return any(r.method == method and r.path == path for f in catalog.FUNCTIONS for r in f.routes)


class Mix:
    def __init__(self, base_url: str, users: int, follows: int, seed: int, progress: Progress) -> None:
        self.base = base_url.rstrip("/")
        self.spec = GraphSpec(users=users, follows=follows, seed=seed, tweets_per_user=0)
        self.rng = random.Random(seed)
        self.progress = progress
        self.accounts: list[_Account] = []
        self.followers: list[list[int]] = []
        self.result = MixResult()
        self.can_like = _has_route("POST", "/tweets/{tweet_id}/like")
        self.can_search = _has_route("GET", "/search")
        self._local = threading.local()  # a requests.Session per thread and account
        self._reads_lock = threading.Lock()

    def _session(self, account: int) -> requests.Session:
        sessions = self._local.__dict__.setdefault("sessions", {})
        if account not in sessions:
            sessions[account] = requests.Session()
            sessions[account].headers["Authorization"] = f"Bearer {self.accounts[account].token}"
        return sessions[account]

    def _count_error(self, what: str, response: requests.Response) -> None:
        key = f"{what} {response.status_code}"
        with self._reads_lock:
            self.result.errors[key] = self.result.errors.get(key, 0) + 1

    def setup(self) -> None:
        graph = generate(self.spec)
        run = self.rng.randrange(1 << 30)
        task = self.progress.task(f"sign up {graph.users} users through the API", graph.users)
        for u in range(graph.users):
            handle = f"b{run:x}u{u}"[:15]
            resp = requests.post(
                f"{self.base}/auth/signup", json={"handle": handle, "password": PASSWORD, "display_name": f"Bench {u}"},
                timeout=30,
            )  # fmt: skip
            resp.raise_for_status()
            body = resp.json()
            self.accounts.append(_Account(handle, body["user"]["id"], body["token"]))
            task.advance()
        task.done()
        task = self.progress.task(f"{len(graph.follower)} follows through the API", len(graph.follower))
        self.followers = [[] for _ in range(graph.users)]
        for a, b in graph.edges():
            self._follow(a, b)
            task.advance()
        task.done()
        for u in range(graph.users):  # a first read makes every account active (timeline cached)
            self._read(u)
        self.result.reads = Latencies()
        self.result.users, self.result.edges = graph.users, len(graph.follower)

    def _follow(self, a: int, b: int) -> None:
        started = time.perf_counter()
        resp = self._session(a).post(f"{self.base}/users/{self.accounts[b].handle}/follow", timeout=30)
        self.result.follows.add(time.perf_counter() - started)
        if resp.ok:
            if a not in self.followers[b]:
                self.followers[b].append(a)
        else:
            self._count_error("follow", resp)

    def _read(self, reader: int) -> list[str] | None:
        started = time.perf_counter()
        resp = self._session(reader).get(f"{self.base}/timelines/home", params={"limit": 20}, timeout=30)
        self.result.reads.add(time.perf_counter() - started)
        if not resp.ok:
            self._count_error("read", resp)
            return None
        return [t["id"] for t in resp.json()["items"]]

    def run(self, duration: float, post_rate: float, reads_per_post: int) -> MixResult:
        authors = [u for u in range(len(self.accounts)) if self.followers[u]]
        if not authors:
            raise RuntimeError("no author has a follower; raise --http-follows")
        watching: deque[tuple[str, float, int]] = deque()  # (tweet id, posted at, follower)
        recent: deque[str] = deque(maxlen=200)
        posting = threading.Event()  # set while the poster runs; the readers stop when it ends
        posting.set()
        threads = [threading.Thread(target=self._watch, args=(watching, posting), name="mix-watcher")]
        threads += [
            threading.Thread(target=self._reads, args=(n, recent, posting, reads_per_post), name=f"mix-reader-{n}")
            for n in range(READERS)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        interval = 1.0 / post_rate
        next_post = started
        task = self.progress.task(f"mix for {duration:.0f}s at {post_rate:g} posts/s", int(duration))
        try:
            while (now := time.perf_counter()) < started + duration:
                task.set(int(now - started))
                if now < next_post:
                    time.sleep(min(0.05, next_post - now))
                    continue
                next_post += interval
                self._post(self.rng.choice(authors), watching, recent)
        finally:
            posting.clear()
            for thread in threads:
                thread.join()
        r = self.result
        task.done(f"({r.post_count} posts, {r.random_reads} reads by {READERS} readers)")
        r.undelivered += len(watching)
        r.seconds = time.perf_counter() - started
        return r

    def _watch(self, watching: deque, posting: threading.Event) -> None:
        """Poll the oldest watched post's follower until the post shows (or its deadline passes);
        after the poster stops, until every watched post has landed or expired."""
        while posting.is_set() or watching:
            if not watching:
                time.sleep(0.005)
                continue
            tid, posted_at, follower = watching[0]
            seen = self._read(follower)
            if seen is not None and tid in seen:
                self.result.lag.add(time.perf_counter() - posted_at)
                watching.popleft()
                continue
            if time.perf_counter() - posted_at > LAG_DEADLINE_SECONDS:
                self.result.undelivered += 1
                watching.popleft()
            time.sleep(WATCH_INTERVAL_SECONDS)

    def _reads(self, n: int, recent: deque, posting: threading.Event, reads_per_post: int) -> None:
        rng = random.Random(f"{self.spec.seed}-reader-{n}")
        while posting.is_set():
            with self._reads_lock:
                allowed = self.result.random_reads < self.result.post_count * reads_per_post
                if allowed:
                    self.result.random_reads += 1
                    reads = self.result.random_reads
            if not allowed:
                time.sleep(0.005)
                continue
            self._read(rng.randrange(len(self.accounts)))
            if self.can_like and recent and reads % 10 == 0:
                self._like(rng.randrange(len(self.accounts)), rng.choice(recent))
            if self.can_search and reads % 20 == 0:
                self._search(rng.randrange(len(self.accounts)))
            if reads % 50 == 0:
                a, b = rng.sample(range(len(self.accounts)), 2)
                self._follow(a, b)

    def _post(self, author: int, watching: deque, recent: deque) -> None:
        began = time.perf_counter()
        resp = self._session(author).post(
            f"{self.base}/tweets", json={"text": f"bench tweet {self.rng.randrange(10**9)} #bench"}, timeout=30
        )
        posted_at = time.perf_counter()
        self.result.posts.add(posted_at - began)
        self.result.post_count += 1
        if resp.status_code != 201:
            self._count_error("post", resp)
            return
        tid = resp.json()["id"]
        recent.append(tid)
        watching.append((tid, posted_at, self.rng.choice(self.followers[author])))

    def _search(self, searcher: int) -> None:
        query = self.rng.choice(["#bench", "bench tweet", '"bench tweet"', "bench -nothing"])
        began = time.perf_counter()
        resp = self._session(searcher).get(
            f"{self.base}/search", params={"q": query, "sort": self.rng.choice(["latest", "top"])}, timeout=30
        )
        self.result.searches.add(time.perf_counter() - began)
        if not resp.ok:
            self._count_error("search", resp)

    def _like(self, liker: int, tid: str) -> None:
        began = time.perf_counter()
        resp = self._session(liker).post(f"{self.base}/tweets/{tid}/like", timeout=30)
        self.result.likes.add(time.perf_counter() - began)
        if not resp.ok and resp.status_code != 409:
            self._count_error("like", resp)
