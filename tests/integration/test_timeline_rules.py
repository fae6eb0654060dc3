"""The timeline rules (famous, passive, follow merge, deletes, degraded mode) with the real
handlers, streams, moto and Redis."""

from __future__ import annotations

import redis

from tests.support import wait_until
from warbler.adapters.keys import Keys


def _r(local_stack) -> redis.Redis:
    return redis.Redis.from_url(local_stack.redis_url, decode_responses=True)


def test_famous_authors_are_merged_at_read_not_fanned_out(api, local_stack, settings_override):
    with settings_override(famous_threshold=2):
        star, fan1, fan2 = api.signup(), api.signup(), api.signup()
        fan1.home(), fan2.home()
        fan1.follow(star)
        fan2.follow(star)
        local_stack.wait_idle(10)

        tweet = star.post("famous words")
        local_stack.wait_idle(10)

        r = _r(local_stack)
        assert tweet["id"] not in r.zrange(Keys.home(fan1.id), 0, -1), "famous tweets must not be fanned out"
        assert star.id in r.smembers(Keys.famous_followees(fan1.id))
        assert fan1.home_ids()[0] == tweet["id"]
        assert fan2.home_ids()[0] == tweet["id"]


def test_a_warm_home_read_merges_famous_followees_from_its_own_bucket_in_one_round_trip(
    api, local_stack, settings_override
):
    from warbler.feeds.reads import HomeTimeline

    with settings_override(famous_threshold=2):
        star, fan, other = api.signup(), api.signup(), api.signup()
        fan.home()
        fan.follow(star)
        other.follow(star)
        local_stack.wait_idle(10)
        first = star.post("before the copy")
        local_stack.wait_idle(10)
        assert fan.home_ids()[0] == first["id"]  # claims the bucket's copy and fills it

        second = star.post("into the copy")
        own = fan.post("the fan's own")
        local_stack.wait_idle(10)
        copy = Keys.famous_copy_prefix(fan.id) + star.id
        r = _r(local_stack)
        assert second["id"] in r.zrange(copy, 0, -1), "fan-out must write the famous author's copies"

        calls = []
        original = redis.Redis.execute_command
        redis.Redis.execute_command = lambda self, *a, **k: calls.append(a[0]) or original(self, *a, **k)
        try:
            page, _ = HomeTimeline(fan.id).page_ids(20)
        finally:
            redis.Redis.execute_command = original
        assert page[:3] == [own["id"], second["id"], first["id"]]
        assert calls == ["EVALSHA"], "a warm page of entries, famous merge included, is one round trip"

        assert star.call("DELETE", f"/tweets/{second['id']}").status_code in (200, 204)
        local_stack.wait_idle(10)
        assert second["id"] not in r.zrange(copy, 0, -1), "a removal must reach the copies"
        assert second["id"] not in fan.home_ids()


def test_crossing_the_threshold_promotes_the_account_for_existing_followers(api, local_stack, settings_override):
    with settings_override(famous_threshold=2):
        star, early, late = api.signup(), api.signup(), api.signup()
        early.home()
        early.follow(star)  # star has 1 follower: still fanned out
        local_stack.wait_idle(10)
        late.follow(star)  # 2 followers: famous from now on
        local_stack.wait_idle(10)

        tweet = star.post("now I am famous")
        local_stack.wait_idle(10)

        assert star.id in _r(local_stack).smembers(Keys.famous_followees(early.id))
        assert early.home_ids()[0] == tweet["id"]


def test_passive_followers_are_skipped_and_rebuilt_on_return(api, local_stack):
    author, reader = api.signup(), api.signup()
    reader.home()
    reader.follow(author)
    local_stack.wait_idle(10)
    r = _r(local_stack)
    r.delete(Keys.home(reader.id))  # what three days without a read do (the key's TTL)

    tweet = author.post("while you were away")
    local_stack.wait_idle(10)

    assert not r.exists(Keys.home(reader.id)), "fan-out must not write a passive timeline"
    assert reader.home_ids() == [tweet["id"]]
    assert r.exists(Keys.home(reader.id)), "the returning reader is active again"
    assert 0 < r.ttl(Keys.home(reader.id)) <= 3 * 24 * 3600


