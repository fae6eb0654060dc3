"""The Kinesis activity stream: events partitioned by their actor, so one actor's are in order."""

from __future__ import annotations

from collections.abc import Sequence

from warbler.adapters import kinesis
from warbler.settings import get_settings


class ActivityStream:
    def put(self, events: Sequence[dict]) -> None:
        kinesis.put_json(get_settings().activity_stream, [(e["actor_id"], e) for e in events])
