"""The dated price list (``prices.csv`` beside this file), with tiers."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PRICES_CSV = Path(__file__).with_name("prices.csv")


@dataclass(frozen=True)
class Tier:
    usd: float
    upto: float | None  # cumulative units (in the line's unit) this price applies up to; None = no bound
    unit: str
    read_on: str
    source: str


class Prices:
    """Price lookups by key; tiered keys charge each slice of the quantity at its own price."""

    def __init__(self, tiers: dict[str, list[Tier]]) -> None:
        self.tiers = tiers

    @classmethod
    def load(cls, path: Path = PRICES_CSV) -> Prices:
        lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
        tiers: dict[str, list[Tier]] = {}
        for row in csv.DictReader(lines):
            upto = float(row["upto"]) if row["upto"] else None
            tiers.setdefault(row["key"], []).append(
                Tier(float(row["usd"]), upto, row["unit"], row["read_on"], row["source"])
            )
        for key, rows in tiers.items():
            bounds = [t.upto for t in rows]
            if bounds[-1] is not None or any(b is None for b in bounds[:-1]) or bounds[:-1] != sorted(bounds[:-1]):
                raise ValueError(f"prices.csv: the tiers of {key} must rise and end unbounded")
        return cls(tiers)

    def unit_price(self, key: str) -> float:
        """The first tier's price (for keys with one price)."""
        return self.tiers[key][0].usd

    def cost(self, key: str, quantity: float) -> float:
        """What ``quantity`` units cost in a month, each tier's slice at its own price."""
        total, floor = 0.0, 0.0
        for tier in self.tiers[key]:
            ceiling = tier.upto if tier.upto is not None else float("inf")
            if quantity <= floor:
                break
            total += (min(quantity, ceiling) - floor) * tier.usd
            floor = ceiling
        return total

    def read_on(self) -> str:
        return max(t.read_on for rows in self.tiers.values() for t in rows)
