import threading

from warbler.ids import ID_WIDTH, SnowflakeGenerator, normalize_id, timestamp_ms


def test_ids_are_unique_increasing_and_fixed_width_across_threads():
    gen = SnowflakeGenerator(worker_id=7)
    out: list[list[str]] = [[] for _ in range(4)]

    def mint(bucket):
        bucket.extend(gen.next_id() for _ in range(5000))

    threads = [threading.Thread(target=mint, args=(b,)) for b in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for b in out for i in b]
    assert len(set(everything)) == len(everything)
    assert all(len(i) == ID_WIDTH for i in everything)
    for bucket in out:
        assert bucket == sorted(bucket)


def test_string_order_is_time_order_and_the_clock_never_goes_back():
    now = [1_700_000_000.0]
    gen = SnowflakeGenerator(worker_id=1, clock=lambda: now[0])
    first = gen.next_id()
    now[0] -= 5  # an NTP step backwards
    second = gen.next_id()
    now[0] += 10
    third = gen.next_id()
    assert first < second < third
    assert timestamp_ms(third) == 1_700_000_005_000


def test_sequence_overflow_borrows_the_next_millisecond():
    gen = SnowflakeGenerator(worker_id=1, clock=lambda: 1_700_000_000.0)
    minted = [gen.next_id() for _ in range(5000)]
    assert len(set(minted)) == 5000 and minted == sorted(minted)


def test_normalize_id():
    assert normalize_id("2124487665738072064") == "2124487665738072064"
    assert normalize_id("42") == "0000000000000000042"
    for bad in ["", "abc", "-1", "0", "1" * 20, str(1 << 63)]:
        assert normalize_id(bad) is None
