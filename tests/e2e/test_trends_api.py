"""Trends as a client sees them: posts and retweets through the gateway, the activity stream
and the aggregator behind it, the ranker's scheduled run, then GET /trends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from infra.local.traffic import scheduled_event


def test_posts_and_retweets_by_many_accounts_trend_and_one_accounts_spam_does_not(api, local_stack):
    tag, spam = f"gig{uuid.uuid4().hex[:8]}", f"ad{uuid.uuid4().hex[:8]}"
    crowd = [api.signup() for _ in range(6)]
    spammer = api.signup()
    first = crowd[0].post(f"Doors open at the #{tag} tonight")
    for fan in crowd[1:4]:
        fan.post(f"On my way to the #{tag}!")
    for fan in crowd[4:]:
        assert fan.call("POST", f"/tweets/{first['id']}/retweet").status_code == 200
    for i in range(8):
        spammer.post(f"#{spam} cheap tickets {i}")
    local_stack.wait_idle(30)

    local_stack.invoke("trends_ranker", scheduled_event(datetime.now(UTC)))
    response = crowd[0].call("GET", "/trends", params={"type": "hashtags", "limit": 50})

    assert response.status_code == 200, response.text
    items = {i["name"]: i for i in response.json()["items"]}
    assert tag in items and items[tag]["accounts"] == 6 and items[tag]["uses"] == 6
    assert spam not in items


def test_trends_rejects_an_unknown_type(api):
    reader = api.signup()

    response = reader.call("GET", "/trends", params={"type": "people"})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
