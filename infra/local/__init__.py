"""Warbler on this machine: moto, redis, osmem, an API Gateway (REST + WebSocket) emulator and
event-source-mapping pollers, all wired from ``infra.catalog``.

    python -m infra.local [--demo]

or, in Python / tests::

    from infra.local import LocalStack
    with LocalStack(rest_port=0, ws_port=0) as stack:
        requests.get(f"{stack.rest_url}/openapi.json")
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYER_PATH = REPO_ROOT / "layers" / "core" / "python"
FUNCTIONS_PATH = REPO_ROOT / "functions"

# Lambda puts the layer's python/ on sys.path; so do we, before anything imports ``warbler``.
if str(LAYER_PATH) not in sys.path:
    sys.path.insert(0, str(LAYER_PATH))

__all__ = ["LocalStack", "REPO_ROOT", "LAYER_PATH", "FUNCTIONS_PATH"]


def __getattr__(name: str):
    # Imported lazily: ``python -m infra.local`` and the conftest import this package first and
    # must be able to set os.environ before boto3 / warbler are imported by the stack module.
    if name == "LocalStack":
        from infra.local.stack import LocalStack

        return LocalStack
    raise AttributeError(name)
