import pytest

from warbler.errors import InvalidInput
from warbler.text import parse_tweet_text, validate_handle


def test_hashtags_are_lowercased_unique_and_not_taken_from_urls_or_words():
    parsed = parse_tweet_text("Go #Python #python a#b https://x.io/#frag #2024 #año")
    assert parsed.hashtags == ["python", "año"]
    assert parsed.urls == ["https://x.io/#frag"]


def test_mentions_need_a_word_boundary():
    parsed = parse_tweet_text("hi @alice, mail me@host.com and @bob_2 @alice")
    assert parsed.mention_handles == ["alice", "bob_2"]


def test_length_counts_characters_after_nfc():
    assert len(parse_tweet_text("e\u0301" * 280).text) == 280
    with pytest.raises(InvalidInput):
        parse_tweet_text("a" * 281)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_text_is_refused(text):
    with pytest.raises(InvalidInput):
        parse_tweet_text(text)


@pytest.mark.parametrize("handle", ["a", "Alice_99", "x" * 15])
def test_valid_handles(handle):
    assert validate_handle(handle) == handle


@pytest.mark.parametrize("handle", ["", "x" * 16, "has space", "dash-ed", "ümlaut"])
def test_invalid_handles(handle):
    with pytest.raises(InvalidInput):
        validate_handle(handle)
