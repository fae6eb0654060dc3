"""The Kinesis activity stream: events partitioned by their actor, so one actor's are in order."""

from __future__ import annotations

from collections.abc import Sequence

from warbler.adapters import kinesis
from warbler.settings import get_settings


class ActivityStream:
    def put(self, events: Sequence[dict]) -> None:
        self.put_keyed([(e["actor_id"], e) for e in events])

    def put_keyed(self, records: Sequence[tuple[str, dict]]) -> None:
        """(partition key, event) records, for events ordered by something else than an actor."""
        kinesis.put_json(get_settings().activity_stream, records)
