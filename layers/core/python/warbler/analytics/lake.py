"""The lake's shape, shared by both query engines and the Glue table (``infra/cdk/analytics.py``
loads this file by path, so it imports nothing).

Objects: ``activity/dt=YYYY-MM-DD/<object>``, gzip-compressed newline-delimited JSON events;
``dt`` is the first ten characters of the event's ``at`` (Firehose's dynamic partitioning).
"""

from __future__ import annotations

LAKE_PREFIX = "activity/"
PARTITION_COLUMN = "dt"  # 'YYYY-MM-DD', a string on both engines

# (column, Hive/Glue type, DuckDB type): the event fields reports read. Events carry more
# (text, mentions, ...); both engines ignore what is not declared.
LAKE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "string", "VARCHAR"),
    ("type", "string", "VARCHAR"),
    ("actor_id", "string", "VARCHAR"),
    ("at", "string", "VARCHAR"),
    ("tweet_id", "string", "VARCHAR"),
    ("parent_id", "string", "VARCHAR"),
    ("target_user_id", "string", "VARCHAR"),
    ("key", "string", "VARCHAR"),
    ("hashtags", "array<string>", "VARCHAR[]"),
)
