"""``python -m infra.local [--demo] [--port 3000] [--ws-port 3001]``: Warbler on this machine.

Starts moto, redis, osmem, the REST and WebSocket gateways and the stream pollers, prints where
they listen and the environment handlers see, and runs until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from infra.local import REPO_ROOT, console, services

LOG_FILE_SHOWN = console.DEFAULT_LOG_FILE.relative_to(REPO_ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3000, help="REST API port (default 3000)")
    parser.add_argument("--ws-port", type=int, default=3001, help="WebSocket API port (default 3001)")
    parser.add_argument("--web-port", type=int, default=8080, help="web client port (default 8080)")
    parser.add_argument("--redis-url", default=None, help="use this redis instead of starting one (also REDIS_URL)")
    parser.add_argument("--demo", action="store_true", help="seed demo users, follows and tweets through the API")
    parser.add_argument("-v", "--verbose", action="store_true", help="every log line on the terminal too (debug level)")
    parser.add_argument(
        "--log-file", type=Path, default=console.DEFAULT_LOG_FILE, help=f"full logs (default {LOG_FILE_SHOWN})"
    )
    args = parser.parse_args(argv)
    log_file = console.configure(args.verbose, args.log_file)

    from infra.local.demo import DemoError  # noqa: PLC0415 - after logging is configured
    from infra.local.stack import LocalStack  # noqa: PLC0415

    services.SPAWN_IN_OWN_SESSION = True
    stopping = threading.Event()
    # SIGTERM (docker stop, systemd, CI) shuts down as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())

    stack = LocalStack(
        rest_port=args.port,
        ws_port=args.ws_port,
        redis_url=args.redis_url or services.redis_url_from_env(),
        web_port=args.web_port,
    )
    try:
        stack.start()
    except Exception as exc:  # noqa: BLE001 - any startup failure ends the command with its message
        print(f"local stack failed to start: {exc}", file=sys.stderr)
        return 1
    say = console.capture_function_logs(log_file, args.verbose)
    try:
        env_file = log_file.with_name("env.sh")
        env_file.write_text("".join(f"export {k}={v}\n" for k, v in sorted(stack.env.items())))
        say()
        say(f"  Web app         {stack.web_url}")
        say(f"  REST API        {stack.rest_url}")
        say(f"  WebSocket API   {stack.ws_url}/?token=<id token>")
        say(f"  @connections    {stack.websocket_management_url}")
        say("\n  health")
        for check in console.health(stack):
            say(check.line())
        say(f"\n  full logs       {log_file}" + ("" if args.verbose else "   (make run V=1: on the terminal too)"))
        say(f"  environment     source {env_file}   (to run scripts against this stack)")
        say("  admin           make admin HANDLE=<handle>, then sign in again: GET /admin/segments, /admin/reports/...")
        say("  run a schedule  make invoke FN=analytics_report ARGS='--date 2026-12-01'   (or FN=segmenter)")
        if args.demo:
            try:
                from infra.local.demo import seed  # noqa: PLC0415

                result = seed(stack.rest_url, stack)
                say(f"\n  demo seeded; signed in as @{result.handle}:")
                say(f"    export TOKEN={result.token}")
                say(f'    curl -H "Authorization: Bearer $TOKEN" {stack.rest_url}/timelines/home')
            except (DemoError, TimeoutError) as exc:
                say(f"\n  DEMO SEEDING FAILED: {exc}", error=True)
                say("  (the stack keeps running; fix the endpoint and re-run with --demo)", error=True)
        say("\n  Ctrl-C to stop.")
        while not stopping.wait(0.5):  # a timed wait lets the signal handlers run promptly
            pass
    finally:
        say("shutting down...")
        stack.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
