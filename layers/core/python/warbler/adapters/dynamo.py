"""PynamoDB models: DynamoDB is the source of truth.

Endpoints come from botocore (``AWS_ENDPOINT_URL`` locally); table names from settings.
Counters are plain numbers updated with ``ADD`` inside transactions so they stay exact under
concurrency; the stream consumers never write back to the table they consume.
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from warbler.adapters.table_binding import bound_to


class _Meta:
    # table_name and region come from settings when first used (see table_binding.bound_to).
    billing_mode = "PAY_PER_REQUEST"
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 3


class SeenDayIndex(GlobalSecondaryIndex["UserModel"]):
    """Sparse: the accounts by last-seen day bucket (``warbler.segments.rules.seen_bucket``);
    a soft-deleted account has no ``seen_day``, so it is not here. Keys only: stamping
    ``last_seen_at`` every hour writes nothing to the index, only the day's change does."""

    class Meta:
        index_name = "by_seen_day"
        projection = KeysOnlyProjection()

    seen_day = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


@bound_to("users")
class UserModel(Model):
    class Meta(_Meta):
        pass

    user_id = UnicodeAttribute(hash_key=True)
    handle = UnicodeAttribute()
    display_name = UnicodeAttribute(default="")
    bio = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    last_seen_at = UnicodeAttribute(null=True)
    followers_count = NumberAttribute(default=0)
    following_count = NumberAttribute(default=0)
    tweets_count = NumberAttribute(default=0)
    notifications_read_to = UnicodeAttribute(null=True)
    seen_day = UnicodeAttribute(null=True)  # by_seen_day's key: absent once soft-deleted
    deactivated_at = UnicodeAttribute(null=True)  # set while soft-deleted (inactive)
    by_seen_day = SeenDayIndex()


@bound_to("handles")
class HandleModel(Model):
    """Claims a handle case-insensitively: the key is the lower-cased handle."""

    class Meta(_Meta):
        pass

    handle_key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class FolloweeIndex(GlobalSecondaryIndex["FollowModel"]):
    class Meta:
        index_name = "by_followee"
        projection = AllProjection()

    followee_id = UnicodeAttribute(hash_key=True)
    follower_id = UnicodeAttribute(range_key=True)


@bound_to("follows")
class FollowModel(Model):
    class Meta(_Meta):
        pass

    follower_id = UnicodeAttribute(hash_key=True)
    followee_id = UnicodeAttribute(range_key=True)
    created_at = UnicodeAttribute()
    by_followee = FolloweeIndex()


class MentionAttribute(MapAttribute):
    id = UnicodeAttribute()
    handle = UnicodeAttribute()


class ParentIndex(GlobalSecondaryIndex["TweetModel"]):
    """Direct replies of a tweet, oldest first."""

    class Meta:
        index_name = "by_parent"
        projection = AllProjection()

    reply_to_id = UnicodeAttribute(hash_key=True)
    tweet_id = UnicodeAttribute(range_key=True)


class AuthorIndex(GlobalSecondaryIndex["TweetModel"]):
    class Meta:
        index_name = "by_author"
        projection = AllProjection()

    author_id = UnicodeAttribute(hash_key=True)
    tweet_id = UnicodeAttribute(range_key=True)


@bound_to("tweets")
class TweetModel(Model):
    """``tweet_id`` is the 19-digit zero-padded snowflake, so string order is time order."""

    class Meta(_Meta):
        pass

    tweet_id = UnicodeAttribute(hash_key=True)
    author_id = UnicodeAttribute()
    text = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    hashtags = ListAttribute(of=UnicodeAttribute, default=list)
    mentions = ListAttribute(of=MentionAttribute, default=list)
    like_count = NumberAttribute(default=0)
    retweet_count = NumberAttribute(default=0)
    reply_count = NumberAttribute(default=0)
    quote_count = NumberAttribute(default=0)
    # A retweet is a tweet of its own (its id orders it in timelines) pointing at the original.
    retweet_of_id = UnicodeAttribute(null=True)
    quote_of_id = UnicodeAttribute(null=True)
    reply_to_id = UnicodeAttribute(null=True)
    conversation_id = UnicodeAttribute(null=True)
    # The author of the tweet this one retweets, quotes or replies to: notifications and the
    # reply fan-out rule need it without another read.
    parent_author_id = UnicodeAttribute(null=True)
    # Attached media and wrapped links (issue 11): the ids (media_cleanup deletes them with the
    # tweet) and the entities the views show, as JSON, fixed when the tweet is posted.
    media_ids = ListAttribute(of=UnicodeAttribute, null=True)
    media_json = UnicodeAttribute(null=True)
    urls_json = UnicodeAttribute(null=True)
    by_author = AuthorIndex()
    by_parent = ParentIndex()


