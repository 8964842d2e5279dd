"""Secrets from files, the Docker convention: `NAME_FILE=/run/secrets/name` instead of `NAME=value`.

`load_secret_files()` runs first at process start (`python -m ingest.elt`, and the API's `get_settings()`):
for every `NAME_FILE` variable whose `NAME` is a secret's (SECRET_NAME) and is unset or empty, it reads the
file into `NAME`, so the rest of the code reads `NAME` as before. `NAME` wins when both are set. A URL
holding a password is one secret: `DATABASE_URL_FILE` holds the whole `postgresql://user:password@host/db`.

`python -m ingest.secret_files COMMAND [ARG...]` does the same, then runs COMMAND in its place: for the
programs that read `NAME` only (dbt reads `PGPASSWORD` in profiles.yml).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import MutableMapping
from pathlib import Path

SUFFIX = "_FILE"
# Only names that hold secrets: other `*_FILE` variables are common (SSL_CERT_FILE, TF_CLI_CONFIG_FILE...)
# and name files that are not secrets, may be missing, or are too long for the environment of a child process.
SECRET_NAME = re.compile(r"PASSWORD|PASS$|SECRET|TOKEN|_KEY$|DATABASE_URL$")


class SecretFileError(RuntimeError):
    """A `NAME_FILE` variable names a file that cannot be read."""


def read_secret_file(variable: str, path: str) -> str:
    """The secret in `path` (named by `variable`), without the one trailing newline editors add."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise SecretFileError(
            f"{variable}={path}: cannot read the file holding {variable.removesuffix(SUFFIX)} ({reason})"
        ) from None
    for newline in ("\r\n", "\n"):
        if text.endswith(newline):
            return text[: -len(newline)]
    return text


def load_secret_files(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Fill every unset secret `NAME` from its `NAME_FILE`; returns the names filled. Raises SecretFileError.

    A secret's name contains PASSWORD, SECRET or TOKEN, or ends in PASS, _KEY or DATABASE_URL."""
    env = os.environ if environ is None else environ
    filled = []
    for variable, path in sorted(env.items()):
        name = variable.removesuffix(SUFFIX)
        if name == variable or not path or not SECRET_NAME.search(name) or env.get(name):
            continue
        env[name] = read_secret_file(variable, path)
        filled.append(name)
    return filled


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m ingest.secret_files COMMAND [ARG...]", file=sys.stderr)
        return 2
    try:
        load_secret_files()
    except SecretFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    os.execvp(args[0], args)  # noqa: S606 - the command line the operator gave this wrapper


if __name__ == "__main__":
    sys.exit(main())
