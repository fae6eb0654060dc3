"""The seed's naive design as a baseline: the graph in PostgreSQL, the home timeline as one query.

Schema and indexes are what a competent engineer would start with: primary keys, the follow
edge indexed both ways, tweets indexed by (author_id, id DESC). Rows are bulk loaded with COPY
into a schema named after the graph parameters, so a second run on the same graph reuses it.
Each read is the classic join, prepared once, returning 20 tweets with their authors.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass

import psycopg

from bench.graph import SocialGraph
from bench.progress import Progress
from bench.stats import Latencies

HOME_QUERY = """
SELECT t.id, t.text, t.created_at, u.id, u.handle, u.display_name
FROM tweets t
JOIN follows f ON t.author_id = f.followee_id
JOIN users u ON u.id = t.author_id
WHERE f.follower_id = %s
ORDER BY t.id DESC
LIMIT 20
"""

_SCHEMA = """
CREATE TABLE users (
    id bigint PRIMARY KEY,
    handle text NOT NULL UNIQUE,
    display_name text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE follows (
    follower_id bigint NOT NULL,
    followee_id bigint NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE tweets (
    id bigint NOT NULL,
    author_id bigint NOT NULL,
    text text NOT NULL,
    created_at timestamptz NOT NULL
);
"""

# Built after the load, as a bulk load should be.
_INDEXES = """
ALTER TABLE follows ADD PRIMARY KEY (follower_id, followee_id);
CREATE INDEX follows_followee ON follows (followee_id, follower_id);
ALTER TABLE tweets ADD PRIMARY KEY (id);
CREATE INDEX tweets_author_id ON tweets (author_id, id DESC);
ALTER TABLE follows ADD FOREIGN KEY (follower_id) REFERENCES users (id);
ALTER TABLE follows ADD FOREIGN KEY (followee_id) REFERENCES users (id);
ALTER TABLE tweets ADD FOREIGN KEY (author_id) REFERENCES users (id);
"""

_CHUNK = 200_000


def conninfo() -> str:
    """PG* variables or DATABASE_URL when set; otherwise the local socket, database ``test``."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if any(k in os.environ for k in ("PGHOST", "PGDATABASE", "PGUSER", "PGPORT", "PGSERVICE")):
        return ""
    return "dbname=test"


HOW_TO_PROVIDE = (
    "PostgreSQL not reachable: set PGHOST/PGPORT/PGUSER/PGDATABASE (or DATABASE_URL), or pass --pg "
    "'host=... dbname=...'; the naive-SQL baseline is skipped."
)


def connect(dsn: str | None) -> psycopg.Connection | None:
    try:
        return psycopg.connect(dsn if dsn is not None else conninfo(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:
        return None


def server_version(conn: psycopg.Connection) -> str:
    row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0]}" if row else "PostgreSQL"


@dataclass
class LoadResult:
    schema: str
    reused: bool
    seconds: float
    rows: int


def load(conn: psycopg.Connection, graph: SocialGraph, progress: Progress) -> LoadResult:
    schema = "warbler_bench_" + graph.spec.key()
    started = time.perf_counter()
    exists = conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'loaded'", (schema,)
    ).fetchone()
    conn.execute(f"SET search_path TO {schema}")
    if exists:
        return LoadResult(schema, True, time.perf_counter() - started, 0)

    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute(f"SET search_path TO {schema}")
    conn.execute(_SCHEMA)
    total = graph.users + len(graph.follower) + len(graph.tweet_author)
    task = progress.task(f"COPY {graph.spec.label} into PostgreSQL", total)
    epoch = "2024-01-01 00:00:00+00"
    with conn.cursor() as cur:
        with cur.copy("COPY users (id, handle, display_name, created_at) FROM STDIN") as copy:
            for start in range(0, graph.users, _CHUNK):
                stop = min(start + _CHUNK, graph.users)
                copy.write("".join(f"{u}\tuser{u}\tUser {u}\t{epoch}\n" for u in range(start, stop)))
                task.advance(stop - start)
        with cur.copy("COPY follows (follower_id, followee_id, created_at) FROM STDIN") as copy:
            edges = len(graph.follower)
            for start in range(0, edges, _CHUNK):
                stop = min(start + _CHUNK, edges)
                a, b = graph.follower[start:stop], graph.followee[start:stop]
                copy.write("".join(f"{x}\t{y}\t{epoch}\n" for x, y in zip(a, b, strict=True)))
                task.advance(stop - start)
        with cur.copy("COPY tweets (id, author_id, text, created_at) FROM STDIN") as copy:
            tweets = len(graph.tweet_author)
            for start in range(0, tweets, _CHUNK):
                stop = min(start + _CHUNK, tweets)
                authors = graph.tweet_author[start:stop]
                copy.write(
                    "".join(
                        f"{i + 1}\t{a}\tTweet number {i + 1} from user{a}, about nothing in particular.\t"
                        f"2024-01-01 00:00:00+00\n"
                        for i, a in enumerate(authors, start)
                    )
                )
                task.advance(stop - start)
    task.done()
    index_task = progress.task("index + ANALYZE", 1)
    conn.execute(_INDEXES)
    conn.execute("ANALYZE")
    conn.execute("CREATE TABLE loaded (spec text NOT NULL)")
    conn.execute("INSERT INTO loaded VALUES (%s)", (graph.spec.key(),))
    index_task.done()
    return LoadResult(schema, False, time.perf_counter() - started, total)


def measure_home(conn: psycopg.Connection, readers: list[int], reads: int, seed: int, warmup: int = 50) -> Latencies:
    """Latency of the home query for ``reads`` reads drawn from ``readers``, after a warm-up."""
    rng = random.Random(seed)
    latencies = Latencies()
    with conn.cursor() as cur:
        for i in range(warmup + reads):
            reader = readers[rng.randrange(len(readers))]
            started = time.perf_counter()
            cur.execute(HOME_QUERY, (reader,), prepare=True)
            cur.fetchall()
            elapsed = time.perf_counter() - started
            if i >= warmup:
                latencies.add(elapsed)
    return latencies


def explain(conn: psycopg.Connection, reader: int) -> str:
    rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + HOME_QUERY, (reader,)).fetchall()
    return "\n".join(r[0] for r in rows)


def drop_all(conn: psycopg.Connection) -> int:
    """Drop every schema a bench run created; returns how many."""
    schemas = [
        r[0]
        for r in conn.execute(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'warbler_bench_%'"
        ).fetchall()
    ]
    for s in schemas:
        conn.execute(f"DROP SCHEMA {s} CASCADE")
    return len(schemas)
