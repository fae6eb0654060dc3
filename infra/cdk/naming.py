"""Construct ids derived from catalog names, so logical ids stay stable and readable."""

from __future__ import annotations


def pascal(name: str) -> str:
    """``fanout_planner`` -> ``FanoutPlanner``; ``$connect`` -> ``Connect``."""
    words = "".join(c if c.isalnum() else " " for c in name).split()
    return "".join(w[:1].upper() + w[1:] for w in words)
