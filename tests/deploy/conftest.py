"""The production stack's files, parsed: docker-compose.yml (and its .env-secrets and Spark overrides),
.env.example, the Dockerfile and the proxy's NGINX configuration; and Compose itself, to validate them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingest.warehouse import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
ENV_SECRETS_FILE = PROJECT_ROOT / "docker-compose.env-secrets.yml"
SPARK_FILE = PROJECT_ROOT / "docker-compose.spark.yml"
NGINX_DIR = PROJECT_ROOT / "deploy" / "nginx"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
HEALTHY, COMPLETED = "service_healthy", "service_completed_successfully"
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}")


def compose_command() -> list[str] | None:
    """`docker compose` when the v2 plugin works, else `docker-compose`, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def run_compose(*args: str, files: tuple[Path, ...] = (COMPOSE_FILE,)) -> subprocess.CompletedProcess[str]:
    command = compose_command()
    if command is None:
        message = "neither `docker compose` (v2 plugin) nor `docker-compose` is installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; .ci/run installs docker-compose with apt-get")
        pytest.skip(f"{message}: cannot validate docker-compose.yml here (Debian: apt-get install docker-compose)")
    # Only the env file decides: no variable of the stack leaks in from the caller's environment.
    names = compose_variables() | {"COMPOSE_FILE"}
    env = {key: value for key, value in os.environ.items() if key not in names}
    return subprocess.run(
        [*command, "--project-directory", str(PROJECT_ROOT), *(f"-f{file}" for file in files), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def compose_variables() -> set[str]:
    """The variables the Compose files read."""
    return set(VARIABLE.findall(COMPOSE_FILE.read_text() + ENV_SECRETS_FILE.read_text() + SPARK_FILE.read_text()))


def service_environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def is_one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def service_depends_on(service: dict[str, Any]) -> dict[str, Any]:
    return service.get("depends_on") or {}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """docker-compose.yml as written (variables not interpolated, YAML merge keys resolved)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="session")
def env_secrets() -> dict[str, Any]:
    """docker-compose.env-secrets.yml as written: the override that takes the secrets from .env."""
    return yaml.safe_load(ENV_SECRETS_FILE.read_text())


@pytest.fixture(scope="session")
def spark_override() -> dict[str, Any]:
    """docker-compose.spark.yml as written: the Spark services and what they change in the others."""
    return yaml.safe_load(SPARK_FILE.read_text())


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values
