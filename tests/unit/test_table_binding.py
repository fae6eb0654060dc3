"""Models read their table name from settings when used, so import order never matters."""

from __future__ import annotations

from warbler.adapters import dynamo


def test_a_model_reads_its_table_name_from_the_settings_of_the_moment(settings_override):
    before = dynamo.TweetModel.Meta.table_name

    with settings_override(tweets_table="renamed-tweets", aws_region="eu-west-3"):
        assert dynamo.TweetModel.Meta.table_name == "renamed-tweets"
        assert dynamo.TweetModel.Meta.region == "eu-west-3"
        assert dynamo.UserModel.Meta.table_name == before.replace("tweets", "users")

    assert dynamo.TweetModel.Meta.table_name == before


def test_importing_the_models_reads_no_settings(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # A stage with no names at all: reading settings would raise MissingSettings.
    script = "import warbler.adapters.dynamo as d; print(len(d.ALL_MODELS))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "layers" / "core" / "python"), "WARBLER_STAGE": "prod"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(dynamo.ALL_MODELS))
