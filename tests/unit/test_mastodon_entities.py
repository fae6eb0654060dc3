"""One test per Mastodon entity, against Mastodon's documented shape.

The documented keys come from Mastodon.py's ``return_types`` (its transcription of
docs.joinmastodon.org, with the version each key was added): every key Mastodon had by the API
level Warbler claims (``instance.API_LEVEL``) must be present, except the few Mastodon
itself only sends in a context Warbler never has (named below with the reason).
"""

from __future__ import annotations

import inspect
import re

import mastodon.return_types as documented
import pytest

from warbler.mastodon import entities, instance

BASE = "https://warbler.example"
MS_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
LEVEL = tuple(int(x) for x in instance.API_LEVEL.split("."))

# Keys Mastodon sends only in a situation Warbler does not have.
CONTEXT_ONLY = {
    "Account": {
        "moved": "only for an account that moved away",
        "suspended": "only when true",
        "limited": "only when true",
        "role": "CredentialAccount only (see its own test)",
        "source": "CredentialAccount only (see its own test)",
        "mute_expires_at": "only in the list of muted accounts",
    },
    "Tag": {
        "following": "only with a user token (the trends test passes one)",
        "id": "Admin::Tag",
        "trendable": "Admin::Tag",
        "usable": "Admin::Tag",
        "requires_review": "Admin::Tag",
    },
}


def documented_keys(entity: str) -> set[str]:
    """Keys of ``entity`` that Mastodon had by ``LEVEL``, from Mastodon.py's annotations."""
    source = inspect.getsource(getattr(documented, entity))
    keys = set()
    for name, doc in re.findall(r'^    (\w+): "[^"]+"\n    """(.*?)"""', source, re.S | re.M):
        added = re.search(r"\* ([\d.]+): added", doc)
        if added is None:  # undated keys (Mastodon.py's own additions, e.g. Account.state)
            continue
        removed = re.search(r"\* ([\d.]+): removed", doc)
        if removed is not None and tuple(int(x) for x in removed.group(1).split(".")) <= LEVEL:
            continue  # e.g. MediaAttachment.text_url, gone in 3.5
        if tuple(int(x) for x in added.group(1).split(".")) <= LEVEL:
            keys.add(name)
    return keys - set(CONTEXT_ONLY.get(entity, {}))


USER = {
    "id": "2124487603970625536",
    "handle": "alice",
    "display_name": "Alice <A>",
    "bio": "likes <b>tags</b>",
    "created_at": "2026-11-22T12:58:25.241Z",
    "followers_count": 3,
    "following_count": 2,
    "tweets_count": 7,
}
BOB = {**USER, "id": "2124487604910149632", "handle": "bob", "display_name": "Bob", "bio": ""}
PEOPLE = {USER["id"]: USER, BOB["id"]: BOB}


def tweet_view(**extra) -> dict:
    view = {
        "id": "2124487665738072064",
        "text": "hi @bob & @nobody, see https://x.example.com/a?b=1 #Warbler\nbye",
        "created_at": "2026-11-22T12:58:25.241Z",
        "author": {"id": USER["id"], "handle": "alice", "display_name": "Alice"},
        "hashtags": ["warbler"],
        "mentions": [{"id": BOB["id"], "handle": "bob"}],
        "like_count": 4,
        "retweet_count": 2,
        "reply_count": 1,
        "quote_count": 0,
        "reply_to_id": None,
        "conversation_id": "2124487665738072064",
        "quote_of_id": None,
        "liked": True,
        "retweeted": False,
    }
    view.update(extra)
    return view


def test_account_has_every_documented_key_with_string_id_and_html_note():
    account = entities.account(USER, BASE)

    assert documented_keys("Account") <= set(account)
    assert account["id"] == USER["id"] and isinstance(account["id"], str)
    assert account["acct"] == account["username"] == "alice"
    assert account["note"] == "<p>likes &lt;b&gt;tags&lt;/b&gt;</p>"
    assert account["url"] == f"{BASE}/@alice"
    assert account["statuses_count"] == 7
    assert account["created_at"] == "2026-11-22T00:00:00.000Z"  # Mastodon rounds to the day
    assert account["fields"] == account["emojis"] == []


def test_credential_account_adds_source_and_role():
    account = entities.credential_account(USER, BASE)

    assert documented_keys("Account") | {"source", "role"} <= set(account)
    source_keys = documented_keys("CredentialAccountSource")
    assert source_keys <= set(account["source"])
    assert account["source"]["note"] == USER["bio"]


