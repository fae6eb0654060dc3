"""The local emulator's parts of the analytics pipeline: EventBridge cron schedules and the
Firehose source's partitioning rule (the CDK's jq query ``{dt: .at[0:10]}``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from infra import catalog
from infra.local.firehose import FirehoseSource
from infra.local.pollers import next_cron_time


@pytest.mark.parametrize(
    ("cron", "after", "expected"),
    [
        ("30 0 * * ? *", "2026-12-01T00:29:59", "2026-12-01T00:30:00"),
        ("30 0 * * ? *", "2026-12-01T00:30:00", "2026-12-02T00:30:00"),  # strictly after
        ("45 0 ? * MON *", "2026-12-01T12:00:00", "2026-12-07T00:45:00"),  # 12-01 is a Tuesday
        ("0 */6 * * ? *", "2026-12-01T07:10:00", "2026-12-01T12:00:00"),
        ("0 9 1 JAN,JUL ? *", "2026-12-01T00:00:00", "2027-01-01T09:00:00"),
        ("15 10 ? * 2-6 2027", "2026-12-01T00:00:00", "2027-01-01T10:15:00"),  # Friday, year 2027
    ],
)
def test_next_cron_time_follows_eventbridge_fields(cron: str, after: str, expected: str) -> None:
    moment = datetime.fromisoformat(after).replace(tzinfo=UTC)
    assert next_cron_time(cron, moment) == datetime.fromisoformat(expected).replace(tzinfo=UTC)


def test_schedule_declares_a_rate_or_a_cron() -> None:
    assert catalog.Schedule(cron="30 0 * * ? *").expression == "cron(30 0 * * ? *)"
    assert catalog.Schedule(rate_minutes=1).expression == "rate(1 minute)"
    with pytest.raises(ValueError):
        catalog.Schedule()
    with pytest.raises(ValueError):
        catalog.Schedule(cron="30 0 * * ?")


def test_firehose_source_partitions_on_the_day_of_at_and_rejects_the_rest() -> None:
    source = FirehoseSource.__new__(FirehoseSource)
    source.spec = catalog.DELIVERY_STREAMS[0]

    assert source.partition(json.dumps({"at": "2026-12-01T23:59:59.999Z"}).encode()) == "2026-12-01"
    assert source.partition(b"not json") is None
    assert source.partition(json.dumps({"at": 17}).encode()) is None
    assert source.partition(json.dumps({"at": "yesterday"}).encode()) is None
    assert source.partition(b"[1, 2]") is None
