"""The activity lake end to end on the local stack: events on the Kinesis activity stream → the
local Firehose source → moto's Firehose → moto's S3, day-partitioned and gzipped; the report job
over them → JSON, HTML with charts, an SES message; the admin API serves it to admins only."""

from __future__ import annotations

import gzip
import json

import pytest
import requests

from infra.local.bootstrap import LOCAL_REPORT_RECIPIENTS, aws_client

# A day no other test writes events for: the figures below are exactly these events.
DAY = "2026-10-05"
NEXT_DAY = "2026-10-06"


def _event(n: int, kind: str, actor: str, day: str = DAY, **fields) -> dict:
    return {"event_id": f"lake-{n}", "type": kind, "actor_id": actor, "at": f"{day}T1{n % 10}:00:00.000Z", **fields}


EVENTS = [
    _event(1, "signup", "lake-a"),
    _event(2, "signup", "lake-b"),
    _event(3, "seen", "lake-a"),
    _event(4, "seen", "lake-c"),
    _event(5, "click", "lake-b", key="k1", tweet_id="2124487665738072064"),
    _event(6, "seen", "lake-a", day=NEXT_DAY),  # day-1 return of lake-a
]


def _lake_objects(s3, bucket: str, day: str) -> list[bytes]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"activity/dt={day}/").get("Contents", [])
    return [s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed]


def _lines(objects: list[bytes]) -> list[dict]:
    return [json.loads(line) for body in objects for line in gzip.decompress(body).splitlines() if line]


@pytest.fixture(scope="module")
def lake(local_stack):
    from warbler.adapters import kinesis
    from warbler.settings import get_settings

    s = get_settings()
    # The first event twice: an at-least-once redelivery the reports must not count twice.
    kinesis.put_json(s.activity_stream, [(e["actor_id"], e) for e in [*EVENTS, EVENTS[0]]])
    local_stack.wait_idle(20)
    return aws_client("s3", local_stack.aws_endpoint), s.analytics_bucket


def test_activity_events_land_in_the_lake_gzipped_under_their_day(lake, wait_until) -> None:
    s3, bucket = lake

    day = wait_until(lambda: _lines(_lake_objects(s3, bucket, DAY)), timeout=10)
    next_day = _lines(_lake_objects(s3, bucket, NEXT_DAY))

    assert all(body[:2] == b"\x1f\x8b" for body in _lake_objects(s3, bucket, DAY))
    assert sorted(e["event_id"] for e in day) == ["lake-1", "lake-1", "lake-2", "lake-3", "lake-4", "lake-5"]
    assert [e["event_id"] for e in next_day] == ["lake-6"]


@pytest.fixture(scope="module")
def day_report(lake, local_stack) -> dict:
    """What the report job wrote for DAY (the event's detail names the day, as make invoke does)."""
    return local_stack.invoke("analytics_report", {"detail": {"date": DAY}})[f"daily/{DAY}"]


def test_report_job_writes_json_html_charts_and_mails_a_summary(lake, local_stack, day_report) -> None:
    s3, bucket = lake
    out = day_report

    report = json.loads(s3.get_object(Bucket=bucket, Key=out["json"])["Body"].read())
    figures = report["figures"]
    assert figures["active_users"]["dau"] == 3  # lake-a, lake-b, lake-c
    assert figures["actions"]["signups"] == 2  # lake-1 was delivered twice
    assert figures["actions"]["link_clicks"] == 1
    assert figures["top_links"] == [{"link": "k1", "clicks": 1, "clickers": 1}]
    page = s3.get_object(Bucket=bucket, Key=out["html"])["Body"].read().decode()
    assert page.count('src="data:image/png;base64,') == 4 and f"daily report {DAY}" in page
    for key in out["charts"].values():
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read()[:8] == b"\x89PNG\r\n\x1a\n"

    # data.json serializes every service's state of the session's shared moto: slow when it is busy.
    sent = requests.get(f"{local_stack.aws_endpoint}/moto-api/data.json", timeout=60).json()["ses"]["Message"]
    mail = next(m for m in sent if m["id"] == out["mail"])
    assert mail["destinations"]["ToAddresses"] == [LOCAL_REPORT_RECIPIENTS]
    assert mail["subject"] == f"Warbler daily report {DAY}: DAU 3, 2 sign-ups"
    assert f"reports/daily/{DAY}.html" in mail["body"] and ">Full report</a>" in mail["body"]  # presigned link