def test_status_has_every_documented_key_and_safe_linked_html():
    status = entities.status(tweet_view(), PEOPLE, BASE)
    assert status is not None

    assert documented_keys("Status") <= set(status)
    assert status["id"] == "2124487665738072064" and isinstance(status["id"], str)
    assert MS_TIME.fullmatch(status["created_at"])
    assert status["content"] == (
        '<p>hi <span class="h-card"><a href="https://warbler.example/@bob" class="u-url mention">@<span>bob</span></a>'
        "</span> &amp; @nobody, see "
        '<a href="https://x.example.com/a?b=1" rel="nofollow noopener noreferrer" target="_blank">'
        "https://x.example.com/a?b=1</a> "
        '<a href="https://warbler.example/tags/warbler" class="mention hashtag" rel="tag">#<span>Warbler</span></a>'
        "<br />bye</p>"
    )
    assert status["visibility"] == "public"
    assert status["mentions"] == [{"id": BOB["id"], "username": "bob", "acct": "bob", "url": f"{BASE}/@bob"}]
    assert status["tags"] == [{"name": "warbler", "url": f"{BASE}/tags/warbler", "history": []}]
    assert (status["favourited"], status["reblogged"]) == (True, False)
    assert (status["favourites_count"], status["reblogs_count"], status["replies_count"]) == (4, 2, 1)
    assert status["media_attachments"] == status["emojis"] == []
    assert status["card"] is None and status["edited_at"] is None and status["reblog"] is None
    assert status["url"] == f"{BASE}/@alice/2124487665738072064"


def test_status_escapes_markup_in_text():
    status = entities.status(tweet_view(text="<script>alert(1)</script> 'q' \"d\"", mentions=[]), PEOPLE, BASE)

    assert status is not None
    assert "<script>" not in status["content"]
    assert status["content"] == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &#x27;q&#x27; &quot;d&quot;</p>"


def test_reply_names_the_parent_and_its_author():
    view = tweet_view(id="2124487665738072065", reply_to_id="2124487665738072064")

    status = entities.status(view, PEOPLE, BASE, parent_authors={"2124487665738072064": BOB["id"]})

    assert status is not None
    assert (status["in_reply_to_id"], status["in_reply_to_account_id"]) == ("2124487665738072064", BOB["id"])


def test_reblog_wraps_the_original_status():
    original = tweet_view()
    view = {
        "id": "2124487665738072099",
        "created_at": "2026-11-22T13:00:00.000Z",
        "author": {"id": BOB["id"], "handle": "bob", "display_name": "Bob"},
        "retweeted_by": {"id": BOB["id"], "handle": "bob", "display_name": "Bob"},
        "retweet_of": original,
    }

    status = entities.status(view, PEOPLE, BASE)

    assert status is not None
    assert documented_keys("Status") <= set(status)
    assert status["id"] == "2124487665738072099"
    assert status["account"]["username"] == "bob"
    assert status["reblog"]["id"] == original["id"]
    assert status["reblog"]["account"]["username"] == "alice"
    assert status["content"] == ""


def test_status_of_an_unknown_author_is_none():
    assert entities.status(tweet_view(), {}, BASE) is None


def test_notification_has_every_documented_key():
    status = entities.status(tweet_view(), PEOPLE, BASE)
    notification = entities.notification("n1", "like", "2026-11-22T12:58:25Z", BOB, status, BASE)

    assert documented_keys("Notification") <= set(notification)
    assert notification["type"] == "favourite"
    assert notification["created_at"] == "2026-11-22T12:58:25.000Z"
    assert notification["account"]["username"] == "bob"
    assert notification["status"]["id"] == status["id"]


@pytest.mark.parametrize(
    ("warbler", "mastodon"),
    [("like", "favourite"), ("retweet", "reblog"), ("follow", "follow"), ("reply", "mention"), ("mention", "mention")],
)
def test_notification_types_map_to_mastodons(warbler, mastodon):
    assert entities.notification("n", warbler, "2026-11-22T12:58:25.241Z", BOB, None, BASE)["type"] == mastodon


def test_relationship_has_every_documented_key():
    relationship = entities.relationship(BOB["id"], following=True, followed_by=False)

    assert documented_keys("Relationship") <= set(relationship)
    assert relationship["id"] == BOB["id"]
    assert (relationship["following"], relationship["followed_by"]) == (True, False)
    assert relationship["blocking"] is relationship["muting"] is relationship["requested"] is False


def test_tag_has_every_documented_key_and_string_history():
    tag = entities.tag("warbler", BASE, [{"day": 1795305600, "uses": 12, "accounts": 5}], following=False)

    assert documented_keys("Tag") | {"following"} <= set(tag)
    assert tag["history"] == [{"day": "1795305600", "uses": "12", "accounts": "5"}]
    assert documented_keys("TagHistory") <= set(tag["history"][0])
    assert tag["url"] == f"{BASE}/tags/warbler"


