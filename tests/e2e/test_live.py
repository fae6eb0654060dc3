"""Live pushes over the local WebSocket API, with real WebSocket clients.

Each wait has a deadline (``recv`` with the time left), never a sleep.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.support import wait_until

TIMEOUT = 15.0


@contextmanager
def live(local_stack, account) -> Iterator[ClientConnection]:
    with connect(f"{local_stack.ws_url}/?token={account.token}", open_timeout=10) as ws:
        yield ws


def receive(ws: ClientConnection, matches: Callable[[dict], bool], timeout: float = TIMEOUT) -> dict:
    """The first message that ``matches``, skipping others, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = json.loads(ws.recv(timeout=left))
        except TimeoutError:
            break
        if matches(message):
            return message
    raise AssertionError(f"no matching message within {timeout} s")


def tweet_message(tweet_id: str) -> Callable[[dict], bool]:
    return lambda m: m.get("type") == "tweet" and m["tweet"]["id"] == tweet_id


def test_a_connected_follower_receives_a_new_tweet(local_stack, api):
    author, follower = api.signup(), api.signup()
    follower.follow(author)
    local_stack.wait_idle(TIMEOUT)

    with live(local_stack, follower) as ws:
        tweet = author.post("live hello")
        message = receive(ws, tweet_message(tweet["id"]))

    assert message["tweet"]["text"] == "live hello"
    assert message["tweet"]["author"]["handle"] == author.handle


@pytest.mark.parametrize("query", ["", "?token=", "?token=not.a.jwt"])
def test_a_connect_without_a_valid_token_is_refused(local_stack, query):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{local_stack.ws_url}/{query}", open_timeout=10)

    assert refused.value.response.status_code == 401


def test_a_user_with_two_connections_gets_the_tweet_on_both(local_stack, api):
    author, follower = api.signup(), api.signup()
    follower.follow(author)
    local_stack.wait_idle(TIMEOUT)

    with live(local_stack, follower) as phone, live(local_stack, follower) as laptop:
        tweet = author.post("twice")

        receive(phone, tweet_message(tweet["id"]))
        receive(laptop, tweet_message(tweet["id"]))


def test_a_delete_reaches_a_connected_follower(local_stack, api):
    author, follower = api.signup(), api.signup()
    follower.follow(author)
    tweet = author.post("soon gone")
    local_stack.wait_idle(TIMEOUT)

    with live(local_stack, follower) as ws:
        assert author.call("DELETE", f"/tweets/{tweet['id']}").status_code == 204
        message = receive(ws, lambda m: m.get("type") == "delete")

    assert message == {"type": "delete", "tweet_id": tweet["id"]}


def test_ping_is_answered_with_pong(local_stack, api):
    with live(local_stack, api.signup()) as ws:
        ws.send(json.dumps({"action": "ping"}))

        assert receive(ws, lambda m: True) == {"type": "pong"}


def test_a_like_pushes_the_notification_to_the_author(local_stack, api):
    author, fan = api.signup(), api.signup()
    tweet = author.post("like me")

    with live(local_stack, author) as ws:
        assert fan.call("POST", f"/tweets/{tweet['id']}/like").status_code in (200, 201)
        message = receive(ws, lambda m: m.get("type") == "notification")

    notification = message["notification"]
    assert notification["type"] == "like"
    assert notification["tweet"]["id"] == tweet["id"]
    assert [a["handle"] for a in notification["actors"]] == [fan.handle]


def test_a_client_that_went_away_is_removed_on_the_next_push(local_stack, api):
    from warbler.adapters.dynamo import ConnectionModel
    from warbler.live.store import ConnectionStore

    author, follower = api.signup(), api.signup()
    follower.follow(author)
    local_stack.wait_idle(TIMEOUT)
    # A connection whose $disconnect never arrived: recorded, but the gateway no longer has it.
    ConnectionStore().add("gone-conn-0000=", follower.id, [])

    with live(local_stack, follower) as ws:
        tweet = author.post("are you there?")
        receive(ws, tweet_message(tweet["id"]))  # the open connection still gets it

    wait_until(lambda: ConnectionModel.count("gone-conn-0000=") == 0, timeout=TIMEOUT)
    assert "gone-conn-0000=" not in {c.connection_id for c in ConnectionStore().of_users([follower.id])}


def test_a_closed_connection_is_forgotten_on_disconnect(local_stack, api):
    from warbler.live.store import ConnectionStore

    user = api.signup()
    with live(local_stack, user):
        assert len(ConnectionStore().of_users([user.id])) == 1

    wait_until(lambda: not ConnectionStore().of_users([user.id]), timeout=TIMEOUT)


def test_a_famous_authors_tweet_reaches_a_live_follower(local_stack, api, settings_override):
    from warbler.live.store import ConnectionStore

    star, fan = api.signup(), api.signup()
    with settings_override(famous_threshold=1):
        fan.follow(star)  # star is famous from this follower on: no fan-out, read-time merge
        local_stack.wait_idle(TIMEOUT)

        with live(local_stack, fan) as ws:
            assert [c.user_id for c in ConnectionStore().audience(star.id)] == [fan.id]
            tweet = star.post("to my live audience")
            message = receive(ws, tweet_message(tweet["id"]))
            assert star.call("DELETE", f"/tweets/{tweet['id']}").status_code == 204
            deleted = receive(ws, lambda m: m.get("type") == "delete")
        local_stack.wait_idle(TIMEOUT)

    assert message["tweet"]["text"] == "to my live audience"
    assert deleted == {"type": "delete", "tweet_id": tweet["id"]}
