"""Mastodon streaming: which $connect is a Mastodon client's, its messages, the frames it gets."""

from __future__ import annotations

import json

import pytest

from warbler.errors import InvalidInput
from warbler.mastodon import entities, streaming


def test_native_clients_are_told_apart_by_their_cognito_jwt():
    assert streaming.connect_request({"queryStringParameters": {"token": "a.b.c"}}) is None
    assert streaming.connect_request({"headers": {"Authorization": "Bearer a.b.c"}}) is None


@pytest.mark.parametrize(
    ("event", "token", "protocol"),
    [
        ({"headers": {"Authorization": "Bearer opaque"}}, "opaque", None),
        ({"queryStringParameters": {"access_token": "opaque", "stream": "user"}}, "opaque", None),
        ({"headers": {"Sec-WebSocket-Protocol": "opaque"}}, "opaque", "opaque"),
    ],
)
def test_a_mastodon_token_comes_three_ways_and_a_subprotocol_is_echoed(event, token, protocol):
    assert streaming.connect_request(event) == streaming.ConnectRequest(token, protocol)


def test_client_messages_are_subscribe_and_unsubscribe_of_known_streams():
    assert streaming.client_message('{"type":"subscribe","stream":"user"}') == streaming.ClientMessage(
        "subscribe", "user"
    )
    assert streaming.client_message('{"action":"ping"}') is None
    with pytest.raises(InvalidInput):
        streaming.client_message('{"type":"subscribe","stream":"public"}')


def test_frames_name_the_stream_and_carry_a_json_string_payload():
    both = streaming.tag_of(["user:notification", "user"])

    (update,) = streaming.frames(both, "update", '{"id":"1"}')
    (delete,) = streaming.frames(both, "delete", "1")
    notified = streaming.frames(both, "notification", '{"id":"n"}')

    assert json.loads(update) == {"stream": ["user"], "event": "update", "payload": '{"id":"1"}'}
    assert json.loads(delete) == {"stream": ["user"], "event": "delete", "payload": "1"}
    assert [json.loads(f)["stream"] for f in notified] == [["user"], ["user:notification"]]
    assert streaming.frames(streaming.tag_of(["user:notification"]), "update", "{}") == []
    assert streaming.streams_of(both) == ["user", "user:notification"]


def test_notification_ids_name_the_group_and_the_actor_and_round_trip():
    group = "1795305600000#like#2124487665738072064"

    mastodon_id = entities.notification_id(group, "2124487604910149632")

    assert mastodon_id == "1795305600000.like.2124487665738072064.2124487604910149632"
    assert entities.parse_notification_id(mastodon_id) == (group, "2124487604910149632")
    assert entities.parse_notification_id("../etc") is None
