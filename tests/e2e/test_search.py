"""Search through the gateway, as a client would: post, wait (with a deadline) until the index
has it, then query with each operator; paging; deletes; users; malformed queries."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.support import wait_until


def token() -> str:
    """A word no other test posts, so each test searches its own tweets."""
    return "w" + uuid.uuid4().hex[:12]


def search(account, q: str, **params) -> dict:
    r = account.call("GET", "/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return r.json()


def ids(account, q: str, **params) -> list[str]:
    return [t["id"] for t in search(account, q, **params)["items"]]


def searchable(account, q: str, expected: set[str], stack=None, timeout: float = 15.0) -> list[str]:
    """Poll ``latest`` until exactly ``expected`` is found. Empty results are never cached, but a
    partial one is (for seconds): with several tweets, let the streams drain first."""
    if stack is not None:
        stack.wait_idle(timeout)
    return wait_until(
        lambda: (found := ids(account, q, sort="latest", limit=100)) and set(found) == expected and found,
        timeout=timeout,
        message=f"{q!r} did not find {sorted(expected)} in time",
    )


def test_a_post_becomes_searchable_with_the_timeline_tweet_shape(api):
    author, reader = api.signup(), api.signup()
    word = token()
    tweet = author.post(f"Hello {word} from the search test #Searchable")

    searchable(reader, word, {tweet["id"]})

    (found,) = search(reader, word, sort="latest")["items"]
    assert found["id"] == tweet["id"] and found["text"] == tweet["text"]
    assert found["author"] == {"id": author.id, "handle": author.handle, "display_name": author.handle}
    assert found["liked"] is False and found["like_count"] == 0
    assert ids(reader, word) == [tweet["id"]]  # `top` (the default) finds it too


def test_phrase_hashtag_author_and_exclusion(api, local_stack):
    alice, bob = api.signup(), api.signup()
    word, tag = token(), token()
    quick = alice.post(f"{word} the quick brown fox #{tag}")
    brown = alice.post(f"{word} the brown quick fox")
    bobs = bob.post(f"{word} quick brown words #{tag}")
    searchable(alice, word, {quick["id"], brown["id"], bobs["id"]}, local_stack)

    assert set(ids(alice, f'{word} "quick brown"')) == {quick["id"], bobs["id"]}
    assert set(ids(alice, f"#{tag}")) == {quick["id"], bobs["id"]}
    assert set(ids(alice, f"#{tag.upper()} {word}")) == {quick["id"], bobs["id"]}
    assert set(ids(alice, f"{word} from:{alice.handle}")) == {quick["id"], brown["id"]}
    assert set(ids(alice, f"{word} from:@{bob.handle.upper()}")) == {bobs["id"]}
    assert set(ids(alice, f"{word} -words")) == {quick["id"], brown["id"]}
    assert set(ids(alice, f'{word} -"brown quick"')) == {quick["id"], bobs["id"]}
    assert set(ids(alice, f"{word} -#{tag}")) == {brown["id"]}
    assert set(ids(alice, f"{word} -from:{alice.handle}")) == {bobs["id"]}


def test_since_is_inclusive_and_until_exclusive(api):
    author = api.signup()
    word = token()
    tweet = author.post(f"{word} dated")
    searchable(author, word, {tweet["id"]})
    today = dt.datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00")).date()
    tomorrow, yesterday = today + dt.timedelta(days=1), today - dt.timedelta(days=1)

    assert ids(author, f"{word} since:{today}") == [tweet["id"]]
    assert ids(author, f"{word} until:{tomorrow}") == [tweet["id"]]
    assert ids(author, f"{word} since:{yesterday} until:{tomorrow}") == [tweet["id"]]
    assert ids(author, f"{word} until:{today}") == []
    assert ids(author, f"{word} since:{tomorrow}") == []


@pytest.mark.parametrize("sort", ["latest", "top"])
def test_paging_has_no_duplicates_and_no_gaps(api, local_stack, sort):
    author = api.signup()
    word = token()
    posted = [author.post(f"{word} number {i}")["id"] for i in range(23)]
    searchable(author, word, set(posted), local_stack)

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"sort": sort, "limit": 5, **({"cursor": cursor} if cursor else {})}
        page = search(author, word, **params)
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert cursor is None
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == set(posted)
    if sort == "latest":
        assert seen == sorted(posted, reverse=True)


def test_top_ranks_engagement_above_an_equal_match(api, local_stack):
    author, fan = api.signup(), api.signup()
    word = token()
    plain = author.post(f"{word} plain")
    liked = author.post(f"{word} liked")
    searchable(author, word, {plain["id"], liked["id"]}, local_stack)

    fan.call("POST", f"/tweets/{liked['id']}/like")
    fan.call("POST", f"/tweets/{liked['id']}/retweet")

    wait_until(
        lambda: ids(author, f"{word} -nothing{uuid.uuid4().hex[:6]}", sort="top") == [liked["id"], plain["id"]],
        timeout=15,
        message="likes and retweets did not lift the tweet in `top`",
    )


def test_a_deleted_tweet_disappears_from_results(api, local_stack):
    author = api.signup()
    word = token()
    keep, gone = author.post(f"{word} keep"), author.post(f"{word} delete me")
    searchable(author, word, {keep["id"], gone["id"]}, local_stack)

    assert author.call("DELETE", f"/tweets/{gone['id']}").status_code == 204

    # At once, from the cached result too (hydration drops it), and for a fresh query after the
    # indexer has applied the delete.
    assert ids(author, word, sort="latest") == [keep["id"]]
    wait_until(lambda: ids(author, f"{word} delete", sort="latest") == [], timeout=15)


def test_users_prefix_search_breaks_ties_by_followers(api):
    stem = "s" + uuid.uuid4().hex[:8]
    quiet = api.signup(handle=f"{stem}_q")
    popular = api.signup(handle=f"{stem}_p", display_name="Popular Person")
    named = api.signup(display_name=f"{stem.upper()} Fan")
    popular_fans = [api.signup() for _ in range(2)]
    for fan in popular_fans:
        fan.follow(popular)
    named.follow(quiet)

    def found():
        r = quiet.call("GET", "/search", params={"q": stem, "type": "users"})
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        return [u["handle"] for u in items] == [popular.handle, quiet.handle, named.handle] and items

    items = wait_until(found, timeout=15, message="users were not searchable in order")
    assert items[0]["followers_count"] == 2 and items[0]["following"] is False
    assert set(items[0]) == {
        "id", "handle", "display_name", "bio", "created_at",
        "followers_count", "following_count", "tweets_count", "following",
    }  # fmt: skip
    by_display = wait_until(
        lambda: [u["id"] for u in search(quiet, "popular pers", type="users")["items"] if u["id"] == popular.id],
        timeout=15,
    )
    assert by_display == [popular.id]


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"unbalanced'},
        {"q": "cats since:2026-02-31"},
        {"q": "   "},
        {"q": "cats", "cursor": "bm90LWEtY3Vyc29y." + "A" * 22},
    ],
)
def test_malformed_queries_are_400_with_a_message(api, params):
    """What the search language (or a cursor's MAC) refuses; the request model has let it through."""
    account = api.signup()

    r = account.call("GET", "/search", params=params)

    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "x" * 300},
        {"q": "cats", "type": "hashtags"},
        {"q": "cats", "sort": "best"},
        {"q": "cats", "cursor": "not-a-cursor!"},
        {},
    ],
)
def test_parameters_outside_the_documented_constraints_are_422(api, params):
    """What the OpenAPI document declares invalid, the request model refuses: 422."""
    account = api.signup()

    r = account.call("GET", "/search", params=params)

    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"]


def test_search_needs_a_token(api):
    assert api.session.get(api.url + "/search", params={"q": "x"}, timeout=10).status_code == 401
