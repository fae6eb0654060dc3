"""``make admin HANDLE=alice``: put a local user in the Cognito ``admins`` group (the admin API's
``/admin/...`` routes answer 403 to everyone else), in the stack ``make run`` started. The user
signs in again (``POST /auth/login``) to get an ID token that carries the group."""

from __future__ import annotations

import argparse
import os
import sys

from infra.local.bootstrap import ADMINS_GROUP, aws_client
from infra.local.invoke import ENV_FILE, read_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make admin HANDLE=<handle>", description=__doc__.splitlines()[0])
    parser.add_argument("handle")
    args = parser.parse_args(argv)
    if not ENV_FILE.exists():
        print(f"{ENV_FILE} not found: start the stack with `make run` first", file=sys.stderr)
        return 2
    env = read_env(ENV_FILE)
    os.environ.update(env)

    from warbler.adapters.dynamo import HandleModel  # noqa: PLC0415 - reads settings on import

    try:
        user_id = HandleModel.get(args.handle.lower()).user_id
    except HandleModel.DoesNotExist:
        print(f"no user @{args.handle}", file=sys.stderr)
        return 1
    cognito = aws_client("cognito-idp", env["AWS_ENDPOINT_URL"])
    cognito.admin_add_user_to_group(UserPoolId=env["WARBLER_USER_POOL_ID"], Username=user_id, GroupName=ADMINS_GROUP)
    print(f"@{args.handle} ({user_id}) is in {ADMINS_GROUP}; sign in again for a token with the group")
    return 0


if __name__ == "__main__":
    sys.exit(main())
