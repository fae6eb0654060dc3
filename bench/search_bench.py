"""``python -m bench.search_bench`` — search on the local stack: post → searchable, and query
latency with 100K indexed tweets.

1. Post → searchable: an account posts ``--posts`` tweets, each with a unique word; the lag is
   from just before ``POST /tweets`` to the first ``GET /search?q=<word>&sort=latest`` through
   the gateway that returns it (table stream → activity publisher → Kinesis → indexer → osmem).
   Baseline, same process: a ``GET /search`` round trip for a word that is already indexed.
2. Query latency: ``--docs`` synthetic tweets (Zipf-distributed words, hashtags, authors, 30
   days of timestamps, engagement counts) are bulk-loaded straight into the tweets index, then
   each query shape runs ``--reps`` times through the domain's query builders (``search._latest``
   / ``search._top``: the OpenSearch request, no cache, no hydration). Baseline, same process:
   a ``match_all`` of the same page size.

Prints the environment, the inputs and the figures; asserts nothing on timings.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import sys
import time
import uuid

from bench import environment
from bench.stats import Latencies, ratio
from infra.local.client import Api
from infra.local.stack import LocalStack

VOCABULARY = 5000
HASHTAGS = 300
AUTHORS = 2000
DAY_MS = 24 * 3600 * 1000


def post_to_searchable(api: Api, posts: int, timeout: float) -> tuple[Latencies, Latencies]:
    author = api.signup()
    lags, baseline = Latencies(), Latencies()
    for i in range(posts):
        word = "b" + uuid.uuid4().hex[:12]
        started = time.perf_counter()
        author.post(f"bench {word} number {i}")
        deadline = started + timeout
        while time.perf_counter() < deadline:
            r = author.call("GET", "/search", params={"q": word, "sort": "latest"})
            if r.status_code == 200 and r.json()["items"]:
                lags.add(time.perf_counter() - started)
                break
            time.sleep(0.005)
        else:
            print(f"  post {i} not searchable within {timeout} s")
        started = time.perf_counter()
        author.call("GET", "/search", params={"q": word, "sort": "latest"})
        baseline.add(time.perf_counter() - started)
    return lags, baseline


def synthetic_docs(n: int, seed: int = 7):
    rng = random.Random(seed)
    words = [f"t{i}" for i in range(VOCABULARY)]
    weights = [1 / (i + 1) for i in range(VOCABULARY)]
    now = int(time.time() * 1000)
    base_id = 10**18
    for i in range(n):
        at = now - rng.randrange(30 * DAY_MS)
        text = " ".join(rng.choices(words, weights, k=rng.randint(5, 25)))
        tags = [f"h{rng.randrange(HASHTAGS)}" for _ in range(rng.choice((0, 0, 1, 2)))]
        tid = str(base_id + i).zfill(19)
        yield (
            tid,
            {
                "tid": tid,
                "author_id": str(rng.randrange(AUTHORS)),
                "author_handle": f"a{rng.randrange(AUTHORS)}",
                "text": text + "".join(f" #{t}" for t in tags),
                "hashtags": tags,
                "kind": "post",
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(at / 1000)),
                "like_count": int(rng.paretovariate(1.5)) - 1,
                "retweet_count": int(rng.paretovariate(2.0)) - 1,
                "reply_count": 0,
                "quote_count": 0,
            },
        )


def load(docs: int, chunk: int = 1000) -> float:
    from warbler.adapters import opensearch
    from warbler.settings import get_settings

    s = get_settings()
    # Bulk loads and queries over 100K documents outlast the functions' 5 s request timeout.
    opensearch.reset_client(opensearch.make_client(s.opensearch_url, s.aws_region, timeout=300))
    c = opensearch.client()
    index = opensearch.ensure(opensearch.TWEETS)
    started = time.perf_counter()
    body: list[dict] = []
    for tid, doc in synthetic_docs(docs):
        body += [{"index": {"_index": index, "_id": tid}}, doc]
        if len(body) >= 2 * chunk:
            assert not c.bulk(body=body)["errors"]
            body = []
    if body:
        assert not c.bulk(body=body)["errors"]
    opensearch.refresh(opensearch.TWEETS)
    return time.perf_counter() - started


def query_latency(reps: int, limit: int) -> dict[str, tuple[Latencies, int]]:
    from warbler import search
    from warbler.adapters import opensearch

    shapes = {
        "latest: one common word": ("latest", "t3"),
        "latest: two words": ("latest", "t3 t10"),
        "latest: rare word": ("latest", "t4000"),
        "top: one common word": ("top", "t3"),
        "top: two words": ("top", "t3 t10"),
        'top: "phrase"': ("top", '"t1 t2"'),
        "top: #hashtag": ("top", "#h5"),
        "latest: from:handle": ("latest", "from:a42"),
        "latest: word -word since:": (
            "latest",
            f"t3 -t1 since:{time.strftime('%Y-%m-%d', time.gmtime(time.time() - 7 * 86400))}",
        ),
    }
    out: dict[str, tuple[Latencies, int]] = {}
    baseline = Latencies()
    for _ in range(reps):
        started = time.perf_counter()
        opensearch.search(opensearch.TWEETS, {"query": {"match_all": {}}, "size": limit, "_source": False})
        baseline.add(time.perf_counter() - started)
    out["baseline: match_all"] = (baseline, limit)
    for name, (sort, q) in shapes.items():
        parsed = search.parse(q)
        run = search._latest if sort == "latest" else search._top
        lat = Latencies()
        found = 0
        for _ in range(reps):
            started = time.perf_counter()
            page = run(parsed, limit, None)
            lat.add(time.perf_counter() - started)
            found = len(page.ids)
        out[name] = (lat, found)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

    print("# Warbler search (local stack: moto, redis, osmem-server)")
    print(f"CPU: {environment.cpu_model()} ({os.cpu_count()} cores), memory {environment.memory_gb():.1f} GB")
    print(
        f"Python {sys.version.split()[0]} on {platform.system()} {platform.release()}, commit {environment.git_commit()}"
    )
    print(f"Inputs: posts={args.posts}, docs={args.docs}, reps={args.reps}, page size={args.limit}")

    with LocalStack(rest_port=0, ws_port=0) as stack:
        stack.env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        api = Api(stack.rest_url)
        lags, round_trip = post_to_searchable(api, args.posts, args.timeout)
        print("\n## Post -> searchable (through the gateway)")
        print(f"post -> searchable   {lags.row()}")
        print(f"baseline GET /search {round_trip.row()}")
        print(f"ratio p50 {ratio(lags.p50, round_trip.p50):.1f}x, p99 {ratio(lags.p99, round_trip.p99):.1f}x")

        seconds = load(args.docs)
        print(f"\n## Query latency at {args.docs} indexed tweets (bulk load took {seconds:.1f} s)")
        results = query_latency(args.reps, args.limit)
        base = results["baseline: match_all"][0]
        for name, (lat, found) in results.items():
            print(f"{name:<28} {lat.row()}  hits={found}  p50 x{ratio(lat.p50, base.p50):.1f}")


if __name__ == "__main__":
    main()
