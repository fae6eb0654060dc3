"""The shared Lambda layer: the ``warbler`` package plus ``requirements.txt``, built for the
Lambda platform (manylinux x86_64, CPython 3.11) with pip's cross-platform wheel selection, so
no Docker is needed.

The synth builds it (``layer_directory``): dependencies are installed once per distinct
``requirements.txt`` into ``build/layer/deps-<hash>``, then hard-linked next to a fresh copy of
``warbler`` in ``build/layer/layer-<hash>``, which becomes the asset. ``python -m
infra.cdk.layer`` (``make layer``) does the same and prints the directory.

A layer without its dependencies deploys functions that fail at import, so a non-dev synth
whose layer lacks any of ``REQUIRED_MODULES`` fails (``check``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Import name -> distribution, for the ones every function imports at start-up.
REQUIRED_MODULES: dict[str, str] = {
    "aws_lambda_powertools": "aws-lambda-powertools",
    "pydantic": "pydantic",
    "pynamodb": "pynamodb",
    "redis": "redis",
    "opensearchpy": "opensearch-py",
    "jwt": "pyjwt",
}
PIP_TARGET_PLATFORM = (
    "--platform",
    "manylinux2014_x86_64",
    "--implementation",
    "cp",
    "--python-version",
    "3.11",
    "--only-binary=:all:",
)
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


def _tree_hash(root: Path, digest: hashlib._Hash) -> None:
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())


def _dependencies(requirements: Path, build_root: Path) -> Path:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(" ".join(PIP_TARGET_PLATFORM).encode())
    deps = build_root / f"deps-{digest.hexdigest()[:16]}"
    if (deps / ".complete").exists():
        return deps
    staging = build_root / f"{deps.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--requirement", str(requirements), "--target", str(staging / "python"), *PIP_TARGET_PLATFORM]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"building the layer's dependencies failed:\n{result.stderr[-4000:]}")
    (staging / ".complete").touch()
    shutil.rmtree(deps, ignore_errors=True)
    staging.rename(deps)
    return deps


def layer_directory(repo_root: Path) -> tuple[Path, str]:
    """Build (or reuse) the layer for ``repo_root``; return its directory and content hash."""
    build_root = repo_root / "build" / "layer"
    build_root.mkdir(parents=True, exist_ok=True)
    deps = _dependencies(repo_root / "requirements.txt", build_root)
    source = repo_root / "layers" / "core" / "python" / "warbler"
    digest = hashlib.sha256(deps.name.encode())
    _tree_hash(source, digest)
    content_hash = digest.hexdigest()
    layer = build_root / f"layer-{content_hash[:16]}"
    if not (layer / ".complete").exists():
        staging = build_root / f"{layer.name}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        # Hard links: the dependency tree is ~100 MB and identical between builds.
        shutil.copytree(deps / "python", staging / "python", copy_function=os.link, ignore=_SKIP)
        shutil.copytree(source, staging / "python" / "warbler", ignore=_SKIP)
        (staging / ".complete").touch()
        shutil.rmtree(layer, ignore_errors=True)
        staging.rename(layer)
        for old in build_root.glob("layer-*"):
            if old != layer and ".tmp-" not in old.name:
                shutil.rmtree(old, ignore_errors=True)
    return layer, content_hash


def missing_modules(layer_dir: Path) -> list[str]:
    """The distributions of ``REQUIRED_MODULES`` that ``layer_dir/python`` does not hold."""
    python = layer_dir / "python"
    return [dist for module, dist in REQUIRED_MODULES.items() if not (python / module).is_dir()]


def check(layer_dir: Path, stage: str) -> list[str]:
    """Fail a non-dev synth whose layer lacks dependencies; return what is missing (for dev)."""
    if not (layer_dir / "python" / "warbler").is_dir():
        raise FileNotFoundError(f"layer {layer_dir} has no python/warbler package")
    missing = missing_modules(layer_dir)
    if missing and stage != "dev":
        raise ValueError(
            f"stage {stage!r}: the layer {layer_dir} lacks {', '.join(missing)}; every function would fail at "
            "import. Drop -c layer_dir to let the synth build it from requirements.txt."
        )
    return missing


def main() -> None:
    layer, _ = layer_directory(Path(__file__).resolve().parents[2])
    print(layer)


if __name__ == "__main__":
    main()
