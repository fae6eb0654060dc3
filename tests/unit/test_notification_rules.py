"""``notifications.changes_for``: what one activity event does to whose notifications."""

from __future__ import annotations

from warbler import notifications
from warbler.notifications import Change
from warbler.settings import get_settings

AUTHOR, FAN, OTHER, THIRD = "1001", "1002", "1003", "1004"
TWEET = "2124487665738072064"


def like(actor: str = FAN, at: str = "2026-11-22T12:30:00.000Z", **extra) -> dict:
    return {"type": "like", "actor_id": actor, "at": at, "tweet_id": TWEET, "target_user_id": AUTHOR, **extra}


def window_start_ms(at: str) -> int:
    from warbler import clock

    ms = int(clock.parse_iso(at).timestamp() * 1000)
    return ms - ms % (get_settings().notification_group_seconds * 1000)


def test_a_like_adds_its_actor_to_the_authors_like_group_for_that_tweet_and_window():
    (change,) = notifications.changes_for(like())

    window = window_start_ms("2026-11-22T12:30:00.000Z")
    assert change == Change(AUTHOR, f"{window:013d}#like#{TWEET}", "like", TWEET, FAN, "2026-11-22T12:30:00.000Z", True)


def test_likes_in_one_window_share_a_group_and_the_next_window_starts_another():
    hours = get_settings().notification_group_seconds // 3600
    assert hours == 6  # the windows below assume the default six hours: 12:00-18:00, 18:00-24:00
    first = notifications.changes_for(like(FAN, "2026-11-22T12:01:00.000Z"))[0]
    same = notifications.changes_for(like(OTHER, "2026-11-22T17:59:00.000Z"))[0]
    later = notifications.changes_for(like(THIRD, "2026-11-22T18:00:00.000Z"))[0]

    assert first.notification_id == same.notification_id
    assert later.notification_id != first.notification_id


def test_nobody_is_notified_of_their_own_act():
    assert notifications.changes_for(like(actor=AUTHOR)) == []
    own_reply = {
        "type": "reply",
        "actor_id": AUTHOR,
        "at": "2026-11-22T12:30:00.000Z",
        "tweet_id": TWEET,
        "target_user_id": AUTHOR,
        "mentions": [AUTHOR],
    }
    assert notifications.changes_for(own_reply) == []


def test_a_follow_is_grouped_per_window_without_a_tweet():
    event = {"type": "follow", "actor_id": FAN, "at": "2026-11-22T12:30:00.000Z", "target_user_id": AUTHOR}

    (change,) = notifications.changes_for(event)

    assert (change.recipient, change.type, change.tweet_id, change.add) == (AUTHOR, "follow", None, True)
    assert change.notification_id.endswith("#follow#-")


def test_a_retweet_is_grouped_like_a_like():
    event = {**like(), "type": "retweet"}

    (change,) = notifications.changes_for(event)

    assert (change.type, change.tweet_id, change.add) == ("retweet", TWEET, True)


def test_an_undo_removes_its_actor_from_the_group_of_the_original_act():
    liked = notifications.changes_for(like(at="2026-11-22T12:30:00.000Z"))[0]
    undo = {**like(at="2026-11-23T09:00:00.000Z"), "type": "unlike", "original_at": "2026-11-22T12:30:00.000Z"}

    (change,) = notifications.changes_for(undo)

    assert change.notification_id == liked.notification_id  # the like's window, not the unlike's
    assert (change.recipient, change.actor_id, change.add) == (AUTHOR, FAN, False)


def test_an_undo_without_the_original_time_changes_nothing():
    assert notifications.changes_for({**like(), "type": "unlike"}) == []


def test_an_unfollow_removes_the_follower_from_the_follow_group():
    event = {
        "type": "unfollow",
        "actor_id": FAN,
        "at": "2026-11-23T09:00:00.000Z",
        "target_user_id": AUTHOR,
        "original_at": "2026-11-22T12:30:00.000Z",
    }

    (change,) = notifications.changes_for(event)

    assert (change.type, change.tweet_id, change.add) == ("follow", None, False)


def test_a_reply_notifies_the_parent_author_once_and_each_other_mention_once():
    event = {
        "type": "reply",
        "actor_id": FAN,
        "at": "2026-11-22T12:30:00.000Z",
        "tweet_id": TWEET,
        "target_user_id": AUTHOR,
        "mentions": [AUTHOR, OTHER, OTHER, FAN],
    }

    changes = notifications.changes_for(event)

    assert [(c.recipient, c.type) for c in changes] == [(AUTHOR, "reply"), (OTHER, "mention")]
    assert all(c.tweet_id == TWEET and c.add for c in changes)
    # One row per tweet, not a group: the id carries the reply's own time.
    assert changes[0].notification_id.endswith(f"#reply#{TWEET}")


def test_a_quote_notifies_the_quoted_author():
    event = {
        "type": "quote",
        "actor_id": FAN,
        "at": "2026-11-22T12:30:00.000Z",
        "tweet_id": TWEET,
        "target_user_id": AUTHOR,
    }

    assert [(c.recipient, c.type) for c in notifications.changes_for(event)] == [(AUTHOR, "quote")]


def test_a_post_notifies_only_whom_it_mentions():
    event = {
        "type": "post",
        "actor_id": FAN,
        "at": "2026-11-22T12:30:00.000Z",
        "tweet_id": TWEET,
        "mentions": [OTHER, THIRD],
    }

    assert [(c.recipient, c.type) for c in notifications.changes_for(event)] == [(OTHER, "mention"), (THIRD, "mention")]


def test_deletes_and_reads_notify_nobody():
    assert (
        notifications.changes_for(
            {"type": "delete", "actor_id": FAN, "at": "2026-11-22T12:30:00.000Z", "tweet_id": TWEET}
        )
        == []
    )
    assert notifications.changes_for({"type": "seen", "actor_id": FAN, "at": "2026-11-22T12:30:00.000Z"}) == []
