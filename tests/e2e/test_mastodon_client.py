"""Mastodon.py 2.3.3, unmodified, against the local stack: the client is the only driver.

Accounts are registered the Mastodon way (``create_account`` with an app token), logged in with
the password grant, and then used as any Mastodon.py program would.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError, StreamListener
from PIL import Image

from infra.local.traffic import scheduled_event
from tests.mastodon_accounts import PASSWORD, unique_handle
from warbler.live.store import ConnectionStore


@pytest.fixture(scope="module")
def app_credentials(local_stack):
    return Mastodon.create_app("warbler-e2e", api_base_url=local_stack.rest_url)


@pytest.fixture(scope="module")
def new_user(local_stack, app_credentials):
    """A factory: a fresh account, registered and then logged in with its password."""
    client_id, client_secret = app_credentials

    def make(prefix: str = "m") -> Mastodon:
        handle = unique_handle(prefix)
        registrar = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=local_stack.rest_url)
        registrar.create_account(handle, PASSWORD, f"{handle}@example.com", agreement=True)
        client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=local_stack.rest_url)
        client.log_in(handle, PASSWORD, allow_http=True)
        return client

    return make


def test_instance_makes_mastodon_py_choose_modern_endpoints(local_stack, new_user):
    client = new_user()

    info = client.instance()

    assert info.version.startswith("4.2.0 (compatible; Warbler")
    assert (client.mastodon_major, client.mastodon_minor) == (4, 2)
    assert client.instance_v2().configuration.statuses.max_characters == 280


def test_post_appears_in_home_and_can_be_favourited_and_deleted(local_stack, new_user):
    client = new_user()
    me = client.me()

    posted = client.status_post("first post from Mastodon.py #e2e")
    local_stack.wait_idle()
    home = client.timeline_home()
    liked = client.status_favourite(posted.id)
    likers = client.status_favourited_by(posted.id)
    deleted = client.status_delete(posted.id)

    assert posted.account.id == me.id
    assert [s.id for s in home][:1] == [posted.id]
    assert "#<span>e2e</span>" in home[0].content
    assert (liked.favourited, liked.favourites_count) == (True, 1)
    assert [a.id for a in likers] == [me.id]
    assert deleted.text == "first post from Mastodon.py #e2e"
    with pytest.raises(MastodonAPIError):
        client.status(posted.id)


def test_home_pages_with_fetch_next_without_gaps_or_duplicates(local_stack, new_user):
    client = new_user()
    posted = [client.status_post(f"page test {i}").id for i in range(7)]
    local_stack.wait_idle()

    seen, pages = [], []
    page = client.timeline_home(limit=3)
    while page:
        pages.append(page)
        seen += [s.id for s in page]
        page = client.fetch_next(page)
    newer = client.fetch_previous(pages[-1])  # Link rel="prev": min_id = that page's newest
    just_above = client.timeline_home(min_id=posted[1], limit=2)
    since = client.timeline_home(since_id=posted[4], limit=40)

    assert seen == list(reversed(posted))
    assert [s.id for s in newer] == [posted[3], posted[2], posted[1]]
    assert [s.id for s in just_above] == [posted[3], posted[2]]
    assert [s.id for s in since] == [posted[6], posted[5]]


def test_follow_reply_context_reblog_and_relationships(local_stack, new_user):
    alice, bob = new_user("a"), new_user("b")
    alice_id, bob_id = alice.me().id, bob.me().id

    relationship = bob.account_follow(alice_id)
    root = alice.status_post("root of a thread")
    reply = bob.status_post("a reply", in_reply_to_id=root.id)
    boosted = bob.status_reblog(root.id)
    local_stack.wait_idle()
    context = alice.status_context(reply.id)
    relationships = alice.account_relationships([bob_id])
    bob_home = bob.timeline_home()

    assert relationship.following is True
    assert reply.in_reply_to_id == root.id and reply.in_reply_to_account_id == alice_id
    assert [s.id for s in context.ancestors] == [root.id]
    assert boosted.reblogged is True and boosted.reblog.id == root.id and boosted.account.id == bob_id
    assert [a.id for a in alice.status_reblogged_by(root.id)] == [bob_id]
    assert alice.status_favourited_by(root.id) == []
    assert root.id in [s.id for s in bob_home] or root.id in [s.reblog.id for s in bob_home if s.reblog]
    assert (relationships[0].id, relationships[0].followed_by, relationships[0].following) == (bob_id, True, False)


def test_search_v2_finds_accounts_statuses_and_hashtags(local_stack, new_user, wait_until):
    client = new_user("s")
    me = client.me()
    tag = f"srch{uuid.uuid4().hex[:6]}"
    posted = client.status_post(f"a searchable post about #{tag}")
    local_stack.wait_idle(15)

    found = wait_until(
        lambda: (r := client.search_v2(f"#{tag}", result_type="statuses")) and r.statuses and r,
        timeout=15,
        message="the status never became searchable",
    )
    people = client.search_v2(me.username, result_type="accounts")
    tags = client.search_v2(tag, result_type="hashtags")

    assert [s.id for s in found.statuses] == [posted.id]
    assert me.id in [a.id for a in people.accounts]
    assert [t.name for t in tags.hashtags] == [tag]


def test_hashtag_timeline_and_trending_tags(local_stack, new_user, wait_until):
    tag = f"trnd{uuid.uuid4().hex[:6]}"
    crowd = [new_user("t") for _ in range(6)]
    posted = [c.status_post(f"everyone talks about #{tag}").id for c in crowd]
    local_stack.wait_idle(30)
    local_stack.invoke("trends_ranker", scheduled_event(datetime.now(UTC)))

    trending = {t.name: t for t in crowd[0].trending_tags(limit=20)}
    timeline = wait_until(
        lambda: (t := crowd[0].timeline_hashtag(tag, limit=40)) and len(t) == len(posted) and t,
        timeout=15,
        message="the hashtag timeline never showed every post",
    )

    assert tag in trending
    (today,) = trending[tag].history
    assert (today.uses, today.accounts) == ("6", "6")
    assert [s.id for s in timeline] == list(reversed(posted))


def test_public_timeline_is_empty_by_decision(new_user):
    assert new_user().timeline_public() == []


def test_notifications_per_actor_filter_dismiss_and_clear(local_stack, new_user):
    alice, bob, carol = new_user("na"), new_user("nb"), new_user("nc")
    alice_id = alice.me().id
    post = alice.status_post("notify me")
    bob.status_favourite(post.id)
    carol.status_favourite(post.id)
    bob.status_reblog(post.id)
    carol.account_follow(alice_id)
    bob.status_post(f"@{alice.me().username} hello", in_reply_to_id=post.id)
    local_stack.wait_idle(15)

    everything = alice.notifications()
    favourites = alice.notifications(types=["favourite"])
    no_favourites = alice.notifications(exclude_types=["favourite"])
    alice.notifications_dismiss(favourites[0].id)
    after_dismiss = alice.notifications(types=["favourite"])
    alice.notifications_clear()

    assert sorted(n.type for n in everything) == ["favourite", "favourite", "follow", "mention", "reblog"]
    assert {n.account.id for n in favourites} == {bob.me().id, carol.me().id}
    assert all(n.status.id == post.id for n in favourites)
    assert sorted(n.type for n in no_favourites) == ["follow", "mention", "reblog"]
    assert [n.id for n in after_dismiss] == [favourites[1].id]
    assert alice.notifications() == []


class _Collector(StreamListener):
    def __init__(self) -> None:
        super().__init__()
        self.updates: list = []
        self.notifications: list = []
        self.deletes: list = []

    def on_update(self, status) -> None:
        self.updates.append(status)

    def on_notification(self, notification) -> None:
        self.notifications.append(notification)

    def on_delete(self, status_id) -> None:
        self.deletes.append(str(status_id))


def test_websocket_streaming_delivers_updates_notifications_and_deletes(local_stack, new_user, wait_until):
    """One push path, two encodings: the same fan-out and notification pushes reach a Mastodon
    client as Mastodon frames on its WebSocket."""
    reader, author = new_user("w"), new_user("x")
    reader_id = reader.me().id
    author.account_follow(reader_id)
    reader.account_follow(author.me().id)
    local_stack.wait_idle(15)
    collector = _Collector()
    handle = reader.stream_open_websocket(timeout=30)
    try:
        reader.stream_user(collector, websocket_handle=handle)
        wait_until(
            lambda: ConnectionStore().of_users([reader_id]), timeout=10, message="the subscription never registered"
        )

        posted = author.status_post("live to a Mastodon client")
        author.status_favourite(reader.status_post("mine").id)
        local_stack.wait_idle(15)
        wait_until(lambda: any(s.id == posted.id for s in collector.updates), timeout=15, message="no update frame")
        wait_until(lambda: collector.notifications, timeout=15, message="no notification frame")
        author.status_delete(posted.id)
        local_stack.wait_idle(15)
        wait_until(lambda: posted.id in collector.deletes, timeout=15, message="no delete frame")
    finally:
        handle.close()

    update = next(s for s in collector.updates if s.id == posted.id)
    assert update.account.id == author.me().id and update.content == "<p>live to a Mastodon client</p>"
    assert collector.notifications[0].type == "favourite"
    assert collector.notifications[0].account.id == author.me().id


def test_streaming_takes_the_token_as_query_or_subprotocol_and_echoes_the_subprotocol(local_stack, new_user):
    import websocket  # websocket-client: what Mastodon.py streams with, here with its options exposed

    token = new_user("q").access_token
    url = f"{local_stack.ws_url}/api/v1/streaming"

    by_query = websocket.create_connection(f"{url}?access_token={token}", timeout=10)
    by_query.close()
    by_protocol = websocket.create_connection(url, subprotocols=[token], timeout=10)
    echoed = by_protocol.getsubprotocol()
    by_protocol.close()
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"{url}?access_token=not-a-token", timeout=10)

    assert echoed.lower() == token.lower()  # websocket-client lower-cases what it read
    assert refused.value.status_code == 401


# -- media: Mastodon.py uploads the file itself (multipart), the stack processes it behind --


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def test_media_post_waits_for_processing_and_the_status_carries_the_image(local_stack, new_user):
    client = new_user("media")

    uploaded = client.media_post(_png(800, 600), mime_type="image/png", description="an orange field", synchronous=True)
    posted = client.status_post("a picture from Mastodon.py", media_ids=[uploaded])
    local_stack.wait_idle()
    home = client.timeline_home()
    mine = client.account_statuses(client.me().id, only_media=True)

    (attachment,) = posted.media_attachments
    assert attachment.id == uploaded.id and attachment.type == "image"
    assert attachment.description == "an orange field"
    assert (attachment.meta.original.width, attachment.meta.original.height) == (800, 600)
    assert (attachment.meta.small.width, attachment.meta.small.height) == (680, 510)
    served = Image.open(io.BytesIO(requests.get(attachment.url, timeout=5).content))
    preview = Image.open(io.BytesIO(requests.get(attachment.preview_url, timeout=5).content))
    assert (served.format, served.size, preview.size) == ("PNG", (800, 600), (680, 510))
    assert home[0].id == posted.id and home[0].media_attachments[0].url == attachment.url
    assert [s.id for s in mine] == [posted.id]


def test_media_v2_answers_before_processing_then_media_shows_it_ready(local_stack, new_user, wait_until):
    client = new_user("media")

    uploaded = client.media_post(_png(40, 30), mime_type="image/png")
    changed = client.media_update(uploaded, description="changed before posting")
    ready = wait_until(lambda: (m := client.media(uploaded)).url and m, timeout=15)

    assert uploaded.url is None and uploaded.preview_url is None
    assert changed.description == "changed before posting"
    assert ready.description == "changed before posting" and ready.url.endswith("/original.png")


def test_media_that_fails_processing_is_an_error_and_cannot_be_attached(local_stack, new_user):
    client = new_user("media")

    with pytest.raises(MastodonAPIError, match="could not be processed"):
        client.media_post(b"\x89PNG\r\n\x1a\n but no image", mime_type="image/png", synchronous=True)
    with pytest.raises(MastodonAPIError) as refused:
        client.status_post("nothing to attach", media_ids=["1"])

    assert refused.value.args[1] == 422


def test_uploading_media_needs_the_write_media_scope(local_stack, app_credentials, new_user):
    handle = new_user("media").me().username
    client_id, client_secret = app_credentials
    no_media = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=local_stack.rest_url)
    no_media.log_in(handle, PASSWORD, scopes=["read", "write:statuses"], allow_http=True)

    with pytest.raises(MastodonAPIError) as refused:
        no_media.media_post(_png(10, 10), mime_type="image/png")

    assert refused.value.args[1] == 403
