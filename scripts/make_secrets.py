"""The secret files of the production stack (docker-compose.yml), in secrets/ or SECRETS_DIR: `make secrets`.

Creates each missing password and key with 32 random bytes in hex, and never replaces one: to rotate a
password, edit its file (docs/deploy.md, "Rotating passwords"). Then (re)writes the four database URLs
from the password files, so that a changed password reaches every URL that holds it.
`--check` changes nothing: it fails unless every file is there, non-empty, not a placeholder, and the URLs
match the passwords (`make up` runs it). Standard library only: it runs on the Docker host.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Random values, one file each (the names of the `secrets:` in docker-compose.yml).
GENERATED = (
    "postgres_password",
    "epidemic_owner_password",
    "epidemic_reader_password",
    "epidemic_api_password",
    "metabase_db_password",
    "jwt_secret",
    "mb_encryption_secret_key",
)
# URL file -> (role, its password file, database), as the roles are used in docker-compose.yml.
URLS = {
    "owner_warehouse_url": ("epidemic_owner", "epidemic_owner_password", "epidemic"),
    "owner_app_url": ("epidemic_owner", "epidemic_owner_password", "epidemic_app"),
    "reader_warehouse_url": ("epidemic_reader", "epidemic_reader_password", "epidemic"),
    "api_app_url": ("epidemic_api", "epidemic_api_password", "epidemic_app"),
}
ALL = (*GENERATED, *URLS)
# Compose mounts the files as they are, into containers whose users differ (postgres, uid 10001...):
# the files are world-readable, the folder is not.
FOLDER_MODE, FILE_MODE = 0o700, 0o644


def secrets_dir() -> Path:
    """SECRETS_DIR from the environment, else from .env (as Compose reads it), else ./secrets."""
    value = os.environ.get("SECRETS_DIR")
    env_file = PROJECT_ROOT / ".env"
    if not value and env_file.exists():
        for line in env_file.read_text().splitlines():
            name, _, setting = line.partition("=")
            if name.strip() == "SECRETS_DIR":
                value = setting.strip().strip("'\"")
    return PROJECT_ROOT / (value or "secrets")  # a relative folder is the project's, as for Compose


def database_url(folder: Path, url_name: str) -> str:
    role, password_file, database = URLS[url_name]
    password = read(folder / password_file)
    return f"postgresql://{role}:{quote(password, safe='')}@postgres:5432/{database}"


def read(path: Path) -> str:
    return path.read_text().removesuffix("\n")


def write(path: Path, value: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "w") as file:
        file.write(value + "\n")
    path.chmod(FILE_MODE)


def make(folder: Path) -> list[str]:
    """Create the missing secrets and rewrite the URLs; returns the names of the files created."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    folder.chmod(FOLDER_MODE)
    created = []
    for name in GENERATED:
        if not (folder / name).exists():
            write(folder / name, secrets.token_hex(32))
            created.append(name)
    for name in URLS:
        write(folder / name, database_url(folder, name))
    return created


def problems(folder: Path) -> list[str]:
    found = []
    for name in ALL:
        path = folder / name
        if not path.is_file():
            found.append(f"{path}: missing")
        elif not read(path).strip():
            found.append(f"{path}: empty")
        elif "change-me" in read(path):
            found.append(f"{path}: still a placeholder")
    if not found:
        found += [
            f"{folder / name}: does not match its password file"
            for name in URLS
            if read(folder / name) != database_url(folder, name)
        ]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only verify the files (make up)")
    args = parser.parse_args(argv)
    folder = secrets_dir()
    if args.check:
        found = problems(folder)
        for problem in found:
            print(problem, file=sys.stderr)
        if found:
            print("Run `make secrets` (docs/deploy.md, Secrets), or take the secrets from .env.", file=sys.stderr)
        return 1 if found else 0
    created = make(folder)
    print(f"{folder}: created {', '.join(created) or 'nothing'}; database URLs written from the passwords")
    return 0


if __name__ == "__main__":
    sys.exit(main())
