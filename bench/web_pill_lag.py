"""``python -m bench.web_pill_lag`` — B posts, A's browser shows the "N new" pill: how long?

A and B sign up; A follows B; A opens the web client (the Vite build, served by the local stack)
in Debian's Chromium and waits on the home screen. B then posts ``--posts`` tweets one after
another through the API; each lag runs from just before B's ``POST /tweets`` to the moment A's
pill reads "<n> new" (polled in the page every animation frame). The baseline, in the same run
on the same stack, is a plain WebSocket client signed in as A: the time to its ``tweet`` push.
The difference is what the browser, the client's reducer and rendering add.

Prints the environment, the inputs and the figures; asserts nothing on timings.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import threading
import time

from websockets.sync.client import connect

from bench import environment
from bench.push_lag import Listener
from bench.stats import Latencies, ratio
from infra.local.browser import chromium
from infra.local.client import Api
from infra.local.stack import LocalStack

PASSWORD = "correct horse battery"


def measure(stack: LocalStack, posts: int, timeout: float) -> tuple[Latencies, Latencies, int]:
    api = Api(stack.rest_url)
    a = api.signup(password=PASSWORD)
    b = api.signup(password=PASSWORD)
    a.follow(b)
    stack.wait_idle(60)

    raw = Listener(connect(f"{stack.ws_url}/?token={a.token}", open_timeout=10))
    threading.Thread(target=raw.run, daemon=True).start()
    pill, push, lost = Latencies(), Latencies(), 0
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{stack.web_url}/#/login")
        page.get_by_label("Handle").fill(a.handle)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.locator(".live-open").wait_for(timeout=timeout * 1000)
        for n in range(1, posts + 1):
            started = time.perf_counter()
            tweet_id = b.post(f"pill bench {n}")["id"]
            try:
                page.wait_for_function(
                    "n => document.querySelector('.new-pill')?.textContent === `${n} new`",
                    arg=n,
                    polling="raf",
                    timeout=timeout * 1000,
                )
                pill.add(time.perf_counter() - started)
            except Exception:  # noqa: BLE001 - a pill that never came is counted, not fatal
                lost += 1
            arrived = raw.wait_for(tweet_id, timeout)
            if arrived is not None:
                push.add(arrived - started)
    raw.ws.close()
    return pill, push, lost


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

    print("# Warbler: B posts -> A's browser shows the 'N new' pill (local stack, Chromium)")
    print(f"CPU: {environment.cpu_model()} ({os.cpu_count()} cores)")
    print(
        f"Python {sys.version.split()[0]} on {platform.system()} {platform.release()}, commit {environment.git_commit()}"
    )
    print(f"Inputs: posts={args.posts}, one follower (A) in Chromium plus a raw WebSocket client as A")

    with LocalStack(rest_port=0, ws_port=0, web_port=0) as stack:
        stack.env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        pill, push, lost = measure(stack, args.posts, args.timeout)

    print(f"post -> raw WebSocket push (baseline)  {push.row()}")
    print(f"post -> 'N new' pill in Chromium       {pill.row()}")
    print(f"pills missed: {lost} of {args.posts}")
    print(f"ratio pill p50 / push p50: {ratio(pill.p50, push.p50):.2f}x")


if __name__ == "__main__":
    main()
