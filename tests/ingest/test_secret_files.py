"""Secrets from files: NAME_FILE fills an unset NAME, the way ingest.elt and the API's settings start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.core.config import get_settings
from ingest.secret_files import SecretFileError, load_secret_files, read_secret_file
from ingest.warehouse import PROJECT_ROOT, PostgresSettings


def _secret(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_file_fills_the_unset_variable_without_its_trailing_newline(tmp_path: Path) -> None:
    env = {"JWT_SECRET_FILE": _secret(tmp_path, "jwt", "s3cret\n")}
    assert load_secret_files(env) == ["JWT_SECRET"]
    assert env["JWT_SECRET"] == "s3cret"


def test_only_one_trailing_newline_is_removed(tmp_path: Path) -> None:
    assert read_secret_file("A_FILE", _secret(tmp_path, "a", "x\n\n")) == "x\n"
    assert read_secret_file("A_FILE", _secret(tmp_path, "b", "x\r\n")) == "x"
    assert read_secret_file("A_FILE", _secret(tmp_path, "c", "  x y")) == "  x y"


def test_a_variable_set_in_the_environment_wins(tmp_path: Path) -> None:
    env = {"JWT_SECRET": "from-env", "JWT_SECRET_FILE": _secret(tmp_path, "jwt", "from-file")}
    assert load_secret_files(env) == []
    assert env["JWT_SECRET"] == "from-env"


def test_empty_values_count_as_unset(tmp_path: Path) -> None:
    """As in the postgres image's entrypoint: `.env` mode passes `NAME_FILE=` (docker-compose.env-secrets.yml)."""
    env = {"A_PASSWORD": "", "A_PASSWORD_FILE": _secret(tmp_path, "a", "x"), "B_SECRET": "kept", "B_SECRET_FILE": ""}
    assert load_secret_files(env) == ["A_PASSWORD"]
    assert (env["A_PASSWORD"], env["B_SECRET"]) == ("x", "kept")


def test_a_missing_or_unreadable_file_names_the_variable(tmp_path: Path) -> None:
    expected = r"DATABASE_URL_FILE=.*missing: cannot read the file holding DATABASE_URL "
    with pytest.raises(SecretFileError, match=expected):
        load_secret_files({"DATABASE_URL_FILE": str(tmp_path / "missing")})
    with pytest.raises(SecretFileError, match="PGPASSWORD_FILE"):
        load_secret_files({"PGPASSWORD_FILE": str(tmp_path)})  # a directory
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(SecretFileError, match="EPIDEMIC_API_PASSWORD_FILE"):
        load_secret_files({"EPIDEMIC_API_PASSWORD_FILE": str(binary)})


def test_files_that_are_not_secrets_are_left_alone(tmp_path: Path) -> None:
    env = {"SSL_CERT_FILE": str(tmp_path / "missing.pem"), "_FILE": "x", "TF_CLI_CONFIG_FILE": "/nowhere"}
    assert load_secret_files(env) == []
    assert set(env) == {"SSL_CERT_FILE", "_FILE", "TF_CLI_CONFIG_FILE"}


def test_every_secret_of_the_stack_can_come_from_a_file(tmp_path: Path) -> None:
    names = ["JWT_SECRET", "DATABASE_URL", "APP_DATABASE_URL", "ELT_DATABASE_URL", "PGPASSWORD", "MB_API_KEY"]
    names += ["API_USER_PASSWORD", "MB_PASSWORD", "MB_DB_PASS", "MB_ENCRYPTION_SECRET_KEY"]
    env = {f"{name}_FILE": _secret(tmp_path, name, name.lower()) for name in names}
    assert sorted(load_secret_files(env)) == sorted(names)


def test_a_url_with_its_password_comes_from_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://epidemic_owner:p%40ss@postgres:5432/epidemic"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ELT_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL_FILE", _secret(tmp_path, "url", url + "\n"))
    load_secret_files()
    settings = PostgresSettings.from_env()
    assert (settings.user, settings.password, settings.database) == ("epidemic_owner", "p@ss", "epidemic")


def test_the_api_settings_read_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "f" * 64
    monkeypatch.chdir(tmp_path)  # no .env file of the caller's
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.setenv("JWT_SECRET_FILE", _secret(tmp_path, "jwt", secret + "\n"))
    monkeypatch.setenv("API_ENV", "production")
    get_settings.cache_clear()
    try:
        assert get_settings().jwt_secret == secret
        assert os.environ["JWT_SECRET"] == secret  # and the ELT runs the API starts inherit it
    finally:
        get_settings.cache_clear()


def test_the_elt_stops_with_the_variable_named(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.endswith("DATABASE_URL")}
    env["DATABASE_URL_FILE"] = str(tmp_path / "missing")
    result = subprocess.run(
        [sys.executable, "-m", "ingest.elt", "--data-dir", str(tmp_path)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "DATABASE_URL_FILE" in result.stderr and "Traceback" not in result.stderr


def test_the_wrapper_runs_a_command_with_the_secrets(tmp_path: Path) -> None:
    env = {**os.environ, "PGPASSWORD_FILE": _secret(tmp_path, "pw", "hunter2\n")}
    env.pop("PGPASSWORD", None)
    command = [sys.executable, "-c", "import os; print(os.environ['PGPASSWORD'])"]
    result = subprocess.run(
        [sys.executable, "-m", "ingest.secret_files", *command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "hunter2\n"
