"""Latency samples and their percentiles (nearest-rank, in milliseconds)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.seconds.append(seconds)

    def extend(self, other: Latencies) -> None:
        self.seconds.extend(other.seconds)

    def __len__(self) -> int:
        return len(self.seconds)

    def ms(self, q: float) -> float:
        """The q-th percentile (0 < q <= 100) in milliseconds; NaN when there are no samples."""
        if not self.seconds:
            return math.nan
        ordered = sorted(self.seconds)
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    @property
    def p50(self) -> float:
        return self.ms(50)

    @property
    def p95(self) -> float:
        return self.ms(95)

    @property
    def p99(self) -> float:
        return self.ms(99)

    @property
    def mean_ms(self) -> float:
        return sum(self.seconds) / len(self.seconds) * 1000 if self.seconds else math.nan

    def row(self) -> str:
        return f"n={len(self)} p50={self.p50:.3f}ms p95={self.p95:.3f}ms p99={self.p99:.3f}ms"


def ratio(numerator: float, denominator: float) -> float:
    if denominator == 0 or math.isnan(denominator) or math.isnan(numerator):
        return math.nan
    return numerator / denominator
