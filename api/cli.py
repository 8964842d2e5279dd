"""Command line for API administration: `python -m api.cli createadmin` (or `make createadmin`)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from api.core.accounts import create_user
from api.core.config import get_settings
from api.core.security import Role


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, role_help in (("createadmin", "create an ADMIN"), ("createuser", "create a user with --role")):
        command = commands.add_parser(name, help=role_help)
        command.add_argument("username")
        command.add_argument(
            "--role", choices=[r.value for r in Role], default="ADMIN" if name == "createadmin" else "USER"
        )
    args = parser.parse_args(argv)
    password = os.environ.get("API_USER_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
    try:
        user = create_user(get_settings(), args.username, password, Role(args.role))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"user {user.username} ({user.role.value}) saved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
