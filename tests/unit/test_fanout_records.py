"""Fan-out records: the planner packs many tweets' chunks into few records; the worker reads
packed and single-chunk records alike and refuses anything it would not apply as written."""

from __future__ import annotations

import pytest

from warbler.feeds.entries import Op
from warbler.feeds.manager import Chunk, chunks_of_record, pack


def chunk(entry: str, followers: int) -> Chunk:
    return Chunk(Op.ADD, entry, "author", [f"u{i}" for i in range(followers)])


def test_pack_fills_records_up_to_the_delivery_budget_without_splitting_a_chunk():
    chunks = [(f"k{i}", chunk(str(1000 + i), n)) for i, n in enumerate([3, 4, 2, 6, 1])]

    records = pack(chunks, per_record=8)

    assert [key for key, _ in records] == ["k0", "k2", "k4"]
    assert [[c["entry"] for c in doc["chunks"]] for _, doc in records] == [["1000", "1001"], ["1002", "1003"], ["1004"]]


def test_a_chunk_larger_than_the_budget_gets_a_record_of_its_own():
    records = pack([("a", chunk("1", 2)), ("b", chunk("2", 10)), ("c", chunk("3", 2))], per_record=5)

    assert [len(doc["chunks"]) for _, doc in records] == [1, 1, 1]


def test_packed_and_single_chunk_records_decode_to_the_same_chunks():
    one = chunk("2124487665738072064:2124487665738072000", 3)

    assert chunks_of_record({"chunks": [one.to_json(), one.to_json()]}) == [one, one]
    assert chunks_of_record(one.to_json()) == [one]


@pytest.mark.parametrize(
    "doc",
    [
        {"op": "add", "entry": "12a", "author_id": "a", "followers": ["b"]},
        {"op": "add", "entry": "1", "author_id": "a", "followers": ["b:c"]},
        {"op": "add", "entry": "1", "author_id": "a", "followers": "b"},
        {"op": "boost", "entry": "1", "author_id": "a", "followers": ["b"]},
        {"chunks": {"op": "add"}},
        ["not", "an", "object"],
    ],
)
def test_a_record_the_planner_did_not_write_is_refused(doc):
    with pytest.raises(ValueError):
        chunks_of_record(doc)


def test_a_batch_groups_into_each_slots_keys_with_each_entry_once_per_slot():
    from warbler.adapters.keys import Keys, hash_tag
    from warbler.feeds.store import home_groups

    followers = [f"{100 + i}" for i in range(400)]  # enough users to share slots
    # One tweet's audience arrives as two chunks, between them another tweet's.
    groups = home_groups([("e1", followers[:200]), ("e2", followers[:50]), ("e1", followers[200:])])

    expected: dict[str, dict[str, list[str]]] = {}
    for entry, users in (("e1", followers), ("e2", followers[:50])):
        for user in users:
            key = Keys.home(user)
            expected.setdefault(hash_tag(key), {}).setdefault(entry, []).append(key)
    assert set(groups) == set(expected)
    for tag, work in groups.items():
        entries, counts = work.runs[0::2], work.runs[1::2]
        assert sorted(entries) == sorted(expected[tag])  # each entry once in its slot
        keys = iter(work.keys)
        assert {e: [next(keys) for _ in range(n)] for e, n in zip(entries, counts, strict=True)} == expected[tag]
        assert next(keys, None) is None
