"""``make invoke FN=<function> ARGS='--date 2026-12-01'``: run one function now, against the stack
``make run`` started (its environment is read from ``.local/env.sh``).

A scheduled function gets an EventBridge scheduled event: ``--time`` sets its ``time`` (default
now) and every other ``--key value`` goes into its ``detail`` (``analytics_report`` reads ``date``
and ``week`` there). Any other function gets ``--event FILE`` or its sample from ``events/``.
The result is printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from infra import catalog
from infra.local import REPO_ROOT

ENV_FILE = REPO_ROOT / ".local" / "env.sh"


def read_env(path: Path) -> dict[str, str]:
    """The ``export K=V`` lines ``make run`` wrote."""
    env = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export ") :].partition("=")
            env[key] = " ".join(shlex.split(value)) if value else ""
    return env


def detail_of(pairs: list[str]) -> dict[str, str]:
    if len(pairs) % 2 or not all(p.startswith("--") for p in pairs[::2]):
        raise SystemExit(f"expected --key value pairs, got {' '.join(pairs)!r}")
    return {k[2:].replace("-", "_"): v for k, v in zip(pairs[::2], pairs[1::2], strict=True)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make invoke FN=<function> ARGS=...", description=__doc__.splitlines()[0])
    parser.add_argument("function", choices=[f.name for f in catalog.FUNCTIONS])
    parser.add_argument("--env-file", type=Path, default=ENV_FILE)
    parser.add_argument("--event", type=Path, help="the event JSON (default: scheduled event or events/ sample)")
    parser.add_argument("--time", help="a scheduled event's time, ISO 8601 (default now)")
    args, rest = parser.parse_known_args(argv)
    if not args.env_file.exists():
        print(f"{args.env_file} not found: start the stack with `make run` first", file=sys.stderr)
        return 2
    os.environ.update(read_env(args.env_file))

    from infra.functions import load  # noqa: PLC0415 - after the environment is set
    from infra.local.functions import LambdaContext  # noqa: PLC0415
    from infra.local.pollers import scheduled_event  # noqa: PLC0415

    spec = catalog.function(args.function)
    if args.event:
        event = json.loads(args.event.read_text())
    elif spec.kind == "schedules":
        event = scheduled_event(spec.name)
        event["detail"] = detail_of(rest)
        if args.time:
            event["time"] = args.time
    else:
        event = json.loads((REPO_ROOT / "events" / spec.kind / f"{spec.name}.json").read_text())
    result = load(spec).lambda_handler(event, LambdaContext(spec.name, spec.memory_mb, spec.timeout_seconds))
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
