"""``activity.from_*``: table-stream images as activity events (what trends, notifications,
search and analytics consume)."""

from __future__ import annotations

from datetime import UTC, datetime

from warbler import activity, clock, ids

AUTHOR, FAN = "1001", "1002"
MOMENT = datetime(2026, 11, 22, 12, 30, tzinfo=UTC)


def snowflake_at(moment: datetime) -> str:
    return ids.SnowflakeGenerator(worker_id=1, clock=lambda: moment.timestamp()).next_id()


def tweet_image(**fields) -> dict:
    return {
        "tweet_id": "2124487665738072064",
        "author_id": AUTHOR,
        "created_at": "2026-11-22T12:30:00.000Z",
        "text": "hello #warbler @fan",
        "hashtags": ["warbler"],
        "mentions": [{"id": FAN, "handle": "fan"}],
        **fields,
    }


def test_a_new_tweet_is_a_post_carrying_its_terms_and_mentions():
    (event,) = activity.from_tweet_change("ev-1", "INSERT", tweet_image())

    assert event == {
        "event_id": "ev-1",
        "type": "post",
        "actor_id": AUTHOR,
        "at": "2026-11-22T12:30:00.000Z",
        "tweet_id": "2124487665738072064",
        "hashtags": ["warbler"],
        "mentions": [FAN],
        "text": "hello #warbler @fan",
    }


def test_a_reply_and_a_quote_name_their_parent_and_its_author():
    (reply,) = activity.from_tweet_change(
        "ev-2", "INSERT", tweet_image(reply_to_id="2124487600000000000", parent_author_id=FAN)
    )
    (quote,) = activity.from_tweet_change(
        "ev-3", "INSERT", tweet_image(quote_of_id="2124487600000000001", parent_author_id=FAN)
    )

    assert (reply["type"], reply["parent_id"], reply["target_user_id"]) == ("reply", "2124487600000000000", FAN)
    assert (quote["type"], quote["parent_id"], quote["target_user_id"]) == ("quote", "2124487600000000001", FAN)


def test_a_retweet_and_its_removal_name_the_original_and_the_time_of_the_retweet():
    retweet_id = snowflake_at(MOMENT)
    image = {
        "tweet_id": retweet_id,
        "author_id": FAN,
        "retweet_of_id": "2124487665738072064",
        "parent_author_id": AUTHOR,
    }

    (made,) = activity.from_tweet_change("ev-4", "INSERT", image)
    (undone,) = activity.from_tweet_change("ev-5", "REMOVE", image)

    assert made == {
        "event_id": "ev-4",
        "type": "retweet",
        "actor_id": FAN,
        "at": "2026-11-22T12:30:00.000Z",
        "tweet_id": "2124487665738072064",
        "target_user_id": AUTHOR,
        "original_at": "2026-11-22T12:30:00.000Z",
    }
    assert (undone["type"], undone["tweet_id"], undone["original_at"]) == (
        "unretweet",
        "2124487665738072064",
        "2026-11-22T12:30:00.000Z",
    )


def test_a_removed_tweet_is_a_delete_of_that_tweet_now():
    before = clock.now()
    (event,) = activity.from_tweet_change("ev-6", "REMOVE", tweet_image())

    assert (event["type"], event["actor_id"], event["tweet_id"]) == ("delete", AUTHOR, "2124487665738072064")
    assert clock.parse_iso(event["at"]) >= before.replace(microsecond=0)


def test_a_like_is_dated_by_its_engagement_id_and_its_removal_keeps_that_date():
    engaged = snowflake_at(MOMENT)
    image = {
        "tweet_id": "2124487665738072064",
        "kind_user": f"like#{FAN}",
        "user_id": FAN,
        "author_id": AUTHOR,
        "engaged_id": engaged,
    }

    (liked,) = activity.from_engagement_change("ev-7", "INSERT", image)
    (unliked,) = activity.from_engagement_change("ev-8", "REMOVE", image)

    assert liked == {
        "event_id": "ev-7",
        "type": "like",
        "actor_id": FAN,
        "at": "2026-11-22T12:30:00.000Z",
        "tweet_id": "2124487665738072064",
        "target_user_id": AUTHOR,
        "original_at": "2026-11-22T12:30:00.000Z",
    }
    assert (unliked["type"], unliked["original_at"]) == ("unlike", "2026-11-22T12:30:00.000Z")
    assert unliked["at"] != liked["at"]  # the undo happens now


def test_a_retweet_engagement_row_publishes_nothing_its_tweet_record_does():
    image = {"tweet_id": "1", "kind_user": f"rt#{FAN}", "user_id": FAN, "author_id": AUTHOR, "engaged_id": "2"}

    assert activity.from_engagement_change("ev-9", "INSERT", image) == []


def test_a_follow_and_an_unfollow_name_the_followee_and_when_the_follow_began():
    image = {"follower_id": FAN, "followee_id": AUTHOR, "created_at": "2026-11-22T12:30:00.000Z"}

    (followed,) = activity.from_follow_change("ev-10", "INSERT", image)
    (unfollowed,) = activity.from_follow_change("ev-11", "REMOVE", image)

    assert followed == {
        "event_id": "ev-10",
        "type": "follow",
        "actor_id": FAN,
        "at": "2026-11-22T12:30:00.000Z",
        "target_user_id": AUTHOR,
        "original_at": "2026-11-22T12:30:00.000Z",
    }
    assert (unfollowed["type"], unfollowed["target_user_id"], unfollowed["original_at"]) == (
        "unfollow",
        AUTHOR,
        "2026-11-22T12:30:00.000Z",
    )


def test_a_new_account_is_a_sign_up_and_nothing_else_of_the_users_table_is():
    image = {"user_id": AUTHOR, "handle": "author", "created_at": "2026-11-22T12:30:00.000Z"}

    assert activity.from_user_change("ev-u", "INSERT", image) == [
        {"event_id": "ev-u", "type": "signup", "actor_id": AUTHOR, "at": "2026-11-22T12:30:00.000Z"}
    ]
    assert activity.from_user_change("ev-v", "REMOVE", image) == []


def test_the_publisher_reads_a_users_stream_insert_as_a_sign_up():
    from infra import catalog
    from infra.functions import load

    publisher = load(catalog.function("activity_publisher"))
    record = {
        "eventID": "users-ev-1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"user_id": {"S": AUTHOR}},
            "NewImage": {
                "user_id": {"S": AUTHOR},
                "handle": {"S": "author"},
                "created_at": {"S": "2026-11-22T12:30:00.000Z"},
                "followers_count": {"N": "0"},
            },
            "SequenceNumber": "100",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    modify = {**record, "eventID": "users-ev-2", "eventName": "MODIFY"}

    assert publisher.events_of(record) == [
        {"event_id": "users-ev-1", "type": "signup", "actor_id": AUTHOR, "at": "2026-11-22T12:30:00.000Z"}
    ]
    assert publisher.events_of(modify) == []  # a seen stamp is not an action
