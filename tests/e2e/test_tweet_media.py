"""Tweets with media and links, through the gateway: the attach rules, the entities on every
view, the 23-character rule at the boundary, deleting a tweet deletes its media."""

from __future__ import annotations

import requests

from tests.media_support import gif, ready_media
from tests.support import wait_until


def _error(response, status: int = 422) -> str:
    assert response.status_code == status, response.text
    return response.json()["error"]["message"]


def test_a_tweet_carries_its_media_everywhere_and_text_may_be_empty(api, local_stack):
    author, reader = api.signup(), api.signup()
    reader.follow(author)
    first, second = ready_media(author), ready_media(author)

    tweet = author.post("", media_ids=[first, second])
    local_stack.wait_idle(15)

    assert tweet["text"] == "" and [m["id"] for m in tweet["media"]] == [first, second]
    entity = tweet["media"][0]
    assert set(entity) == {"id", "type", "url", "preview_url", "width", "height", "alt_text"}
    assert entity["type"] == "image" and requests.get(entity["preview_url"], timeout=5).status_code == 200
    home = reader.home()["items"]
    assert home[0]["id"] == tweet["id"] and home[0]["media"] == tweet["media"]
    assert reader.call("GET", f"/tweets/{tweet['id']}").json()["media"] == tweet["media"]
    # Posted media is as public as its tweet; its alt text is fixed from now on.
    assert reader.call("GET", f"/media/{first}").json()["tweet_id"] == tweet["id"]
    assert author.call("PATCH", f"/media/{first}", json={"alt_text": "late"}).status_code == 409


def test_attach_rules_name_the_media_and_why(api):
    author, other = api.signup(), api.signup()
    images = [ready_media(author) for _ in range(5)]
    animated = ready_media(author, gif(), "image/gif")
    theirs = ready_media(other)

    assert "media_ids" in _error(author.call("POST", "/tweets", json={"text": "five", "media_ids": images}))
    assert animated in _error(author.call("POST", "/tweets", json={"text": "mix", "media_ids": [images[0], animated]}))
    assert theirs in _error(author.call("POST", "/tweets", json={"text": "not mine", "media_ids": [theirs]}), 404)
    assert "blank" in _error(author.call("POST", "/tweets", json={"text": " "}))
    author.post("one gif", media_ids=[animated])
    reused = _error(author.call("POST", "/tweets", json={"text": "again", "media_ids": [animated]}), 409)
    assert animated in reused and "already attached" in reused


def test_urls_count_23_characters_at_the_280_boundary_and_become_short_links(api, local_stack):
    author = api.signup()
    url = "https://example.com/" + "a" * 100  # 120 characters, counted as 23
    exactly = "x" * (280 - 23 - 1) + " " + url

    tweet = author.post(exactly)
    over = author.call("POST", "/tweets", json={"text": "y" + exactly})

    assert over.status_code == 422
    (entity,) = tweet["urls"]
    assert entity["expanded_url"] == url and entity["indices"] == [257, 377]
    assert entity["url"].startswith(f"{local_stack.rest_url}/s/") and len(entity["url"].rsplit("/", 1)[1]) == 7
    followed = requests.get(entity["url"], allow_redirects=False, timeout=5)
    assert followed.status_code == 301 and followed.headers["Location"] == url
    # The same URL in another tweet gets the same key.
    assert author.post(f"again {url}")["urls"][0]["url"] == entity["url"]


def test_deleting_a_tweet_deletes_its_media(api, local_stack):
    author = api.signup()
    media_id = ready_media(author)
    tweet = author.post("gone soon", media_ids=[media_id])
    url = tweet["media"][0]["url"]
    assert requests.get(url, timeout=5).status_code == 200

    assert author.call("DELETE", f"/tweets/{tweet['id']}").status_code == 204

    wait_until(lambda: author.call("GET", f"/media/{media_id}").status_code == 404, timeout=15)
    wait_until(lambda: requests.get(url, timeout=5).status_code == 404, timeout=15)


def test_media_is_on_the_tweet_in_search_results_and_notifications(api, local_stack):
    author, reader = api.signup(), api.signup()
    media_id = ready_media(author)
    tag = f"media{author.id[-6:]}"

    tweet = author.post(f"@{reader.handle} look #{tag}", media_ids=[media_id])
    local_stack.wait_idle(15)

    found = wait_until(lambda: reader.call("GET", "/search", params={"q": f"#{tag}"}).json()["items"], timeout=10)
    assert found[0]["id"] == tweet["id"] and found[0]["media"] == tweet["media"]
    (mention,) = [n for n in reader.call("GET", "/notifications").json()["items"] if n["type"] == "mention"]
    assert mention["tweet"]["media"] == tweet["media"]
