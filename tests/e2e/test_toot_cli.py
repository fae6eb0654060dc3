"""The toot CLI (0.52.1), unmodified, as a person would run it against a local Warbler: log in
with a password typed on stdin, post, read the home timeline as JSON. Its config lives in a
private XDG_CONFIG_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from mastodon import Mastodon
from PIL import Image

from tests.mastodon_accounts import PASSWORD, unique_handle


@pytest.fixture
def toot(local_stack, tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "NO_COLOR": "1"}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "toot", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr + done.stdout
        return done

    return run


def test_toot_logs_in_with_a_password_posts_and_reads_home_as_json(local_stack, toot):
    handle = unique_handle("toot")
    client_id, secret = Mastodon.create_app("registrar", api_base_url=local_stack.rest_url)
    Mastodon(client_id, secret, api_base_url=local_stack.rest_url).create_account(
        handle, PASSWORD, f"{handle}@example.com", agreement=True
    )

    login = toot("login_cli", "--instance", local_stack.rest_url, "--email", handle, stdin=PASSWORD + "\n")
    toot("post", "hello from toot #cli")
    local_stack.wait_idle()
    home = json.loads(toot("timelines", "home", "--json", "--limit", "5").stdout)

    assert "Successfully logged in" in login.stdout
    assert home[0]["account"]["username"] == handle
    assert home[0]["content"].startswith("<p>hello from toot")


def test_toot_posts_an_image_with_media(local_stack, toot, tmp_path):
    handle = unique_handle("tootm")
    client_id, secret = Mastodon.create_app("registrar", api_base_url=local_stack.rest_url)
    Mastodon(client_id, secret, api_base_url=local_stack.rest_url).create_account(
        handle, PASSWORD, f"{handle}@example.com", agreement=True
    )
    picture = tmp_path / "warbler.png"
    Image.new("RGB", (320, 200), (10, 150, 90)).save(picture)

    toot("login_cli", "--instance", local_stack.rest_url, "--email", handle, stdin=PASSWORD + "\n")
    toot("post", "--media", str(picture), "--description", "a green field", "a picture from toot")
    local_stack.wait_idle()
    home = json.loads(toot("timelines", "home", "--json", "--limit", "5").stdout)

    (attachment,) = home[0]["media_attachments"]
    assert home[0]["content"].startswith("<p>a picture from toot")
    assert attachment["type"] == "image" and attachment["description"] == "a green field"
    assert attachment["meta"]["original"] == {"width": 320, "height": 200, "size": "320x200", "aspect": 1.6}