def test_context_has_ancestors_and_descendants():
    context = entities.context([{"id": "1"}], [{"id": "3"}])

    assert documented_keys("Context") <= set(context)
    assert context == {"ancestors": [{"id": "1"}], "descendants": [{"id": "3"}]}


def test_instance_v1_has_every_documented_key_and_a_modern_version():
    doc = instance.v1(BASE, {"users": 2, "statuses": 9}, "wss://warbler.example")

    assert documented_keys("Instance") - {"contact_account"} <= set(doc)
    assert "contact_account" in doc
    assert doc["version"].startswith("4.2.0 (compatible; Warbler ")
    assert doc["configuration"]["statuses"]["max_characters"] == 280
    assert doc["configuration"]["statuses"]["characters_reserved_per_url"] == 23
    assert doc["stats"] == {"user_count": 2, "status_count": 9, "domain_count": 1}


def test_instance_v2_has_every_documented_key_api_versions_and_streaming_url():
    doc = instance.v2(BASE, {"users": 2, "statuses": 9}, "wss://warbler.example")

    assert documented_keys("InstanceV2") | {"api_versions"} <= set(doc)
    assert doc["api_versions"] == {"mastodon": 2}
    assert doc["configuration"]["urls"]["streaming"] == "wss://warbler.example"
    assert doc["configuration"]["statuses"]["max_characters"] == 280
    assert doc["configuration"]["statuses"]["characters_reserved_per_url"] == 23


def test_trending_tag_history_is_per_day_strings():
    trend = {"name": "warbler", "score": 9.5, "uses": 7, "accounts": 6, "history": [1, 0, 2, 4]}

    tag = entities.trending_tag(trend, BASE, 1795305600)

    assert documented_keys("Tag") <= set(tag)
    assert tag["history"] == [{"day": "1795305600", "uses": "7", "accounts": "6"}]


READY_IMAGE = {
    "id": "2124487700000000000",
    "type": "image",
    "url": "https://media.warbler.example/2124487700000000000/original.jpg",
    "preview_url": "https://media.warbler.example/2124487700000000000/preview.webp",
    "width": 1600,
    "height": 1200,
    "alt_text": "a warbler on a branch",
}


def test_media_attachment_has_every_documented_key_and_both_sizes():
    attachment = entities.media_attachment(READY_IMAGE, preview_px=680)

    assert documented_keys("MediaAttachment") <= set(attachment)
    assert attachment["id"] == READY_IMAGE["id"] and isinstance(attachment["id"], str)
    assert (attachment["type"], attachment["url"], attachment["preview_url"]) == (
        "image",
        READY_IMAGE["url"],
        READY_IMAGE["preview_url"],
    )
    assert attachment["remote_url"] is None and attachment["blurhash"] is None
    assert attachment["description"] == "a warbler on a branch"
    assert attachment["meta"] == {
        "original": {"width": 1600, "height": 1200, "size": "1600x1200", "aspect": 1600 / 1200},
        "small": {"width": 680, "height": 510, "size": "680x510", "aspect": 680 / 510},
    }
    assert documented_keys("MediaAttachmentImageMetadata") <= set(attachment["meta"]["original"])


def test_media_attachment_while_processing_has_no_url_and_no_sizes():
    pending = {"id": "2124487700000000001", "type": "image", "url": None, "preview_url": None, "state": "pending"}

    attachment = entities.media_attachment({**pending, "width": None, "height": None, "alt_text": None})

    assert documented_keys("MediaAttachment") <= set(attachment)
    assert attachment["url"] is attachment["preview_url"] is None
    assert attachment["meta"] == {} and attachment["description"] is None


@pytest.mark.parametrize(("kind", "mastodon"), [("image", "image"), ("gif", "image"), ("video", "video")])
def test_media_types_map_to_mastodons(kind, mastodon):
    assert entities.media_attachment({**READY_IMAGE, "type": kind}, 680)["type"] == mastodon


def test_video_without_a_preview_has_only_its_original_size():
    video = {**READY_IMAGE, "type": "video", "preview_url": None, "width": 1280, "height": 720}

    assert entities.media_attachment(video, 680)["meta"] == {
        "original": {"width": 1280, "height": 720, "size": "1280x720", "aspect": 1280 / 720}
    }


def test_status_carries_its_tweets_media_as_attachments():
    status = entities.status(tweet_view(media=[READY_IMAGE]), PEOPLE, BASE)
    assert status is not None

    assert [a["id"] for a in status["media_attachments"]] == [READY_IMAGE["id"]]
    assert status["media_attachments"][0]["url"] == READY_IMAGE["url"]
