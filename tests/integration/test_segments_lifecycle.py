"""The inactive segment end to end on the local stack: with WARBLER_INACTIVE_AFTER_SECONDS small,
a user who goes quiet is soft-deleted by the segmenter (profile, lists, search, timelines,
notifications, Redis state; nothing removed from DynamoDB) and restored by signing in again.

Time is injected: the segmenter's scheduled event carries ``time`` an hour ahead, and the users
who stay active sign in at that time (``lifecycle.returned``), so nobody waits."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.support import wait_until


def users_found(account, q: str) -> list[str]:
    r = account.call("GET", "/search", params={"q": q, "type": "users"})
    assert r.status_code == 200, r.text
    return [u["id"] for u in r.json()["items"]]


def tweets_found(account, q: str) -> list[str]:
    r = account.call("GET", "/search", params={"q": q, "sort": "latest"})
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["items"]]


def listed(account, handle: str, which: str) -> list[str]:
    r = account.call("GET", f"/users/{handle}/{which}")
    assert r.status_code == 200, r.text
    return [u["id"] for u in r.json()["items"]]


def segmenter(now) -> dict:
    from infra import catalog
    from infra.functions import load
    from infra.local.functions import LambdaContext
    from infra.local.pollers import scheduled_event

    spec = catalog.function("segmenter")
    event = {**scheduled_event("segmenter"), "time": now.isoformat().replace("+00:00", "Z")}
    return load(spec).lambda_handler(event, LambdaContext(spec.name, spec.memory_mb, spec.timeout_seconds))


@pytest.fixture
def quiet_world(clean_redis, api, local_stack, settings_override):
    """alice and carol stay; bob (who posted and followed) goes quiet."""
    word = "q" + uuid.uuid4().hex[:10]
    alice, bob, carol = api.signup(f"al{word[:8]}"), api.signup(f"bo{word[:8]}"), api.signup(f"ca{word[:8]}")
    alice.follow(bob)
    bob.follow(alice)
    carol.follow(bob)
    mine = alice.post(f"alice says {word}")
    theirs = bob.post(f"bob says {word} #{word}")
    local_stack.wait_idle(15)
    wait_until(lambda: set(tweets_found(carol, word)) == {mine["id"], theirs["id"]}, timeout=15, message="indexed")
    wait_until(lambda: bob.id in users_found(carol, bob.handle), timeout=15, message="bob indexed")
    assert theirs["id"] in alice.home_ids() and theirs["id"] in carol.home_ids()
    assert mine["id"] in bob.home_ids()  # bob reads once (now), then goes quiet
    with settings_override(inactive_after_seconds=1800):
        yield alice, bob, carol, word, mine, theirs
        # The run soft-deleted every account of this session seen before the cut-off, not only
        # bob: bring them all back, as their sign-in would, for the tests that follow.
        from warbler.adapters.dynamo import UserModel
        from warbler.segments import lifecycle

        for row in UserModel.scan(UserModel.deactivated_at.exists()):
            lifecycle.returned(row.user_id)


def test_a_quiet_user_is_soft_deleted_by_the_segmenter_and_restored_by_signing_in(
    quiet_world, api, local_stack, clean_redis
) -> None:
    from warbler import clock
    from warbler.adapters.dynamo import TweetModel, UserModel
    from warbler.adapters.keys import Keys
    from warbler.analytics import report
    from warbler.analytics.store import LakeStore
    from warbler.segments import lifecycle

    alice, bob, carol, word, mine, theirs = quiet_world
    later = clock.now() + timedelta(hours=1)
    for active in (alice, carol):  # they sign in then; bob, last seen now, is past the cut-off
        lifecycle.returned(active.id, later - timedelta(minutes=1))
    assert clean_redis.exists(Keys.home(bob.id))
    inactive_before = lifecycle.counts(later)["inactive"]

    result = segmenter(later)

    assert result["soft_deleted"] >= 1  # bob, and whoever this session signed up before him
    assert result["segments"]["inactive"] == inactive_before + result["soft_deleted"]
    # the snapshot the report of the day before reads as its segment counts
    the_day_before = report.daily(later.date() - timedelta(days=1))
    assert report.segments_at_end(the_day_before, LakeStore()) == result["segments"]
    # his Redis state is freed
    assert not clean_redis.exists(Keys.home(bob.id), Keys.user_timeline(bob.id), Keys.user_card(bob.id))
    local_stack.wait_idle(15)
    # the profile (and his own timeline) answer 404; lists, search and timelines go without bob
    assert alice.call("GET", f"/users/{bob.handle}").status_code == 404
    assert bob.id not in listed(alice, alice.handle, "followers")
    assert bob.id not in listed(alice, alice.handle, "following") + listed(carol, carol.handle, "following")
    wait_until(lambda: bob.id not in users_found(carol, bob.handle), timeout=15, message="bob still in user search")
    assert tweets_found(carol, word) == [mine["id"]]
    assert theirs["id"] not in alice.home_ids() and theirs["id"] not in carol.home_ids()
    assert alice.call("GET", f"/tweets/{theirs['id']}").status_code == 404
    assert alice.call("GET", f"/users/{bob.handle}/tweets").status_code == 404
    assert alice.call("POST", f"/users/{bob.handle}/follow").status_code == 404
    # bob's follow of alice notified her; that notification goes with him
    notes = alice.call("GET", "/notifications").json()["items"]
    assert not any(bob.id in [a["id"] for a in n["actors"]] for n in notes)
    # nothing is removed from DynamoDB
    row = UserModel.get(bob.id)
    assert row.deactivated_at and row.seen_day is None and row.handle == bob.handle
    assert TweetModel.get(theirs["id"]).author_id == bob.id
    # follower counts keep counting him (docs/analytics.md)
    assert alice.call("GET", "/me").json()["followers_count"] == 1
    # a second run soft-deletes nobody twice
    assert segmenter(later)["soft_deleted"] == 0

    login = api.session.post(f"{api.url}/auth/login", json={"handle": bob.handle, "password": "correct horse"})
    assert login.status_code == 200, login.text
    bob.token = login.json()["token"]

    assert lifecycle.counts(later)["inactive"] == inactive_before + result["soft_deleted"] - 1
    assert alice.call("GET", f"/users/{bob.handle}").status_code == 200
    assert bob.id in listed(alice, alice.handle, "followers") and bob.id in listed(carol, carol.handle, "following")
    wait_until(lambda: bob.id in users_found(carol, bob.handle), timeout=15, message="bob not back in user search")
    assert set(tweets_found(carol, word)) == {mine["id"], theirs["id"]}
    assert theirs["id"] in carol.home_ids()
    assert mine["id"] in bob.home_ids()  # his home timeline, freed, is rebuilt
    assert any(bob.id in [a["id"] for a in n["actors"]] for n in alice.call("GET", "/notifications").json()["items"])
    assert UserModel.get(bob.id).deactivated_at is None
