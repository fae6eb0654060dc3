"""``python -m drill [--quick]`` (``make drill``): a local stack on free ports, then every drill.

Prints, per scenario: posts accepted, deliveries expected vs found, duplicates, 5xx answers,
on-failure records and records redriven; and the forged-token suite's verdicts. Exits 1 when a
promise is broken (a lost delivery, a duplicate, a 5xx, an accepted forgery).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from drill import outage, tokens
from infra.local import REPO_ROOT, console

LOG_FILE = REPO_ROOT / ".local" / "drill.log"


def forged_token_suite(stack) -> tuple[list[str], int]:
    """(lines to print, number of forgeries accepted anywhere)."""
    pool = tokens.pool_of(stack, stack.id_token("drill-forger"))
    lines, accepted = [], 0
    for name, token in tokens.forge_all(pool, victim="drill-victim").items():
        rest = requests.get(
            f"{stack.rest_url}/timelines/home", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        try:
            with connect(f"{stack.ws_url}/?token={token}", open_timeout=10):
                ws = 101
        except InvalidStatus as exc:
            ws = exc.response.status_code
        ok = rest == 401 and ws == 401
        accepted += not ok
        lines.append(f"  {'ok  ' if ok else 'FAIL'} {name:<24} REST {rest}  WebSocket {ws}")
    return lines, accepted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drill", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short outages (the CI-sized run)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--log-file", type=Path, default=LOG_FILE, help=f"the stack's logs (default {LOG_FILE})")
    args = parser.parse_args(argv)
    # The functions log every failure the outage causes: that goes to the log file, not here.
    console.configure(verbose=False, log_file=args.log_file, quiet=True)
    os.environ.setdefault("WARBLER_FAMOUS_THRESHOLD", "4")
    # The redrive runs every minute on AWS; every 5 s here, so a drill settles in its timeout.
    os.environ.setdefault("WARBLER_LOCAL_SCHEDULE_SECONDS", "5")

    from infra.local.stack import LocalStack  # noqa: PLC0415 - after the environment is set

    stall_seconds, post_seconds = (5.0, 10.0) if args.quick else (15.0, 25.0)
    results, broken = [], 0
    with LocalStack(rest_port=0, ws_port=0) as stack:
        say = console.capture_function_logs(args.log_file, verbose=False, quiet=True)
        say(f"stack up: REST {stack.rest_url}, logs in {args.log_file}\n")
        say("forged tokens (each must be 401 on REST and on WebSocket $connect):")
        lines, accepted = forged_token_suite(stack)
        say("\n".join(lines))
        broken += accepted
        server = stack.redis_server
        assert server is not None and server._process is not None
        for name, make_outage in (
            (f"redis frozen {stall_seconds:.0f} s (SIGSTOP)", lambda: outage.freeze(server._process.pid)),
            (f"redis restarted after {stall_seconds:.0f} s down", lambda: outage.restart(server)),
        ):
            figures = outage.run(stack, name, make_outage(), post_seconds=post_seconds, outage_seconds=stall_seconds)
            say()
            say(figures.report())
            results.append(figures.as_dict())
            broken += bool(
                figures.deliveries_found < figures.deliveries_expected or figures.duplicates or figures.server_errors
            )
    if args.json:
        args.json.write_text(json.dumps({"forged_tokens_accepted": accepted, "outages": results}, indent=2))
    say("\nall promises kept" if not broken else f"\n{broken} promise(s) broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
