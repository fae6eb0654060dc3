"""Warbler on this machine: moto, redis, osmem, an API Gateway (REST + WebSocket) emulator and
event-source-mapping pollers, all wired from ``infra.catalog``.

    python -m infra.local [--demo]

or, in Python / tests::

    from infra.local import LocalStack
    with LocalStack(rest_port=0, ws_port=0) as stack:
        requests.get(f"{stack.rest_url}/openapi.json")
"""

from __future__ import annotations

from infra.functions import FUNCTIONS_DIR, LAYER_DIR, ROOT, ensure_local_runtime

REPO_ROOT = ROOT
LAYER_PATH = LAYER_DIR
FUNCTIONS_PATH = FUNCTIONS_DIR

# Before anything imports ``warbler``: the layer on sys.path, and this process is the local stage.
ensure_local_runtime()

__all__ = ["LocalStack", "REPO_ROOT", "LAYER_PATH", "FUNCTIONS_PATH"]


def __getattr__(name: str):
    # Imported lazily: ``python -m infra.local`` and the conftest import this package first and
    # must be able to set os.environ before boto3 / warbler are imported by the stack module.
    if name == "LocalStack":
        from infra.local.stack import LocalStack

        return LocalStack
    raise AttributeError(name)
