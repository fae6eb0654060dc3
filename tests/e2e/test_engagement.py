"""Likes, retweets, quotes, replies, deletes and notifications through the gateway."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support import mentions, raw_home_entries, wait_until


def test_fifty_parallel_likes_count_fifty(api):
    author = api.signup()
    tweet = author.post("like me")
    fans = [api.signup() for _ in range(50)]

    def like(fan):
        return fan.call("POST", f"/tweets/{tweet['id']}/like").status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(like, fans))
    fans[0].call("POST", f"/tweets/{tweet['id']}/like")  # a repeat counts once

    assert statuses == [200] * 50
    assert author.call("GET", f"/tweets/{tweet['id']}").json()["like_count"] == 50


def test_like_unlike_flags_and_likes_list(api):
    author, fan = api.signup(), api.signup()
    first, second = author.post("one"), author.post("two")

    liked = fan.call("POST", f"/tweets/{first['id']}/like").json()
    fan.call("POST", f"/tweets/{second['id']}/like")

    assert liked["like_count"] == 1 and liked["liked"] is True and liked["retweeted"] is False
    likes = fan.call("GET", f"/users/{fan.handle}/likes").json()["items"]
    assert [t["id"] for t in likes] == [second["id"], first["id"]]
    unliked = fan.call("DELETE", f"/tweets/{first['id']}/like").json()
    assert unliked["like_count"] == 0 and unliked["liked"] is False
    assert fan.call("DELETE", f"/tweets/{first['id']}/like").json()["like_count"] == 0


def test_retweet_fans_out_with_the_original_embedded_and_undo_removes_it(api, local_stack):
    author, retweeter, reader = api.signup(), api.signup(), api.signup()
    reader.home()
    reader.follow(retweeter)
    tweet = author.post("worth sharing")
    local_stack.wait_idle(10)

    shared = retweeter.call("POST", f"/tweets/{tweet['id']}/retweet").json()
    assert shared["retweet_count"] == 1 and shared["retweeted"] is True
    item = wait_until(lambda: next(iter(reader.home()["items"]), None), timeout=10)
    assert item["retweet_of"]["id"] == tweet["id"]
    assert item["retweeted_by"]["handle"] == retweeter.handle

    retweeter.call("DELETE", f"/tweets/{tweet['id']}/retweet")
    wait_until(lambda: reader.home()["items"] == [], timeout=10, message="unretweet did not reach the follower")
    assert author.call("GET", f"/tweets/{tweet['id']}").json()["retweet_count"] == 0


def test_a_retweet_is_not_inserted_when_the_original_is_among_the_newest_40(api, local_stack):
    author, retweeter, reader = api.signup(), api.signup(), api.signup()
    reader.home()
    reader.follow(author)
    reader.follow(retweeter)
    tweet = author.post("already seen")
    local_stack.wait_idle(10)

    retweeter.call("POST", f"/tweets/{tweet['id']}/retweet")
    local_stack.wait_idle(10)

    assert [t["id"] for t in reader.home()["items"]] == [tweet["id"]]


def test_delete_removes_the_tweet_and_its_retweets_from_timelines(api, local_stack):
    author, retweeter, reader = api.signup(), api.signup(), api.signup()
    reader.home()
    reader.follow(retweeter)
    tweet = author.post("regrettable")
    retweeter.call("POST", f"/tweets/{tweet['id']}/retweet")
    wait_until(lambda: reader.home()["items"], timeout=10)
    (retweet_entry,) = mentions(raw_home_entries(local_stack.redis_url, reader.id), tweet["id"])
    assert retweet_entry.endswith(f":{tweet['id']}")  # the reader holds the retweet, not the original

    assert author.call("DELETE", f"/tweets/{tweet['id']}").status_code == 204

    assert reader.home()["items"] == []  # at once: neither the original nor its retweet hydrates
    local_stack.wait_idle(10)
    assert retweeter.call("GET", "/me").json()["id"] == retweeter.id
    assert reader.home()["items"] == []
    # The delete's fan-out removed the retweet's entry from the reader's timeline too.
    assert mentions(raw_home_entries(local_stack.redis_url, reader.id), tweet["id"]) == []


def test_quotes_embed_the_original_and_count(api):
    author, quoter = api.signup(), api.signup()
    tweet = author.post("quotable")

    r = quoter.call("POST", "/tweets", json={"text": "so true", "quote_of_id": tweet["id"]})

    assert r.status_code == 201
    assert r.json()["quote_of"]["id"] == tweet["id"]
    assert author.call("GET", f"/tweets/{tweet['id']}").json()["quote_count"] == 1


def test_replies_context_and_deleted_parent(api):
    alice, bob = api.signup(), api.signup()
    root = alice.post("root")
    reply = bob.call("POST", "/tweets", json={"text": "a reply", "reply_to_id": root["id"]}).json()
    nested = alice.call("POST", "/tweets", json={"text": "a reply to the reply", "reply_to_id": reply["id"]}).json()

    assert reply["reply_to_id"] == root["id"] and reply["conversation_id"] == root["id"]
    assert nested["conversation_id"] == root["id"]
    assert [t["id"] for t in alice.call("GET", f"/tweets/{root['id']}/replies").json()["items"]] == [reply["id"]]
    ctx = alice.call("GET", f"/tweets/{nested['id']}/context").json()
    assert [t["id"] for t in ctx["ancestors"]] == [root["id"], reply["id"]]
    assert alice.call("GET", f"/tweets/{root['id']}").json()["reply_count"] == 1

    alice.call("DELETE", f"/tweets/{root['id']}")
    ctx = alice.call("GET", f"/tweets/{reply['id']}/context").json()
    assert ctx["ancestors"] == [] and ctx["tweet"]["reply_to_id"] == root["id"]
    assert [t["id"] for t in ctx["replies"]["items"]] == [nested["id"]]


def test_a_reply_reaches_only_followers_who_follow_both(api, local_stack):
    alice, bob, both, only_bob = api.signup(), api.signup(), api.signup(), api.signup()
    for reader in (both, only_bob):
        reader.home()
        reader.follow(bob)
    both.follow(alice)
    root = alice.post("question")
    local_stack.wait_idle(10)

    reply = bob.call("POST", "/tweets", json={"text": "answer", "reply_to_id": root["id"]}).json()
    local_stack.wait_idle(10)

    assert reply["id"] in both.home_ids()
    assert reply["id"] not in only_bob.home_ids()
    assert reply["id"] in bob.home_ids()


def test_notifications_are_grouped_undone_and_read(api, local_stack):
    author = api.signup()
    fans = [api.signup() for _ in range(4)]
    tweet = author.post("notify me")
    for fan in fans:
        fan.call("POST", f"/tweets/{tweet['id']}/like")
    fans[0].follow(author)
    fans[1].call("POST", "/tweets", json={"text": f"hey @{author.handle}"})
    fans[3].call("DELETE", f"/tweets/{tweet['id']}/like")
    author.call("POST", f"/tweets/{tweet['id']}/like")  # your own like notifies nobody
    local_stack.wait_idle(15)

    items = author.call("GET", "/notifications").json()["items"]
    by_type = {n["type"]: n for n in items}
    assert set(by_type) == {"like", "follow", "mention"}
    assert by_type["like"]["count"] == 3
    assert {a["id"] for a in by_type["like"]["actors"]} == {f.id for f in fans[:3]}
    assert by_type["like"]["tweet"] == {"id": tweet["id"], "text": "notify me", "media": [], "urls": []}
    assert author.call("GET", "/notifications/unread_count").json() == {"unread_count": 3}

    marked = author.call("POST", "/notifications/read", json={"up_to_id": items[0]["id"]}).json()
    assert marked == {"unread_count": 0}
    assert all(n["read"] for n in author.call("GET", "/notifications").json()["items"])


def test_an_unfollow_soon_after_leaves_no_notification(api, local_stack):
    author, fan = api.signup(), api.signup()
    fan.follow(author)
    fan.unfollow(author)
    local_stack.wait_idle(15)

    assert author.call("GET", "/notifications").json()["items"] == []
