"""The catalog declares tables for infra; the PynamoDB models must use the same keys."""

from infra import catalog
from warbler.adapters import dynamo
from warbler.settings import get_settings


def _keys(attributes):
    hash_key = next(n for n, a in attributes.items() if a.is_hash_key)
    range_key = next((n for n, a in attributes.items() if a.is_range_key), None)
    return hash_key, range_key


def test_every_model_matches_its_catalog_table():
    settings = get_settings()
    by_physical = {getattr(settings, f"{t.name}_table"): t for t in catalog.TABLES}
    for model in dynamo.ALL_MODELS:
        table = by_physical[model.Meta.table_name]
        assert _keys(model.get_attributes()) == (table.hash_key, table.range_key), model.__name__
        for declared in table.indexes:
            index = getattr(model, declared.name)
            assert index.Meta.index_name == declared.name
            assert _keys(index.Meta.attributes) == (declared.hash_key, declared.range_key)
            projection = "KEYS_ONLY" if declared.keys_only else "ALL"
            assert index.Meta.projection.projection_type == projection, declared.name
