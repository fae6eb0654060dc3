"""Drills: the failure and attack scenarios Warbler promises to survive, run against a local stack.

``make drill`` (``python -m drill``) runs all of them and prints their figures; ``tests/local``
runs a CI-sized part of each, asserting the same promises.
"""
