"""Shared by the Mastodon client tests: the password they register with, unique handles."""

from __future__ import annotations

import itertools
import os

PASSWORD = "correct horse battery"
_names = itertools.count()


def unique_handle(prefix: str) -> str:
    return f"{prefix}{os.getpid() % 1000}m{next(_names)}"[:15]
