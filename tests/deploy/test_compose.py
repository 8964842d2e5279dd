"""The production stack's definition: validated by Compose itself, and checked for the rules it must keep.

`docker compose config` (the v2 plugin) or `docker-compose config` (Debian's 1.29 package) renders the
file with .env.example; in CI one of them must exist (.ci/run installs it), elsewhere the test is
skipped with a message. The structural tests read the YAML directly, so they run everywhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from ingest.warehouse import PROJECT_ROOT
from tests.deploy.conftest import COMPOSE_FILE, DOCKERFILE, ENV_EXAMPLE

VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}")
REQUIRED_VARIABLE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]+\}$")
SECRET_KEY = re.compile(r"PASSWORD|PASS$|SECRET|_KEY$")
HEALTHY, COMPLETED = "service_healthy", "service_completed_successfully"
# urlsplit cannot read a URL whose password is `${VAR:?message}` (the `?` starts a query string).
POSTGRES_URL = re.compile(
    r"^postgresql://(?P<user>[^:@]+):(?P<password>\$\{[^}]*\}|[^@]*)@(?P<host>[^:/]+):(?P<port>\d+)/(?P<database>\w+)$"
)


def compose_command() -> list[str] | None:
    """`docker compose` when the v2 plugin works, else `docker-compose`, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def _run_compose(*args: str) -> subprocess.CompletedProcess[str]:
    command = compose_command()
    if command is None:
        message = "neither `docker compose` (v2 plugin) nor `docker-compose` is installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; .ci/run installs docker-compose with apt-get")
        pytest.skip(f"{message}: cannot validate docker-compose.yml here (Debian: apt-get install docker-compose)")
    # Only the env file decides: no variable of the stack leaks in from the caller's environment.
    names = set(VARIABLE.findall(COMPOSE_FILE.read_text()))
    env = {key: value for key, value in os.environ.items() if key not in names}
    return subprocess.run(
        [*command, "--project-directory", str(PROJECT_ROOT), "-f", str(COMPOSE_FILE), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _is_one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def _depends_on(service: dict[str, Any]) -> dict[str, Any]:
    return service.get("depends_on") or {}


def _urls(compose: dict[str, Any]) -> dict[tuple[str, str], dict[str, str]]:
    """Every postgresql:// URL in the services' environment, by (service, variable), in parts."""
    urls = {}
    for name, service in compose["services"].items():
        for key, value in _environment(service).items():
            if "://" in value:
                match = POSTGRES_URL.match(value)
                assert match, f"{name}.{key}: expected postgresql://user:${{PASSWORD:?...}}@host:port/database"
                urls[(name, key)] = match.groupdict()
    return urls


# --- Compose itself ---------------------------------------------------------------------------------


def test_compose_validates_the_file_with_the_example_env() -> None:
    result = _run_compose("--env-file", str(ENV_EXAMPLE), "config")
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    assert set(rendered["services"]) == {"postgres", "elt", "api", "metabase", "docs-build", "docs"}
    api_env = _environment(rendered["services"]["api"])
    assert api_env["JWT_SECRET"] == "change-me-to-64-hex-characters-from-openssl-rand-hex-32"
    assert urlsplit(api_env["DATABASE_URL"]).password == "change-me-reader"


def test_compose_refuses_to_start_without_the_secrets(tmp_path: Any) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = _run_compose("--env-file", str(empty), "config")
    assert result.returncode != 0
    assert "in .env" in result.stderr, result.stderr


# --- Structure --------------------------------------------------------------------------------------


def test_every_service_is_health_checked_or_one_shot(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if _is_one_shot(service):
            assert "healthcheck" not in service and service.get("command"), name
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
            assert service.get("restart") == "unless-stopped", name


def test_depends_on_waits_for_health_or_completion(compose: dict[str, Any]) -> None:
    services = compose["services"]
    waited_for = set()
    for name, service in services.items():
        depends_on = _depends_on(service)
        assert isinstance(depends_on, dict), f"{name}: use the long depends_on syntax with a condition"
        for dependency, rule in depends_on.items():
            condition = rule.get("condition")
            if condition == HEALTHY:
                assert "healthcheck" in services[dependency], f"{name} waits for {dependency}'s missing healthcheck"
            else:
                assert condition == COMPLETED and _is_one_shot(services[dependency]), f"{name} -> {dependency}"
            waited_for.add(dependency)
    one_shots = {name for name, service in services.items() if _is_one_shot(service)}
    assert one_shots <= waited_for, "a one-shot service nobody waits for would fail unnoticed"
    assert _depends_on(services["api"]) == {"postgres": {"condition": HEALTHY}, "elt": {"condition": COMPLETED}}
    assert _depends_on(services["elt"]) == {"postgres": {"condition": HEALTHY}}


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest" and "@" not in repository, f"{name}: pin {image}"
        if "build" not in service:
            assert re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"
    assert re.fullmatch(r"metabase/metabase:v\d+\.\d+\.\d+", compose["services"]["metabase"]["image"])
    assert re.fullmatch(r"postgres:\d+(\.\d+)?-bookworm", compose["services"]["postgres"]["image"])


def test_metabase_keeps_its_application_database_in_postgres(compose: dict[str, Any]) -> None:
    env = _environment(compose["services"]["metabase"])
    postgres = _environment(compose["services"]["postgres"])
    assert env["MB_DB_TYPE"] == "postgres" and "MB_DB_FILE" not in env
    assert env["MB_DB_HOST"] == "postgres"
    assert (env["MB_DB_DBNAME"], env["MB_DB_USER"]) == (postgres["METABASE_DB"], postgres["METABASE_DB_USER"])
    assert env["MB_DB_DBNAME"] not in (postgres["EPIDEMIC_WAREHOUSE_DB"], postgres["EPIDEMIC_APP_DB"])


def test_no_secret_is_written_in_the_compose_file(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in _environment(service).items():
            if SECRET_KEY.search(key):
                assert REQUIRED_VARIABLE.match(value), f"{name}.{key} must be ${{VAR:?...}} from .env"
    for (name, key), url in _urls(compose).items():
        assert REQUIRED_VARIABLE.match(url["password"]), f"{name}.{key}: the password must come from .env"


def test_env_example_lists_every_variable_and_no_secret(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    used = set(VARIABLE.findall(COMPOSE_FILE.read_text()))
    assert used == set(env_example), "docker-compose.yml and .env.example must name the same variables"
    for name, value in env_example.items():
        if SECRET_KEY.search(name):
            assert value.startswith("change-me"), f"{name} in .env.example must be a placeholder"
    jwt_secret = env_example["JWT_SECRET"]
    assert len(jwt_secret) >= 32, "the example must pass the API's production check once copied"


def test_env_files_stay_out_of_git_and_the_image() -> None:
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    for entry in (".env", ".git", ".venv", "*.duckdb", "dbt_project/target", "data/*", "!data/sample"):
        assert entry in ignored, entry


def test_roles_are_used_where_they_belong(compose: dict[str, Any]) -> None:
    """The ELT writes as the owner; the API reads as the reader and starts ELT runs as the owner."""
    postgres = _environment(compose["services"]["postgres"])
    owner, reader, api_role = (postgres[f"EPIDEMIC_{r}_ROLE"] for r in ("OWNER", "READER", "API"))
    warehouse, app_db = postgres["EPIDEMIC_WAREHOUSE_DB"], postgres["EPIDEMIC_APP_DB"]
    urls = _urls(compose)
    expected = {
        ("elt", "DATABASE_URL"): (owner, warehouse),
        ("elt", "APP_DATABASE_URL"): (owner, app_db),
        ("api", "DATABASE_URL"): (reader, warehouse),
        ("api", "ELT_DATABASE_URL"): (owner, warehouse),
        ("api", "APP_DATABASE_URL"): (api_role, app_db),
    }
    assert {where: (url["user"], url["database"]) for where, url in urls.items()} == expected
    assert all((url["host"], url["port"]) == ("postgres", "5432") for url in urls.values())
    for name in ("elt", "api"):
        assert _environment(compose["services"][name])["DBT_READER_ROLE"] == reader
    docs_env = _environment(compose["services"]["docs-build"])
    assert (docs_env["PGUSER"], docs_env["PGDATABASE"]) == (owner, warehouse)
    assert not any(SECRET_KEY.search(key) for key in _environment(compose["services"]["docs"]))


def test_api_runs_in_production_mode(compose: dict[str, Any]) -> None:
    env = _environment(compose["services"]["api"])
    assert env["API_ENV"] == "production" and env["ELT_TARGET"] == "postgres"
    assert REQUIRED_VARIABLE.match(env["JWT_SECRET"])


def test_ports_are_published_on_loopback_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
    assert "ports" not in compose["services"]["postgres"]


# --- Dockerfile -------------------------------------------------------------------------------------


def _stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split into build stages."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    stages: list[list[str]] = []
    for line in lines:
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_dockerfile_builds_dependencies_first_and_runs_as_a_user() -> None:
    builder, final = _stages()
    assert re.fullmatch(r"FROM python:3\.11-slim-bookworm AS builder", builder[0])
    assert final[0] == "FROM python:3.11-slim-bookworm"
    builder_copies = [line for line in builder if line.startswith("COPY")]
    assert builder_copies == ["COPY requirements.txt /tmp/requirements.txt"], "only the pins before pip install"
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must run as a non-root user"
    copies = " ".join(line for line in final if line.startswith("COPY"))
    for needed in ("ingest/", "api/", "dbt_project/", "seeds/", "profiles.yml", "data/sample/"):
        assert needed in copies, needed
    for unwanted in ("tests", ".env", "COPY . "):
        assert unwanted not in copies, unwanted
    assert "CMD" in final[-1] and "api.main:app" in final[-1] and '"2"' in final[-1]
