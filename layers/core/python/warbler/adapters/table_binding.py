"""Binding a PynamoDB model to its table through settings, read when PynamoDB needs it.

PynamoDB reads ``Meta.table_name`` and ``Meta.region`` whenever a model builds or checks its
connection, never to define the class. ``bound_to`` makes both descriptors that ask
``get_settings()`` at that moment, so importing a model reads no environment (import order never
matters, and on AWS a missing name fails on first use, naming its variable), and changed
settings take effect on the next call (PynamoDB rebuilds a model's connection when its table
name changes).

Applied after PynamoDB has defined the class: its metaclass probes ``Meta.region`` (to fill in
a default), which would otherwise read settings at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pynamodb.models import Model

from warbler.settings import get_settings

M = TypeVar("M", bound=type[Model])


class FromSettings:
    """A class attribute whose value is the settings field of that name, read on every access."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return getattr(get_settings(), self.field)


def bound_to(table: str) -> Callable[[M], M]:
    """Class decorator: the model's table is the catalog table ``table`` (settings field
    ``<table>_table``), in the settings' region."""

    def bind(model: M) -> M:
        setattr(model.Meta, "table_name", FromSettings(f"{table}_table"))  # noqa: B010
        setattr(model.Meta, "region", FromSettings("aws_region"))  # noqa: B010
        return model

    return bind
