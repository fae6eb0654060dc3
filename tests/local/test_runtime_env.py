"""A local process gets Lambda's function environment before anything imports the layer."""

from __future__ import annotations

import subprocess
import sys

from infra.functions import ROOT


def test_the_layers_metrics_have_a_namespace_in_any_local_process():
    # One Metrics per process reads its namespace at import: imported before a stack sets the
    # environment (as pytest's collection and the bench do), it must still have one, or its first
    # flush fails with "Must contain a metric namespace" in whichever handler reaches it.
    code = "import infra.local; from warbler.observability import metrics; print(metrics.provider.namespace)"
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "Warbler"
