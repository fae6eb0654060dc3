"""The Redis keys and scripts are cluster-safe: the same code against a real three-node cluster.

ElastiCache runs in cluster mode on AWS; a script or transaction that touches keys of two slots,
or a client pipeline that cannot carry scripts, would only fail there."""

from __future__ import annotations

import pytest

from tests.redis_cluster import LocalRedisCluster


@pytest.fixture(scope="module")
def redis_cluster():
    cluster = LocalRedisCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def on_cluster(redis_cluster, settings_override):
    with settings_override(redis_url=redis_cluster.url, redis_cluster="true") as settings:
        from warbler.adapters.redis_client import client

        client().flushall()
        yield settings


def test_fan_out_and_home_reads_work_across_cluster_nodes(on_cluster):
    from warbler.adapters.keys import Keys
    from warbler.adapters.redis_client import client
    from warbler.feeds import manager
    from warbler.feeds.entries import Op
    from warbler.feeds.reads import HomeTimeline
    from warbler.feeds.store import TimelineStore

    readers = [str(2124487603970625536 + i * 4096) for i in range(200)]
    store = TimelineStore()
    for reader in readers:
        store.replace(Keys.home(reader), [], 600)
    nodes = {client().get_node_from_key(Keys.home(r)).name for r in readers}
    assert len(nodes) == 3, "the readers' timelines must span every node"

    delivered = manager.deliver(
        [
            manager.Chunk(Op.ADD, "2124490000000000001", "author", readers),
            manager.Chunk(Op.ADD, "2124490000000000002:2124490000000000001", "retweeter", readers[:50]),
        ]
    )

    assert delivered.applied == len(readers)  # each retweet was deduped against its original
    for reader in readers[:5]:
        assert HomeTimeline(reader).page_ids(10) == (["2124490000000000001"], None)


def test_famous_merges_read_each_readers_own_slot_across_cluster_nodes(on_cluster):
    from warbler.adapters.keys import Keys
    from warbler.adapters.redis_client import client
    from warbler.feeds.entries import RULES, Op
    from warbler.feeds.reads import HomeTimeline
    from warbler.feeds.store import TimelineStore

    star = "2124487603970625535"
    readers = [str(2124487603970625536 + i * 4096) for i in range(30)]
    store = TimelineStore()
    store.replace_user_timeline(star, ["2124490000000000001"], 600)
    for reader in readers:
        store.replace_home(reader, [], [star], 600)
    nodes = {client().get_node_from_key(Keys.famous_copy_prefix(r)).name for r in readers}
    assert len(nodes) == 3, "the readers' buckets must span every node"
    assert all(HomeTimeline(r).page_ids(10) == (["2124490000000000001"], None) for r in readers)  # fills

    store.apply_user_timeline(Op.ADD, star, "2124490000000000002")
    store.apply_famous_copies(Op.ADD, star, "2124490000000000002", RULES.famous_copy_cap)

    for reader in readers:
        assert client().zrange(Keys.famous_copy_prefix(reader) + star, 0, -1)[-1] == "2124490000000000002"
        assert HomeTimeline(reader).page_ids(10) == (["2124490000000000002", "2124490000000000001"], None)


def test_rebuild_and_engagement_caches_are_single_slot(on_cluster):
    from warbler.adapters.keys import Keys
    from warbler.adapters.redis_client import client
    from warbler.feeds.store import TimelineStore

    store = TimelineStore()
    store.replace(Keys.home("2124487603970625536"), ["2124490000000000003", "2124490000000000004"], 600)
    pipe = client().pipeline(transaction=True)
    pipe.set(Keys.engaged_since("u1", "like"), "0")
    pipe.sadd(Keys.engaged("u1", "like"), "2124490000000000003")
    pipe.execute()

    assert client().smembers(Keys.engaged("u1", "like")) == {"2124490000000000003"}


def test_the_live_index_works_across_cluster_nodes(local_stack, on_cluster):
    from warbler.live.store import ConnectionStore

    store = ConnectionStore()
    users = [str(2124487603970625536 + i * 4096) for i in range(30)]
    for i, user in enumerate(users):
        store.add(f"conn-{i}=", user, [])
    store.add("second=", users[0], [])

    found = {(c.user_id, c.connection_id) for c in store.of_users(users)}
    store.remove("conn-0=", users[0])

    assert len(found) == 31
    assert {c.connection_id for c in store.of_users([users[0]])} == {"second="}


def test_trend_counting_is_one_script_per_slot_across_cluster_nodes(on_cluster):
    from datetime import UTC, datetime

    from infra.local.traffic import activity
    from warbler import trends
    from warbler.adapters.keys import TrendKeys
    from warbler.adapters.redis_client import client
    from warbler.trends.store import TrendStore

    at = datetime(2030, 1, 1, 12, 0, 30, tzinfo=UTC)
    tags = [f"tag{i}" for i in range(40)]
    events = [activity(f"acct{i}", at, tags) for i in range(6)]
    nodes = {client().get_node_from_key(TrendKeys.tag("hashtags", t)).name for t in tags}
    assert len(nodes) == 3, "the terms must span every node"

    trends.aggregate(events)
    trends.aggregate(events)  # redelivered: counted once

    bucket = trends.bucket_of(at)
    store = TrendStore()
    assert store.uses("hashtags", tags, [bucket]) == {tag: [6] for tag in tags}
    assert store.observe("hashtags", tags, [bucket], [bucket]) == {tag: (6, [6]) for tag in tags}
    assert store.active("hashtags", [bucket], 6) == dict.fromkeys(tags, 6)
