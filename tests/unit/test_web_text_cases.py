"""The web client's character counter and entity rules agree with the server's (warbler/text.py,
warbler/links/extract.py: each link counts 23).

web/test/text-cases.json is the one table both sides are checked against: web/test/text.test.ts
runs the client's counter over it, this test runs the server's parser over it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warbler.errors import InvalidInput
from warbler.links import extract
from warbler.text import MAX_TWEET_CHARS, parse_tweet_text

CASES = json.loads((Path(__file__).resolve().parents[2] / "web" / "test" / "text-cases.json").read_text())["cases"]


def _text(case: dict) -> str:
    return case["text"] if "text" in case else case.get("prefix", "") + case["repeat"] * case["times"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: repr(_text(c))[:30])
def test_server_parses_each_shared_case_as_the_client_counts_it(case: dict) -> None:
    text = _text(case)
    if case.get("blank") or case.get("over") or case.get("long_link"):
        refusal = "link is longer" if case.get("long_link") else "blank" if case.get("blank") else "the limit is"
        with pytest.raises(InvalidInput, match=refusal):
            parse_tweet_text(text)
        return

    parsed = parse_tweet_text(text)

    assert extract.weighted_length(parsed.text) == case["count"] <= MAX_TWEET_CHARS
    assert [written for _, _, written in extract.url_spans(parsed.text)] == case.get("urls", [])
    assert parsed.hashtags == case["hashtags"]
    assert parsed.mention_handles == case["mentions"]
