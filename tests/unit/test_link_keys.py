"""Short keys: base62, a keyed bijection of the key space, twitter-text's link rules."""

from __future__ import annotations

import pytest

from warbler.errors import InvalidInput
from warbler.links import extract, keys


def test_keys_are_seven_base62_characters_and_distinct_counters_give_distinct_keys():
    permutation = keys.Permutation(b"k" * 32)

    made = [permutation.key(n) for n in range(20_000)]

    assert len(set(made)) == len(made)
    assert all(keys.is_key(k) and len(k) == 7 for k in made)


def test_consecutive_counters_do_not_give_guessable_keys():
    permutation = keys.Permutation(b"k" * 32)
    values = [permutation(n) for n in range(1000)]

    # Neighbouring counters land far apart across the whole space, not in sequence.
    gaps = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    assert sorted(gaps)[len(gaps) // 2] > keys.KEY_SPACE // 100
    # Another secret permutes differently.
    assert [keys.Permutation(b"s" * 32)(n) for n in range(50)] != values[:50]


def test_the_permutation_stays_inside_the_key_space_at_its_end():
    permutation = keys.Permutation(b"k" * 32)
    top = [permutation(n) for n in range(keys.KEY_SPACE - 500, keys.KEY_SPACE)]
    assert all(0 <= v < keys.KEY_SPACE for v in top) and len(set(top)) == 500
    with pytest.raises(ValueError):
        permutation(keys.KEY_SPACE)


def test_only_http_and_https_links_are_found():
    text = "a https://example.com/x b javascript:alert(1) c data:text/html,hi d ftp://files.example e www.example.org"

    found = [f.expanded_url for f in extract.find_urls(text)]

    assert found == ["https://example.com/x", "http://www.example.org"]


def test_a_link_over_2048_characters_is_refused():
    with pytest.raises(InvalidInput):
        extract.find_urls("see https://example.com/" + "a" * 2048)


def test_every_url_counts_as_23_characters_at_the_280_boundary():
    url = "https://example.com/" + "a" * 100  # 120 characters, counted as 23
    exactly = "x" * (280 - 23 - 1) + " " + url
    over = "x" + exactly

    assert extract.weighted_length(exactly) == 280 and len(exactly) > 280
    extract.check_length(exactly)
    with pytest.raises(InvalidInput):
        extract.check_length(over)


def test_display_urls_drop_the_scheme_and_shorten_long_paths():
    (found,) = extract.find_urls("https://www.example.com/a/very/long/path/that/goes/on")
    assert found.display_url == "example.com/a/very/long/p…"
    assert (found.start, found.end) == (0, len(found.text))
