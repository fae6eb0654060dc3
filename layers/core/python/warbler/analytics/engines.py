"""The two engines the report's SQL runs on, chosen by ``WARBLER_ANALYTICS_ENGINE``.

* ``duckdb`` (default): the days a report reads are copied from the lake through boto3 into a
  temporary directory laid out like the lake (``dt=YYYY-MM-DD/n.json.gz``) and read by DuckDB's
  ``read_json`` with Hive partitioning, so ``dt`` is the partition exactly as on Athena. No DuckDB
  extension is needed (``httpfs`` would download itself at run time, which Lambda in a VPC cannot).
* ``athena``: the same SQL against the Glue table ``activity`` (partition projection on ``dt``), in
  the workgroup that holds the result bucket (``infra/cdk/analytics.py``).

Both expose ``query(sql) -> list[dict]`` over the schema of ``warbler.analytics.lake``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import duckdb

from warbler.analytics import figures
from warbler.analytics.lake import LAKE_COLUMNS, PARTITION_COLUMN
from warbler.analytics.store import AthenaStore, LakeStore


class Engine(Protocol):
    # The table holding the deduplicated events of every loaded day, when the engine made one.
    deduplicated: str | None

    def query(self, sql: str) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


class DuckDBEngine:
    """An in-memory DuckDB holding ``activity`` (the lake's objects for ``days``) and
    ``unique_events``: those rows deduplicated once by the ``events`` block of figures.sql, so each
    figure only filters its window (``figures.render(..., deduplicated=...)``)."""

    deduplicated: str | None = "unique_events"

    def __init__(self, lake: LakeStore, days: Iterable[date], threads: int | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="warbler-lake-")
        self._con = duckdb.connect(config={"threads": threads} if threads else {})
        self.objects = 0
        files: list[str] = []
        for day in days:
            folder = Path(self._dir.name) / f"{PARTITION_COLUMN}={day.isoformat()}"
            for i, key in enumerate(lake.partition_keys(day)):
                folder.mkdir(exist_ok=True)
                files.append(str(lake.download(key, folder / f"{i}")))
        self.objects = len(files)
        self._load(files)

    @classmethod
    def from_files(cls, files: list[str]) -> DuckDBEngine:
        """Over local lake-shaped files (``.../dt=YYYY-MM-DD/x.json[.gz]``): tests and benchmarks."""
        engine = cls.__new__(cls)
        engine._dir = tempfile.TemporaryDirectory(prefix="warbler-lake-")
        engine._con = duckdb.connect()
        engine.objects = len(files)
        engine._load(files)
        return engine

    def _load(self, files: list[str]) -> None:
        columns = ", ".join(f'"{name}" {kind}' for name, _, kind in LAKE_COLUMNS)
        self._con.execute(f"CREATE TABLE activity ({columns}, {PARTITION_COLUMN} VARCHAR)")
        self._insert(files)
        # Every loaded day at once: a redelivered copy carries its original's `at`, so it is in the
        # same day as the original, and deduplicating all days equals deduplicating any window.
        self._con.execute(
            f"CREATE TABLE {self.deduplicated} AS {figures.events_sql(date.min, date.max)} ORDER BY {PARTITION_COLUMN}"
        )

    def _insert(self, files: list[str]) -> None:
        for compressed in (True, False):
            group = [f for f in files if f.endswith(".gz") == compressed]
            if not group:
                continue
            self._con.execute(
                "INSERT INTO activity BY NAME SELECT * FROM read_json(?, format = 'newline_delimited', "
                "compression = ?, hive_partitioning = true, hive_types = {'dt': 'VARCHAR'}, columns = ?)",
                [group, "gzip" if compressed else "uncompressed", {name: kind for name, _, kind in LAKE_COLUMNS}],
            )

    def query(self, sql: str) -> list[dict[str, Any]]:
        cursor = self._con.execute(sql)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self._con.close()
        self._dir.cleanup()


class AthenaEngine:
    deduplicated: str | None = None  # Athena runs the events block in front of every figure

    def __init__(self, store: AthenaStore | None = None) -> None:
        self._store = store or AthenaStore()

    def query(self, sql: str) -> list[dict[str, Any]]:
        return self._store.query(sql)

    def close(self) -> None:
        pass