def test_retention_sees_the_next_days_return(lake, local_stack) -> None:
    s3, bucket = lake

    written = local_stack.invoke("analytics_report", {"detail": {"date": NEXT_DAY}})

    report = json.loads(s3.get_object(Bucket=bucket, Key=written[f"daily/{NEXT_DAY}"]["json"])["Body"].read())
    cohort = next(c for c in report["figures"]["retention"] if c["cohort"] == DAY)
    assert (cohort["size"], cohort["day1_returned"], cohort["day1_retention"]) == (2, 1, 0.5)


def test_admin_reports_route_serves_admins_and_refuses_everyone_else(day_report, local_stack, api) -> None:
    member, admin = api.signup(), api.signup(password="correct horse")
    cognito = aws_client("cognito-idp", local_stack.aws_endpoint)
    cognito.admin_add_user_to_group(
        UserPoolId=local_stack.resources.user_pool_id, Username=admin.id, GroupName="admins"
    )
    login = api.session.post(f"{api.url}/auth/login", json={"handle": admin.handle, "password": "correct horse"})
    admin.token = login.json()["token"]  # a new token carries the group

    assert member.call("GET", f"/admin/reports/daily/{DAY}").status_code == 403
    ok = admin.call("GET", f"/admin/reports/daily/{DAY}")
    assert ok.status_code == 200 and ok.json()["figures"]["active_users"]["dau"] == 3
    assert admin.call("GET", "/admin/reports/daily/2026-13-40").status_code == 422
    assert admin.call("GET", "/admin/reports/weekly/2020-W01").status_code == 404
    assert admin.call("GET", "/admin/reports/hourly/x").status_code == 422  # the path model's enum


def test_admin_segments_route_answers_the_counters_to_admins_only(local_stack, api) -> None:
    member, admin = api.signup(), api.signup(password="correct horse")
    cognito = aws_client("cognito-idp", local_stack.aws_endpoint)
    cognito.admin_add_user_to_group(
        UserPoolId=local_stack.resources.user_pool_id, Username=admin.id, GroupName="admins"
    )
    login = api.session.post(f"{api.url}/auth/login", json={"handle": admin.handle, "password": "correct horse"})
    admin.token = login.json()["token"]

    assert member.call("GET", "/admin/segments").status_code == 403
    ok = admin.call("GET", "/admin/segments")
    assert ok.status_code == 200, ok.text
    counts = ok.json()
    assert set(counts) == {"famous", "live", "active", "passive", "inactive", "accounts"}
    assert counts["accounts"] >= 2 and counts["active"] >= 2  # these two signed up (and in) just now
    assert counts["active"] + counts["passive"] + counts["inactive"] == counts["accounts"]


def test_a_sign_up_reaches_the_lake_as_a_signup_event(local_stack, api, wait_until) -> None:
    """The users table stream → activity_publisher → the activity stream → the lake."""
    from warbler.settings import get_settings

    s3, bucket = aws_client("s3", local_stack.aws_endpoint), get_settings().analytics_bucket
    account = api.signup()
    day = account.user["created_at"][:10]
    local_stack.wait_idle(20)

    def signups() -> list[dict]:
        lines = _lines(_lake_objects(s3, bucket, day))
        return [e for e in lines if e["type"] == "signup" and e["actor_id"] == account.id]

    (event,) = wait_until(signups, timeout=15, message="no signup event in the lake")
    assert event["at"] == account.user["created_at"] and event["event_id"]
