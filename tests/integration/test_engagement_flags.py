"""The liked/retweeted flags come from a bounded Redis cache, and stay exact past its bound."""

from __future__ import annotations

import redis

from warbler.adapters.keys import Keys


def test_flags_are_exact_beyond_the_cached_window(api, local_stack, monkeypatch):
    from warbler.engagement import flags as engagement

    author, fan = api.signup(), api.signup()
    posted = [author.post(f"tweet {i}")["id"] for i in range(4)]
    for tweet_id in posted[:3]:
        fan.call("POST", f"/tweets/{tweet_id}/like")
    r = redis.Redis.from_url(local_stack.redis_url, decode_responses=True)
    r.delete(Keys.engaged(fan.id, "like"), Keys.engaged_since(fan.id, "like"))
    monkeypatch.setattr(engagement, "ENGAGED_CACHE_LIMIT", 2)

    flags = engagement.flags(fan.id, posted)

    assert r.scard(Keys.engaged(fan.id, "like")) == 2, "only the newest likes are cached"
    assert flags.liked == set(posted[:3])
    assert engagement.flags(fan.id, posted).liked == set(posted[:3])


def test_a_like_updates_a_loaded_cache(api, local_stack):
    from warbler.engagement import flags as engagement

    author, fan = api.signup(), api.signup()
    tweet_id = author.post("cached")["id"]
    assert engagement.flags(fan.id, [tweet_id]).liked == set()

    fan.call("POST", f"/tweets/{tweet_id}/like")
    assert engagement.flags(fan.id, [tweet_id]).liked == {tweet_id}
    fan.call("DELETE", f"/tweets/{tweet_id}/like")
    assert engagement.flags(fan.id, [tweet_id]).liked == set()
