"""The secret files of the stack: `make secrets` (scripts/make_secrets.py) and how Postgres's init reads them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.warehouse import PROJECT_ROOT
from scripts import make_secrets

INIT_SCRIPT = PROJECT_ROOT / "deploy" / "postgres" / "initdb" / "05-secret-files.sh"


def test_make_creates_the_missing_secrets_and_never_replaces_one(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    created = make_secrets.make(folder)
    assert created == list(make_secrets.GENERATED)
    assert folder.stat().st_mode & 0o777 == 0o700
    for name in (*make_secrets.GENERATED, *make_secrets.URLS):
        assert (folder / name).stat().st_mode & 0o777 == 0o644, "readable by the containers' users"
    values = {name: (folder / name).read_text() for name in make_secrets.GENERATED}
    assert all(len(value) == 65 and value.endswith("\n") for value in values.values())
    assert len(set(values.values())) == len(values)
    (folder / "epidemic_owner_password").write_text("n3w p@ss\n")  # rotated by hand
    (folder / "jwt_secret").unlink()
    assert make_secrets.make(folder) == ["jwt_secret"]
    assert (folder / "postgres_password").read_text() == values["postgres_password"]
    owner_url = (folder / "owner_warehouse_url").read_text()
    assert owner_url == "postgresql://epidemic_owner:n3w%20p%40ss@postgres:5432/epidemic\n"


def test_check_lists_what_is_wrong(tmp_path: Path) -> None:
    assert make_secrets.problems(tmp_path) == [str(tmp_path / name) + ": missing" for name in make_secrets.ALL]
    make_secrets.make(tmp_path)
    assert make_secrets.problems(tmp_path) == []
    (tmp_path / "jwt_secret").write_text("change-me\n")
    (tmp_path / "postgres_password").write_text("\n")
    assert make_secrets.problems(tmp_path) == [
        f"{tmp_path / 'postgres_password'}: empty",
        f"{tmp_path / 'jwt_secret'}: still a placeholder",
    ]
    make_secrets.make(tmp_path)  # keeps both: they exist
    (tmp_path / "jwt_secret").write_text("x" * 64)
    (tmp_path / "postgres_password").write_text("x" * 64)
    (tmp_path / "epidemic_api_password").write_text("rotated")
    assert make_secrets.problems(tmp_path) == [f"{tmp_path / 'api_app_url'}: does not match its password file"]


def test_the_command_line_reads_secrets_dir(tmp_path: Path) -> None:
    env = {**os.environ, "SECRETS_DIR": str(tmp_path / "s")}
    script = [sys.executable, str(PROJECT_ROOT / "scripts" / "make_secrets.py")]
    check = subprocess.run([*script, "--check"], env=env, capture_output=True, text=True, check=False)
    assert check.returncode == 1 and "make secrets" in check.stderr
    assert subprocess.run(script, env=env, capture_output=True, check=False).returncode == 0
    assert subprocess.run([*script, "--check"], env=env, capture_output=True, check=False).returncode == 0


def _source_init_script(env: dict[str, str], then: str) -> subprocess.CompletedProcess[str]:
    """Source 05-secret-files.sh in bash as the image's entrypoint does, then run `then`."""
    script = f"set -Eeo pipefail; . {INIT_SCRIPT}; {then}"
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("preset", [None, "from-env"])
def test_postgres_init_reads_the_role_passwords_from_files(tmp_path: Path, preset: str | None) -> None:
    """05-secret-files.sh is sourced by the image's entrypoint (bash) before the SQL reads them with \\getenv."""
    (tmp_path / "owner").write_text("owner-pw\n")
    env = {"PATH": os.environ["PATH"], "EPIDEMIC_OWNER_PASSWORD_FILE": str(tmp_path / "owner")}
    if preset:
        env["EPIDEMIC_OWNER_PASSWORD"] = preset
    result = _source_init_script(env, "bash -c 'echo \"$EPIDEMIC_OWNER_PASSWORD\"'")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{preset or 'owner-pw'}\n"
    assert not os.access(INIT_SCRIPT, os.X_OK), "the entrypoint sources it only when it is not executable"


def test_postgres_init_stops_on_a_missing_file(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "METABASE_DB_PASSWORD_FILE": str(tmp_path / "missing")}
    result = _source_init_script(env, "echo reached")
    assert result.returncode != 0 and "reached" not in result.stdout
    assert "METABASE_DB_PASSWORD_FILE" in result.stderr
