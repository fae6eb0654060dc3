"""``python -m infra.local [--demo] [--port 3000] [--ws-port 3001]``: Warbler on this machine.

Starts moto, redis, osmem, the REST and WebSocket gateways and the stream pollers, prints where
they listen and the environment handlers see, and runs until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from infra.local import services


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3000, help="REST API port (default 3000)")
    parser.add_argument("--ws-port", type=int, default=3001, help="WebSocket API port (default 3001)")
    parser.add_argument("--redis-url", default=None, help="use this redis instead of starting one (also REDIS_URL)")
    parser.add_argument("--demo", action="store_true", help="seed demo users, follows and tweets through the API")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (every request)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Every request of every boto3 client would otherwise be logged at INFO by botocore.
    logging.getLogger("botocore").setLevel(logging.WARNING)

    from infra.local.demo import DemoError  # noqa: PLC0415 - after logging is configured
    from infra.local.stack import LocalStack  # noqa: PLC0415

    services.SPAWN_IN_OWN_SESSION = True
    stopping = threading.Event()
    # SIGTERM (docker stop, systemd, CI) shuts down as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())

    stack = LocalStack(
        rest_port=args.port, ws_port=args.ws_port, redis_url=args.redis_url or services.redis_url_from_env()
    )
    try:
        stack.start()
    except Exception as exc:  # noqa: BLE001 - any startup failure ends the command with its message
        print(f"local stack failed to start: {exc}", file=sys.stderr)
        return 1
    try:
        print()
        print(f"  REST API        {stack.rest_url}")
        print(f"  WebSocket API   {stack.ws_url}/?token=<id token>")
        print(f"  @connections    {stack.websocket_management_url}")
        print(f"  moto (AWS)      {stack.aws_endpoint}")
        print(f"  redis           {stack.redis_url}")
        print(f"  OpenSearch      {stack.opensearch_url}")
        print("\n  environment (export to run scripts against this stack):")
        for key, value in sorted(stack.env.items()):
            print(f"    export {key}={value}")
        if args.demo:
            try:
                from infra.local.demo import seed  # noqa: PLC0415

                result = seed(stack.rest_url, stack)
                print(f"\n  demo seeded; signed in as @{result.handle}:")
                print(f"    export TOKEN={result.token}")
                print(f'    curl -H "Authorization: Bearer $TOKEN" {stack.rest_url}/timelines/home')
            except (DemoError, TimeoutError) as exc:
                print(f"\n  DEMO SEEDING FAILED: {exc}", file=sys.stderr)
                print("  (the stack keeps running; fix the endpoint and re-run with --demo)", file=sys.stderr)
        print("\n  Ctrl-C to stop.", flush=True)
        while not stopping.wait(0.5):  # a timed wait lets the signal handlers run promptly
            pass
    finally:
        print("shutting down...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