class EngagementUserIndex(GlobalSecondaryIndex["EngagementModel"]):
    """A user's likes, newest like first."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_kind = UnicodeAttribute(hash_key=True)
    engaged_id = UnicodeAttribute(range_key=True)


@bound_to("engagements")
class EngagementModel(Model):
    """Who liked or retweeted a tweet: one row per (tweet, kind, user), so repeating the action
    is a no-op and counts stay exact. ``kind_user`` is ``like#<user>`` or ``rt#<user>``."""

    class Meta(_Meta):
        pass

    tweet_id = UnicodeAttribute(hash_key=True)
    kind_user = UnicodeAttribute(range_key=True)
    user_kind = UnicodeAttribute()
    engaged_id = UnicodeAttribute()  # a snowflake minted at the action: orders "newest first"
    user_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    retweet_id = UnicodeAttribute(null=True)
    by_user = EngagementUserIndex()


@bound_to("notifications")
class NotificationModel(Model):
    """One row per group: (type, tweet, time window). Actors are a string set, so a redelivered
    event adds nobody twice and an undo removes exactly its actor."""

    class Meta(_Meta):
        pass

    user_id = UnicodeAttribute(hash_key=True)
    notification_id = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()
    tweet_id = UnicodeAttribute(null=True)
    actor_ids = UnicodeSetAttribute(null=True)
    latest_actor_ids = ListAttribute(of=UnicodeAttribute, null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


@bound_to("connections")
class ConnectionModel(Model):
    """An open WebSocket connection: the durable record behind the Redis live index. ``$disconnect``
    carries no identity (there is no authorizer), so this row is how it finds the user."""

    class Meta(_Meta):
        pass

    connection_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    connected_at = UnicodeAttribute()
    audiences = UnicodeSetAttribute(null=True)  # the famous accounts whose live audience it joined
    expires_at = TTLAttribute()
    # A Mastodon streaming client's tag (its subscribed streams, warbler.mastodon.streaming); the
    # live index holds it as "<connection id>~<tag>" so a push picks the encoding without a read.
    # Absent for the native client.
    tag = UnicodeAttribute(null=True)


@bound_to("oauth")
class OAuthModel(Model):
    """The Mastodon edge's OAuth apps, authorization codes and access tokens (warbler.mastodon.store)."""

    class Meta(_Meta):
        pass

    key = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # "app" | "code" | "token"
    created_at = UnicodeAttribute()
    client_id = UnicodeAttribute(null=True)
    secret_hash = UnicodeAttribute(null=True)  # apps: the client secret's digest
    name = UnicodeAttribute(null=True)
    website = UnicodeAttribute(null=True)
    redirect_uris = UnicodeSetAttribute(null=True)
    scopes = UnicodeAttribute(null=True)  # space-separated, as OAuth writes them
    user_id = UnicodeAttribute(null=True)
    redirect_uri = UnicodeAttribute(null=True)  # codes: the one they were issued for
    code_challenge = UnicodeAttribute(null=True)
    code_challenge_method = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


@bound_to("media")
class MediaModel(Model):
    """One uploaded file. ``expires_at`` (TTL) is set until the media is attached to a tweet;
    the item's removal (TTL, or the tweet's deletion) removes its objects (``media_cleanup``)."""

    class Meta(_Meta):
        pass

    media_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    content_type = UnicodeAttribute()
    kind = UnicodeAttribute()  # image | gif | video
    declared_size = NumberAttribute()
    size = NumberAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    alt_text = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default="pending")
    reason = UnicodeAttribute(null=True)
    upload_key = UnicodeAttribute()
    original_key = UnicodeAttribute(null=True)
    preview_key = UnicodeAttribute(null=True)
    tweet_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)
    processing_ms = NumberAttribute(null=True)


@bound_to("kgs")
class KeyCounterModel(Model):
    """Short-key reservations (warbler.links.store): the next free counter and the permutation secret."""

    class Meta(_Meta):
        pass

    name = UnicodeAttribute(hash_key=True)
    next_counter = NumberAttribute(default=0)
    secret = UnicodeAttribute(null=True)


@bound_to("links")
class LinkModel(Model):
    """Short links (warbler.links.store): ``k:<key>`` -> URL, ``u:<sha256(URL)>`` -> key."""

    class Meta(_Meta):
        pass

    id = UnicodeAttribute(hash_key=True)
    url = UnicodeAttribute(null=True)  # on k: items
    key = UnicodeAttribute(null=True)  # on u: items
    tweet_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    UserModel,
    HandleModel,
    FollowModel,
    TweetModel,
    EngagementModel,
    NotificationModel,
    ConnectionModel,
    OAuthModel,
    MediaModel,
    KeyCounterModel,
    LinkModel,
)
