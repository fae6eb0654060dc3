"""Where a warm home read's time goes: the ``timelines`` handler profiled in-process with
pyinstrument (a sampling profiler, so the profile barely changes what it measures).

Each sample's time is charged to the innermost of these it falls in: Redis (redis-py, the
socket wait included), JSON (serialising the response), hydration (``tweets.views.hydrate``:
records, flags, cards into views), the timeline rules (``feeds.reads.HomeTimeline``: the page
and the famous merge), auth claims (``api.caller_id``); everything else in the handler is the
resolver and Powertools (event parsing, routing, validation, logging, metrics).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

CATEGORIES = ("Redis", "JSON", "hydration", "timeline rules", "auth claims", "resolver and Powertools")


def _category(function: str, path: str) -> str | None:
    if "/redis/" in path or "/hiredis" in path:
        return "Redis"
    if function == "json_response" or path.endswith("/json/encoder.py"):
        return "JSON"
    if function == "hydrate" and path.endswith("tweets/views.py"):
        return "hydration"
    if path.endswith("feeds/reads.py") and function in ("page_ids", "_from_redis"):
        return "timeline rules"
    if function == "caller_id" and path.endswith("warbler/api.py"):
        return "auth claims"
    return None


def profile(read: Callable[[str], int], readers: Sequence[str], reads: int) -> dict[str, float]:
    """Seconds per category over ``reads`` warm reads (cycling through ``readers``)."""
    from pyinstrument import Profiler

    # 1 ms: at 0.2 ms the sampler's own work took a profiled read from ~5 ms to ~100 ms on a
    # loaded 2-core host (the whole phase 100-190 s), and what it slowed most was the wait for
    # Redis, whose server shares the two cores; the shares are what the report uses.
    profiler = Profiler(interval=0.001)
    profiler.start()
    for i in range(reads):
        read(readers[i % len(readers)])
    session = profiler.stop()
    totals = dict.fromkeys(CATEGORIES, 0.0)
    root = profiler.last_session.root_frame() if session is None else session.root_frame()
    if root is None:
        return totals
    stack: list[tuple] = [(root, "resolver and Powertools")]
    while stack:
        frame, inherited = stack.pop()
        # Redis and JSON win over what encloses them; the others only name code outside them.
        own = _category(frame.function or "", frame.file_path or "")
        category = inherited if inherited in ("Redis", "JSON") else (own or inherited)
        children = frame.children
        totals[category] += max(0.0, frame.time - sum(c.time for c in children))
        stack.extend((c, category) for c in children)
    return totals
