"""``python -m bench.push_lag`` — post → push latency to live followers, on the local stack.

An author with ``--followers`` followers (default 100), each with an open WebSocket connection,
posts ``--tweets`` tweets one after another. For every (tweet, follower) the lag is the time
from just before ``POST /tweets`` to that follower's ``{"type": "tweet"}`` message. The baseline,
measured in the same process on the same connections, is a ping → pong round trip: the floor
of the WebSocket path without the table stream, the planner, Kinesis and the worker.

Prints the environment, the inputs and the figures; asserts nothing on timings.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import threading
import time
from dataclasses import dataclass, field

from websockets.sync.client import ClientConnection, connect

from bench import environment
from bench.stats import Latencies, ratio
from infra.local.client import Api
from infra.local.stack import LocalStack


@dataclass
class Listener:
    """One follower's connection; records when each tweet id (or a pong) arrives."""

    ws: ClientConnection
    arrivals: dict[str, float] = field(default_factory=dict)
    got: threading.Condition = field(default_factory=threading.Condition)

    def run(self) -> None:
        try:
            for raw in self.ws:
                at = time.perf_counter()
                message = json.loads(raw)
                key = message["tweet"]["id"] if message.get("type") == "tweet" else message.get("type", "")
                with self.got:
                    self.arrivals[key] = at
                    self.got.notify_all()
        except Exception:  # noqa: BLE001 - the socket closing at the end of the run
            return

    def wait_for(self, key: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.got:
            while key not in self.arrivals:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.got.wait(left)
            return self.arrivals.pop(key)


@dataclass
class PushLag:
    pong: Latencies
    lag: Latencies  # every (tweet, follower)
    last: Latencies  # the last follower of each tweet
    lost: int
    followers: int
    tweets: int


def measure(stack: LocalStack, followers_count: int, tweets: int, pings: int, timeout: float) -> PushLag:
    """Post → push lag to ``followers_count`` connected followers, on a running stack."""
    api = Api(stack.rest_url)
    author = api.signup()
    followers = [api.signup() for _ in range(followers_count)]
    for follower in followers:
        follower.follow(author)
    stack.wait_idle(60)

    listeners = [Listener(connect(f"{stack.ws_url}/?token={f.token}", open_timeout=10)) for f in followers]
    threads = [threading.Thread(target=listener.run, daemon=True) for listener in listeners]
    for thread in threads:
        thread.start()

    pong = Latencies()
    for i in range(pings):
        listener = listeners[i % len(listeners)]
        started = time.perf_counter()
        listener.ws.send(json.dumps({"action": "ping"}))
        arrived = listener.wait_for("pong", timeout)
        if arrived is not None:
            pong.add(arrived - started)

    lag, last, lost = Latencies(), Latencies(), 0
    for i in range(tweets):
        started = time.perf_counter()
        tweet_id = author.post(f"live bench {i}")["id"]
        arrivals = [listener.wait_for(tweet_id, timeout) for listener in listeners]
        got = [a - started for a in arrivals if a is not None]
        lost += len(arrivals) - len(got)
        for seconds in got:
            lag.add(seconds)
        if got:
            last.add(max(got))

    for listener in listeners:
        listener.ws.close()
    return PushLag(pong, lag, last, lost, followers_count, tweets)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100)
    parser.add_argument("--tweets", type=int, default=30)
    parser.add_argument("--pings", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

    print("# Warbler post -> push latency (local stack)")
    print(f"CPU: {environment.cpu_model()} ({os.cpu_count()} cores)")
    print(
        f"Python {sys.version.split()[0]} on {platform.system()} {platform.release()}, commit {environment.git_commit()}"
    )
    print(f"Inputs: followers={args.followers} (one connection each), tweets={args.tweets}, pings={args.pings}")

    with LocalStack(rest_port=0, ws_port=0) as stack:
        stack.env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        result = measure(stack, args.followers, args.tweets, args.pings, args.timeout)

    pong, lag, last, lost = result.pong, result.lag, result.last, result.lost
    print(f"ping -> pong (baseline)          {pong.row()}")
    print(f"post -> push, every follower     {lag.row()}")
    print(f"post -> push, last follower      {last.row()}")
    print(f"pushes lost: {lost} of {args.tweets * args.followers}")
    print(f"ratio post->push p50 / ping->pong p50: {ratio(lag.p50, pong.p50):.1f}x")


if __name__ == "__main__":
    main()
