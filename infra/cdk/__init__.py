"""The AWS deployment of Warbler, generated from ``infra/catalog.py``.

``app.py`` is the CDK entry point; ``stack.py`` composes the constructs in the other modules.
"""
