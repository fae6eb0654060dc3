"""The core product through the local API Gateway, as a client sees it."""

from __future__ import annotations

import requests

from tests.support import raw_home_entries, wait_until


def test_signup_follow_post_and_the_follower_sees_it_after_fan_out(api):
    alice, bob = api.signup(), api.signup()
    bob.follow(alice)

    tweet = alice.post("hello #warbler from @" + bob.handle)

    assert tweet["hashtags"] == ["warbler"]
    assert tweet["mentions"] == [{"id": bob.id, "handle": bob.handle}]
    assert tweet["author"]["handle"] == alice.handle
    wait_until(lambda: tweet["id"] in bob.home_ids(), timeout=10, message="fan-out never reached the follower")


def test_the_author_sees_their_own_tweet_at_once(api):
    alice = api.signup()
    alice.home()  # an active reader with a cached timeline

    tweet = alice.post("read your writes")

    assert alice.home_ids()[0] == tweet["id"]
    r = alice.call("GET", f"/users/{alice.handle}/tweets")
    assert [t["id"] for t in r.json()["items"]] == [tweet["id"]]


def test_profile_counts_and_following_flag(api):
    alice, bob = api.signup(), api.signup(display_name="Bob B")
    alice.follow(bob)
    alice.follow(bob)  # idempotent
    bob.post("one")

    profile = alice.call("GET", f"/users/{bob.handle}").json()

    assert profile["followers_count"] == 1
    assert profile["tweets_count"] == 1
    assert profile["following"] is True
    assert profile["display_name"] == "Bob B"
    assert alice.call("GET", "/me").json()["following_count"] == 1
    followers = alice.call("GET", f"/users/{bob.handle}/followers").json()
    assert [u["id"] for u in followers["items"]] == [alice.id]


def test_unfollow_is_idempotent_and_updates_counts(api):
    alice, bob = api.signup(), api.signup()
    alice.follow(bob)
    alice.unfollow(bob)
    r = alice.call("DELETE", f"/users/{bob.handle}/follow")

    assert r.json() == {"following": False}
    assert alice.call("GET", f"/users/{bob.handle}").json()["followers_count"] == 0


def test_delete_removes_the_tweet_from_the_follower_timeline_at_once(api, local_stack):
    alice, bob = api.signup(), api.signup()
    bob.home()
    bob.follow(alice)
    tweet = alice.post("soon gone")
    wait_until(lambda: tweet["id"] in bob.home_ids(), timeout=10)
    assert raw_home_entries(local_stack.redis_url, bob.id) == [tweet["id"]]

    assert bob.call("DELETE", f"/tweets/{tweet['id']}").status_code == 403
    assert alice.call("DELETE", f"/tweets/{tweet['id']}").status_code == 204

    assert tweet["id"] not in bob.home_ids()  # at once: the deleted tweet no longer hydrates
    assert alice.call("GET", f"/tweets/{tweet['id']}").status_code == 404
    assert alice.call("DELETE", f"/tweets/{tweet['id']}").status_code == 404
    # ... and the delete's own fan-out takes the entry out of the follower's timeline.
    wait_until(
        lambda: not raw_home_entries(local_stack.redis_url, bob.id),
        timeout=10,
        message="fan-out never removed the deleted tweet's entry",
    )


def test_login_returns_a_working_token(api):
    alice = api.signup(password="a long password")
    r = api.session.post(api.url + "/auth/login", json={"handle": alice.handle.upper(), "password": "a long password"})
    assert r.status_code == 200
    token = r.json()["token"]
    assert requests.get(api.url + "/me", headers={"Authorization": f"Bearer {token}"}).json()["id"] == alice.id
    bad = api.session.post(api.url + "/auth/login", json={"handle": alice.handle, "password": "wrong password"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "unauthorized"


def test_idempotency_key_makes_a_retry_return_the_first_tweet(api):
    alice = api.signup()
    headers = {"Idempotency-Key": "post-1"}
    first = alice.call("POST", "/tweets", json={"text": "only once"}, headers=headers)
    again = alice.call("POST", "/tweets", json={"text": "only once"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert alice.call("GET", "/me").json()["tweets_count"] == 1


def test_paging_home_timeline_has_no_gaps_or_duplicates(api):
    alice = api.signup()
    alice.home()
    posted = [alice.post(f"tweet {i}")["id"] for i in range(7)]

    seen, cursor = [], None
    while True:
        page = alice.home(limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert seen == list(reversed(posted))
    assert alice.home_ids(since_id=posted[4]) == list(reversed(posted[5:]))
