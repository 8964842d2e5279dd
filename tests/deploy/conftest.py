"""The production stack's files, parsed: docker-compose.yml (and its .env-secrets override), .env.example,
the Dockerfile and the proxy's NGINX configuration."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ingest.warehouse import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
ENV_SECRETS_FILE = PROJECT_ROOT / "docker-compose.env-secrets.yml"
NGINX_DIR = PROJECT_ROOT / "deploy" / "nginx"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """docker-compose.yml as written (variables not interpolated, YAML merge keys resolved)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="session")
def env_secrets() -> dict[str, Any]:
    """docker-compose.env-secrets.yml as written: the override that takes the secrets from .env."""
    return yaml.safe_load(ENV_SECRETS_FILE.read_text())


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values
