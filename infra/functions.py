"""Loading function modules by catalog name (for the local stack, the OpenAPI build and tests).

Every function's entry is ``functions/<name>/app.py``; they share a file name, so each is
loaded under its own module name."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
LAYER_DIR = ROOT / "layers" / "core" / "python"

_lock = threading.Lock()


def ensure_layer_on_path() -> None:
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))


def load(name: str, functions_dir: Path = FUNCTIONS_DIR) -> ModuleType:
    """``functions_dir/<name>/app.py`` as a module, imported once per process."""
    path = functions_dir / name / "app.py"
    module_name = (
        f"warbler_functions.{name}.app"
        if functions_dir == FUNCTIONS_DIR
        else f"warbler_functions_{abs(hash(str(functions_dir)))}.{name}.app"
    )
    with _lock:
        if module_name in sys.modules:
            return sys.modules[module_name]
        if not path.exists():
            raise FileNotFoundError(f"function {name!r} has no {path}")
        ensure_layer_on_path()
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        return module