def test_follow_merges_recent_tweets_and_unfollow_removes_them(api, local_stack):
    author, reader = api.signup(), api.signup()
    older = [author.post(f"before the follow {i}")["id"] for i in range(3)]
    reader.home()

    reader.follow(author)
    wait_until(lambda: set(older) <= set(reader.home_ids()), timeout=10, message="follow did not merge")

    reader.unfollow(author)
    wait_until(lambda: not set(older) & set(reader.home_ids()), timeout=10, message="unfollow did not unmerge")


def test_timeline_order_is_exact_for_ids_a_double_cannot_tell_apart(local_stack):
    from warbler.feeds.entries import Op
    from warbler.feeds.store import TimelineStore

    key = Keys.home("order-test")
    store = TimelineStore(_r(local_stack))
    store.replace(key, [], None)
    a, b = "2124487665738072064", "2124487665738072065"  # equal as IEEE doubles
    assert float(a) == float(b)

    store.apply(Op.ADD, [(key, b), (key, a)])

    assert _r(local_stack).zrevrangebylex(key, "+", "(0000000000000000000") == [b, a]


def test_timelines_are_capped(local_stack, settings_override):
    from warbler.feeds.entries import Op
    from warbler.feeds.reads import HomeTimeline
    from warbler.feeds.store import TimelineStore

    with settings_override(timeline_cap=5):
        reader = "2124487603970625536"
        key = Keys.home(reader)
        TimelineStore().replace(key, [], None)
        ids = [str(2124487665738072000 + i) for i in range(40)]  # last digits 00-39: some check the size
        TimelineStore().apply(Op.ADD, [(key, i) for i in ids])

        assert _r(local_stack).zcard(key) - 1 < len(ids), "inserts trim as they go"
        page, _ = HomeTimeline(reader).page_ids(100)
        assert page == list(reversed(ids))[:5]
        assert _r(local_stack).zcard(key) == 6  # the floor and the cap


def test_redelivered_fan_out_chunks_do_not_duplicate(local_stack):
    from warbler.feeds import manager
    from warbler.feeds.entries import Op
    from warbler.feeds.store import TimelineStore

    key = Keys.home("redelivery")
    TimelineStore(_r(local_stack)).replace(key, [], None)
    chunk = manager.Chunk(Op.ADD, "2124487665738072064", "author", ["redelivery"])

    manager.deliver([chunk])
    manager.deliver([chunk, chunk])

    assert _r(local_stack).zcard(key) == 2  # the floor and the tweet


def test_home_timeline_is_served_from_dynamodb_when_redis_is_down(api, local_stack, settings_override):
    author, reader = api.signup(), api.signup()
    reader.follow(author)
    tweet = author.post("redis is about to go away")
    local_stack.wait_idle(10)

    with settings_override(redis_url="redis://127.0.0.1:1/0", redis_timeout_seconds=0.2):
        page = reader.home()

    assert [t["id"] for t in page["items"]] == [tweet["id"]]
    assert page["items"][0]["author"]["handle"] == author.handle


def test_fan_out_worker_reports_the_whole_batch_when_redis_is_down(local_stack, settings_override):
    import base64
    import json

    record = {
        "kinesis": {
            "data": base64.b64encode(
                json.dumps({"op": "add", "entry": "1" * 19, "author_id": "1001", "followers": ["1002"]}).encode()
            ).decode(),
            "sequenceNumber": "42",
            "partitionKey": "p",
        },
        "eventSource": "aws:kinesis",
    }
    bad = {"kinesis": {"data": base64.b64encode(b"not json").decode(), "sequenceNumber": "43", "partitionKey": "p"}}

    assert local_stack.invoke("fanout_worker", {"Records": [record, bad]}) == {
        "batchItemFailures": [{"itemIdentifier": "43"}]
    }
    with settings_override(redis_url="redis://127.0.0.1:1/0", redis_timeout_seconds=0.2):
        result = local_stack.invoke("fanout_worker", {"Records": [record]})
    assert result == {"batchItemFailures": [{"itemIdentifier": "42"}]}
