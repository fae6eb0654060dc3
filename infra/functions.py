"""Where a function's code lives, and loading it by catalog name (for the local stack, the
OpenAPI build and tests).

The function tree says what invokes each function: ``functions/<kind>/<name>/app.py``, kind
being the catalog's (``http``, ``websocket``, ``streams``, ``schedules``). CDK packages that
folder as the Lambda's code; every other consumer loads it through ``load``. The entries share
a file name, so each is loaded under its own module name."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from pathlib import Path
from types import ModuleType

from infra import catalog

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
LAYER_DIR = ROOT / "layers" / "core" / "python"

_lock = threading.Lock()


# What the CDK sets on every function (infra/cdk/functions.py) and Lambda provides before the
# layer is imported. Powertools reads it once, when ``warbler.observability`` is imported (one
# Metrics per process), so a local process must have it before its first ``import warbler``,
# not only once a stack has started: a namespace-less Metrics fails its first flush.
POWERTOOLS_ENV = {
    "POWERTOOLS_SERVICE_NAME": "warbler",
    "POWERTOOLS_METRICS_NAMESPACE": "Warbler",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    # No CloudWatch agent reads EMF here; printing metrics would only drown the logs.
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def ensure_local_runtime() -> None:
    """Make this process run Warbler's code as the local stage: the layer's ``python/`` on
    ``sys.path`` (Lambda puts it there on AWS) and ``WARBLER_STAGE=local`` unless a stage is set
    (only the local stage has default resource names; see ``warbler/settings.py``).

    The one place a Warbler process edits ``sys.path``: ``infra.local`` calls this on import,
    ``load`` before importing a handler; pytest gets the same paths from ``pyproject.toml``."""
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))
    os.environ.setdefault("WARBLER_STAGE", "local")
    for key, value in POWERTOOLS_ENV.items():
        os.environ.setdefault(key, value)


def code_dir(function: catalog.Function, functions_dir: Path = FUNCTIONS_DIR) -> Path:
    """The folder holding the function's ``app.py``: ``functions_dir/<kind>/<name>``."""
    return functions_dir / function.kind / function.name


def load(function: str | catalog.Function, functions_dir: Path = FUNCTIONS_DIR) -> ModuleType:
    """The function's ``app.py`` as a module, imported once per process. A name is looked up
    in the catalog."""
    spec = catalog.function(function) if isinstance(function, str) else function
    path = code_dir(spec, functions_dir) / "app.py"
    module_name = (
        f"warbler_functions.{spec.name}.app"
        if functions_dir == FUNCTIONS_DIR
        else f"warbler_functions_{abs(hash(str(functions_dir)))}.{spec.name}.app"
    )
    with _lock:
        if module_name in sys.modules:
            return sys.modules[module_name]
        if not path.exists():
            raise FileNotFoundError(f"function {spec.name!r} has no {path}")
        ensure_local_runtime()
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        assert module_spec and module_spec.loader
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_name] = module
        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        return module
