"""The tweet search language: what each operator parses to, and every malformed query a 400."""

from __future__ import annotations

import datetime as dt

import pytest

from warbler import search
from warbler.errors import BadRequest
from warbler.search import query as language


def test_words_are_folded_and_anded():
    query = language.parse("Hello  WORLD")

    assert query.include.words == ("hello", "world")
    assert language.tweet_filter(query)["bool"]["must"] == [
        {"match": {"text": {"query": "hello world", "operator": "and"}}}
    ]


def test_every_operator_parses():
    query = language.parse(
        '"brave new" #News from:Alice -spam -"buy now" -#ad -from:bot since:2026-01-02 until:2026-02-01'
    )

    assert query.include == language.Clauses(phrases=("brave new",), hashtags=("news",), authors=("alice",))
    assert query.exclude == language.Clauses(words=("spam",), phrases=("buy now",), hashtags=("ad",), authors=("bot",))
    assert (query.since, query.until) == (dt.date(2026, 1, 2), dt.date(2026, 2, 1))


def test_the_bool_query_puts_each_operator_in_its_place():
    body = language.tweet_filter(
        language.parse('cat "red hat" #pets from:alice -dog since:2026-01-02 until:2026-02-01')
    )["bool"]

    assert {"match_phrase": {"text": "red hat"}} in body["must"]
    assert {"constant_score": {"filter": {"term": {"hashtags": "pets"}}, "boost": 1.0}} in body["must"]
    assert {"terms": {"author_handle": ["alice"]}} in body["filter"]
    assert {"range": {"created_at": {"gte": "2026-01-02T00:00:00.000Z", "lt": "2026-02-01T00:00:00.000Z"}}} in body[
        "filter"
    ]
    assert body["must_not"] == [{"match": {"text": {"query": "dog", "operator": "and"}}}]


def test_a_filter_only_search_still_scores_every_hit():
    body = language.tweet_filter(language.parse("from:alice"))["bool"]

    assert body["must"] == [{"match_all": {}}]


def test_the_normalised_form_ignores_order_case_and_spacing():
    a = language.parse('World hello  "Brave  New" -Spam #Tag')
    b = language.parse('#tag   hello -spam "brave new" world')

    assert a.normalised() == b.normalised() == 'hello world "brave new" #tag -spam'


def test_tokens_without_letters_or_digits_are_ignored():
    assert language.parse("hello !!! ...").include.words == ("hello",)


def test_top_blends_relevance_recency_and_engagement():
    body = language.top_query(language.parse("hello"), now_ms=1_700_000_000_000)["function_score"]

    fields = [f.get("field_value_factor", {}).get("field") for f in body["functions"]]
    assert "like_count" in fields and "retweet_count" in fields
    assert body["functions"][1]["exp"]["created_at"]["origin"] == 1_700_000_000_000
    assert (body["score_mode"], body["boost_mode"]) == ("sum", "multiply")


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ('"unbalanced', "unbalanced quote"),
        ('half"way', "unbalanced quote"),
        ('""', "empty phrase"),
        ("since:2026-13-01 cats", "not a valid date"),
        ("since:yesterday cats", "YYYY-MM-DD"),
        ("until:2026-02-30 cats", "not a valid date"),
        ("cats since:2026-02-01 until:2026-01-01", "before"),
        ("cats since:2026-01-01 since:2026-01-02", "once"),
        ("cats -since:2026-01-01", "negated"),
        ("from:not-a-handle", "not a valid handle"),
        ("from:", "not a valid handle"),
        ("#", "not a valid hashtag"),
        ("#123", "not a valid hashtag"),
        ("-cats", "at least one"),
        ("since:2026-01-01", "at least one"),
        ("!!!", "at least one"),
        ("x" * (language.MAX_QUERY_CHARS + 1), "limited to"),
        (" ".join(["w"] * (language.MAX_TERMS + 1)), "terms"),
    ],
)
def test_malformed_queries_are_bad_requests(q, message):
    with pytest.raises(BadRequest, match=message):
        language.parse(q)


@pytest.mark.parametrize(("kind", "sort"), [("people", "top"), ("tweets", "best"), ("users", "random")])
def test_unknown_type_or_sort_is_a_bad_request(kind, sort):
    with pytest.raises(BadRequest, match="must be one of"):
        search.search("1", "hello", kind, sort, 20, None)


def test_a_user_query_matches_handle_exactly_by_prefix_and_display_name_by_prefix():
    prefix, query = language.user_query("  @Ali ")

    assert prefix == "ali"
    boosts = sorted(c["constant_score"]["boost"] for c in query["dis_max"]["queries"])
    assert boosts == [1.0, 2.0, 4.0]


def test_a_display_name_query_with_spaces_skips_the_handle_clauses():
    _, query = language.user_query("Ada Love")

    assert len(query["dis_max"]["queries"]) == 1


@pytest.mark.parametrize("q", ["", "@", "x" * (language.MAX_USER_QUERY_CHARS + 1)])
def test_malformed_user_queries_are_bad_requests(q):
    with pytest.raises(BadRequest):
        language.user_query(q)


def test_a_cursor_from_another_kind_of_search_is_rejected():
    from warbler import pagination

    with pytest.raises(BadRequest, match="cursor"):
        search._decode(pagination.encode({"k": "top", "o": 0, "t": 1}), "latest")
