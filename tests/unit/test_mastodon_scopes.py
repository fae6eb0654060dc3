"""OAuth scope rules and the settings that must agree with the catalog."""

from __future__ import annotations

import pytest

from infra import catalog
from warbler.errors import InvalidInput
from warbler.mastodon import scopes
from warbler.settings import Settings


def test_top_level_scopes_cover_their_sub_scopes_and_follow_covers_the_legacy_ones():
    assert scopes.covers(["read"], "read:statuses")
    assert scopes.covers(["write"], "write:favourites")
    assert scopes.covers(["follow"], "write:follows") and scopes.covers(["follow"], "read:follows")
    assert not scopes.covers(["read"], "write:statuses")
    assert not scopes.covers(["read:accounts"], "read:statuses")
    assert not scopes.covers(["follow"], "write:statuses")


def test_requested_scopes_must_be_within_the_apps():
    assert scopes.within(["read:statuses", "write"], ["read", "write"])
    assert not scopes.within(["read"], ["read:statuses"])
    assert not scopes.within(["push"], ["read", "write"])


def test_parse_accepts_mastodon_separators_and_refuses_unknown_scopes():
    assert scopes.parse("read write+follow,push") == ("read", "write", "follow", "push")
    assert scopes.parse(None) == ()
    with pytest.raises(InvalidInput):
        scopes.parse("read admin:everything")


def test_revocation_marker_lives_as_long_as_the_gateway_caches_an_answer():
    (mastodon,) = [a for a in catalog.AUTHORIZERS if a.name == "mastodon"]
    assert Settings().oauth_authorizer_cache_seconds == mastodon.cache_seconds
