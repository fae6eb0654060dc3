import pytest

from warbler import pagination
from warbler.errors import BadRequest
from warbler.settings import Settings


def test_settings_come_from_the_environment_with_types():
    s = Settings.from_env(
        {
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
    assert Settings.from_env({}).passive_after_seconds == 3 * 24 * 3600


def test_only_the_settings_module_reads_the_environment():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(p.relative_to(root))
        for base in ("layers", "functions")
        for p in (root / base).rglob("*.py")
        if "os.environ" in p.read_text() and p.name != "settings.py"
    ]
    assert offenders == []


def test_cursors_round_trip_and_reject_garbage():
    assert pagination.decode(pagination.encode({"k": "v"})) == {"k": "v"}
    assert pagination.decode(None) is None
    with pytest.raises(BadRequest):
        pagination.decode("%%%")
