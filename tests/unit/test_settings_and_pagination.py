import re
from dataclasses import fields
from pathlib import Path

import pytest

from warbler import pagination
from warbler.errors import BadRequest
from warbler.settings import MissingSettings, Settings

LOCAL = {"WARBLER_STAGE": "local"}
# What the CDK app gives every function (infra/cdk/functions.py), without the granted endpoints.
AWS = {
    "WARBLER_STAGE": "prod",
    "WARBLER_USER_POOL_ID": "us-east-1_pool",
    "WARBLER_USER_POOL_CLIENT_ID": "client",
    **{
        Settings.env_name(f.name): f"prod-{f.name}"
        for f in fields(Settings)
        if f.name.endswith(("_table", "_stream", "_bucket"))
    },
    "WARBLER_MEDIA_BASE_URL": "https://media.example",
    "WARBLER_SHORT_LINK_BASE_URL": "https://wrbl.example",
    "WARBLER_CURSOR_SECRET": "a-generated-key",
}


def test_settings_come_from_the_environment_with_types():
    s = Settings.from_env(
        {
            **LOCAL,
            "WARBLER_FAMOUS_THRESHOLD": "7",
            "REDIS_URL": "redis://x:1/0",
            "WARBLER_REDIS_CLUSTER": "true",
            "WARBLER_REDIS_TIMEOUT_SECONDS": "0.5",
        }
    )
    assert (s.famous_threshold, s.redis_url, s.redis_cluster, s.redis_timeout_seconds) == (
        7,
        "redis://x:1/0",
        True,
        0.5,
    )
    assert Settings.from_env(LOCAL).passive_after_seconds == 3 * 24 * 3600


def test_the_local_stage_defaults_every_name_to_a_local_one():
    s = Settings.from_env(LOCAL)
    assert (s.tweets_table, s.fanout_stream, s.redis_url) == (
        "warbler-local-tweets",
        "warbler-local-fanout",
        "redis://127.0.0.1:6379/0",
    )


def test_an_unset_stage_is_a_start_up_error_naming_the_variable():
    with pytest.raises(MissingSettings, match="WARBLER_STAGE") as raised:
        Settings.from_env({"WARBLER_TWEETS_TABLE": "t"})
    assert raised.value.variables == ["WARBLER_STAGE"]


def test_outside_the_local_stage_every_missing_name_is_one_start_up_error_naming_each():
    environ = {k: v for k, v in AWS.items() if k not in {"WARBLER_TWEETS_TABLE", "WARBLER_FANOUT_STREAM"}}
    with pytest.raises(MissingSettings) as raised:
        Settings.from_env(environ)
    assert raised.value.variables == ["WARBLER_TWEETS_TABLE", "WARBLER_FANOUT_STREAM"]
    assert "WARBLER_TWEETS_TABLE" in str(raised.value) and "'prod'" in str(raised.value)


def test_outside_the_local_stage_the_names_given_are_used_and_no_local_default_remains():
    s = Settings.from_env(AWS)
    assert (s.stage, s.tweets_table, s.activity_stream) == ("prod", "prod-tweets_table", "prod-activity_stream")
    names = {getattr(s, f.name) for f in fields(Settings) if f.name.endswith(("_table", "_stream"))}
    assert not any("local" in name for name in names)
    assert (s.redis_url, s.opensearch_url, s.websocket_endpoint) == ("", "", "")


@pytest.mark.parametrize(
    ("field", "variable"),
    [
        ("redis_url", "REDIS_URL"),
        ("opensearch_url", "OPENSEARCH_URL"),
        ("websocket_endpoint", "WARBLER_WEBSOCKET_ENDPOINT"),
    ],
)
def test_an_endpoint_a_function_was_not_given_fails_where_it_is_used_naming_the_variable(field, variable):
    s = Settings.from_env(AWS)
    with pytest.raises(MissingSettings, match=variable):
        s.require(field)
    assert Settings.from_env({**AWS, variable: "https://given"}).require(field) == "https://given"


ENV_READS = re.compile(
    r"\bos\.(environ|getenv|putenv|unsetenv)\b|\bfrom os import\b[^\n]*\b(environ|getenv)\b|\bgetenv\("
)


@pytest.mark.parametrize(
    "source",
    [
        "import os\nx = os.environ['A']",
        "import os\nx = os.getenv('A')",
        "from os import getenv\nx = getenv('A')",
        "from os import environ",
    ],
)
def test_the_environment_read_detector_catches_every_spelling(source):
    assert ENV_READS.search(source)


def test_only_the_settings_module_reads_the_environment():
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(p.relative_to(root))
        for base in ("layers", "functions")
        for p in (root / base).rglob("*.py")
        if ENV_READS.search(p.read_text()) and p.name != "settings.py"
    ]
    assert offenders == []


def test_cursors_round_trip_and_reject_garbage():
    assert pagination.decode(pagination.encode({"k": "v"})) == {"k": "v"}
    assert pagination.decode(None) is None
    with pytest.raises(BadRequest):
        pagination.decode("%%%")


def test_a_cursor_is_accepted_only_on_the_list_and_for_the_caller_it_was_issued_for():
    cursor = pagination.encode({"k": "v"}, "followers:alice:bob")
    assert pagination.decode(cursor, "followers:alice:bob") == {"k": "v"}
    for other_scope in ("followers:alice:carol", "following:alice:bob", ""):
        with pytest.raises(BadRequest):
            pagination.decode(cursor, other_scope)
    payload = cursor.split(".")[0]
    with pytest.raises(BadRequest):  # the bare JSON a forger can make, with no or a made-up tag
        pagination.decode(payload, "followers:alice:bob")
    with pytest.raises(BadRequest):
        pagination.decode(payload + ".AAAAAAAAAAAAAAAAAAAAAA", "followers:alice:bob")
