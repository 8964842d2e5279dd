"""The production stack's definition: validated by Compose itself, and checked for the rules it must keep.

`docker compose config` (the v2 plugin) or `docker-compose config` (Debian's 1.29 package) renders the
file with .env.example, with secret files made by `make secrets`, and with the override that takes the
secrets from .env; in CI one of them must exist (.ci/run installs it), elsewhere the test is skipped with
a message. The structural tests read the YAML directly, so they run everywhere.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ingest.warehouse import PROJECT_ROOT
from scripts import make_secrets
from tests.deploy.conftest import (
    COMPLETED,
    COMPOSE_FILE,
    DOCKERFILE,
    ENV_EXAMPLE,
    ENV_SECRETS_FILE,
    HEALTHY,
    compose_variables,
    is_one_shot,
    run_compose,
    service_depends_on,
    service_environment,
)

REQUIRED_VARIABLE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]+\}$")
SECRET_KEY = re.compile(r"PASSWORD|PASS$|SECRET|_KEY$")
SECRET_MOUNT = re.compile(r"^/run/secrets/(?P<secret>[a-z_]+)$")
APP_IMAGE = "epidemic-platform:local"
# Their images' entrypoints start as root and switch users: they need a writable root and their capabilities.
NOT_HARDENED = {"postgres", "metabase"}
# urlsplit cannot read a URL whose password is `${VAR:?message}` (the `?` starts a query string).
POSTGRES_URL = re.compile(
    r"^postgresql://(?P<user>[^:@]+):(?P<password>\$\{[^}]*\}|[^@]*)@(?P<host>[^:/]+):(?P<port>\d+)/(?P<database>\w+)$"
)


def _secret_files(compose: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Every NAME_FILE variable of the services, by (service, NAME), with the name of the secret it reads."""
    files = {}
    for name, service in compose["services"].items():
        for key, value in service_environment(service).items():
            if key.endswith("_FILE"):
                match = SECRET_MOUNT.match(value)
                assert match, f"{name}.{key}={value}: a secret file is /run/secrets/<name>"
                assert match["secret"] in service.get("secrets", []), f"{name} reads {key} but lacks its secret"
                files[(name, key.removesuffix("_FILE"))] = match["secret"]
    return files


def _urls(compose: dict[str, Any]) -> dict[tuple[str, str], dict[str, str]]:
    """Every postgresql:// URL in the services' environment, by (service, variable), in parts."""
    urls = {}
    for name, service in compose.get("services", {}).items():
        for key, value in service_environment(service).items():
            if "://" in value:
                match = POSTGRES_URL.match(value)
                assert match, f"{name}.{key}: expected postgresql://user:${{PASSWORD:?...}}@host:port/database"
                urls[(name, key)] = match.groupdict()
    return urls


# --- Compose itself ---------------------------------------------------------------------------------


def test_compose_validates_the_file_with_the_example_env() -> None:
    result = run_compose("--env-file", str(ENV_EXAMPLE), "config")
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    expected = {"postgres", "elt", "api", "metabase", "docs-build", "docs", "certs", "proxy"}
    assert set(rendered["services"]) == expected
    api_env = service_environment(rendered["services"]["api"])
    assert api_env["JWT_SECRET_FILE"] == "/run/secrets/jwt_secret" and "JWT_SECRET" not in api_env
    assert rendered["secrets"]["jwt_secret"]["file"] == str(PROJECT_ROOT / "secrets" / "jwt_secret")
    assert "--forwarded-allow-ips=172.31.250.0/28" in rendered["services"]["api"]["command"]


def test_compose_renders_with_the_secret_files(tmp_path: Path) -> None:
    """`make secrets` into SECRETS_DIR: every secret the services read is one of its files."""
    folder = tmp_path / "secrets"
    make_secrets.make(folder)
    env_file = tmp_path / "files.env"
    env_file.write_text(ENV_EXAMPLE.read_text() + f"\nSECRETS_DIR={folder}\n")
    result = run_compose("--env-file", str(env_file), "config")
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    for name, secret in rendered["secrets"].items():
        assert Path(secret["file"]) == folder / name and (folder / name).is_file(), name
    assert {path.name for path in folder.iterdir()} == set(rendered["secrets"])
    assert make_secrets.problems(folder) == []


def test_compose_renders_with_the_secrets_in_the_env_file() -> None:
    result = run_compose("--env-file", str(ENV_EXAMPLE), "config", files=(COMPOSE_FILE, ENV_SECRETS_FILE))
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    api_env = service_environment(rendered["services"]["api"])
    assert api_env["JWT_SECRET"] == "change-me-to-64-hex-characters-from-openssl-rand-hex-32"
    assert urlsplit(api_env["DATABASE_URL"]).password == "change-me-reader"
    assert api_env["JWT_SECRET_FILE"] == api_env["DATABASE_URL_FILE"] == ""
    assert {secret["file"] for secret in rendered["secrets"].values()} == {"/dev/null"}


def test_compose_refuses_to_start_without_the_secrets(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = run_compose("--env-file", str(empty), "config", files=(COMPOSE_FILE, ENV_SECRETS_FILE))
    assert result.returncode != 0
    assert "in .env" in result.stderr, result.stderr
    # With the secret files, .env is optional (`make up` checks the files: scripts/make_secrets.py --check).
    assert run_compose("--env-file", str(empty), "config", "--quiet").returncode == 0


# --- Structure --------------------------------------------------------------------------------------


def test_every_service_is_health_checked_or_one_shot(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if is_one_shot(service):
            assert "healthcheck" not in service and service.get("command"), name
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
            assert service.get("restart") == "unless-stopped", name


def test_depends_on_waits_for_health_or_completion(compose: dict[str, Any]) -> None:
    services = compose["services"]
    waited_for = set()
    for name, service in services.items():
        depends_on = service_depends_on(service)
        assert isinstance(depends_on, dict), f"{name}: use the long depends_on syntax with a condition"
        for dependency, rule in depends_on.items():
            condition = rule.get("condition")
            if condition == HEALTHY:
                assert "healthcheck" in services[dependency], f"{name} waits for {dependency}'s missing healthcheck"
            else:
                assert condition == COMPLETED and is_one_shot(services[dependency]), f"{name} -> {dependency}"
            waited_for.add(dependency)
    one_shots = {name for name, service in services.items() if is_one_shot(service)}
    assert one_shots <= waited_for, "a one-shot service nobody waits for would fail unnoticed"
    assert service_depends_on(services["api"]) == {"postgres": {"condition": HEALTHY}, "elt": {"condition": COMPLETED}}
    assert service_depends_on(services["elt"]) == {"postgres": {"condition": HEALTHY}}


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest" and "@" not in repository, f"{name}: pin {image}"
        if "build" not in service:
            assert re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"
    assert re.fullmatch(r"metabase/metabase:v\d+\.\d+\.\d+", compose["services"]["metabase"]["image"])
    assert re.fullmatch(r"postgres:\d+(\.\d+)?-bookworm", compose["services"]["postgres"]["image"])
    assert re.fullmatch(r"nginx:\d+\.\d+(\.\d+)?-alpine", compose["services"]["proxy"]["image"])


def test_metabase_keeps_its_application_database_in_postgres(compose: dict[str, Any]) -> None:
    env = service_environment(compose["services"]["metabase"])
    postgres = service_environment(compose["services"]["postgres"])
    assert env["MB_DB_TYPE"] == "postgres" and "MB_DB_FILE" not in env
    assert env["MB_DB_HOST"] == "postgres"
    assert (env["MB_DB_DBNAME"], env["MB_DB_USER"]) == (postgres["METABASE_DB"], postgres["METABASE_DB_USER"])
    assert env["MB_DB_DBNAME"] not in (postgres["EPIDEMIC_WAREHOUSE_DB"], postgres["EPIDEMIC_APP_DB"])


def test_no_secret_is_written_in_the_compose_files(compose: dict[str, Any], env_secrets: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key in service_environment(service):
            assert not SECRET_KEY.search(key) or key.endswith("_FILE"), f"{name}.{key}: read it from a secret file"
        assert not _urls({"services": {name: service}}), f"{name}: a database URL holds a password: use a file"
    for name, service in env_secrets["services"].items():
        for key, value in service_environment(service).items():
            if SECRET_KEY.search(key) and not key.endswith("_FILE"):
                assert REQUIRED_VARIABLE.match(value), f"{name}.{key} must be ${{VAR:?...}} from .env"
    for (name, key), url in _urls(env_secrets).items():
        assert REQUIRED_VARIABLE.match(url["password"]), f"{name}.{key}: the password must come from .env"


def test_every_secret_can_come_from_a_file_or_from_env(compose: dict[str, Any], env_secrets: dict[str, Any]) -> None:
    """Each secret a service reads is a NAME_FILE in docker-compose.yml, and NAME (its file emptied) in
    the .env override; each compose secret is a file `make secrets` writes, and /dev/null in the override."""
    files = _secret_files(compose)
    from_env = {
        (name, key): value
        for name, service in env_secrets["services"].items()
        for key, value in service_environment(service).items()
    }
    for name, variable in files:
        assert from_env.get((name, f"{variable}_FILE")) == "", f"{name}.{variable}_FILE is not emptied in .env mode"
        assert (name, variable) in from_env, f"{name}.{variable} cannot come from .env"
    overridden = {key for key in from_env if not key[1].endswith("_FILE")}
    assert overridden == set(files), "the override sets exactly the secrets the files provide"
    declared = set(compose["secrets"])
    assert declared == {secret for secret in files.values()}, "every declared secret is read, and only those"
    assert declared == set(make_secrets.GENERATED) | set(make_secrets.URLS)
    for secret, spec in compose["secrets"].items():
        assert spec == {"file": f"${{SECRETS_DIR:-./secrets}}/{secret}"}, secret
    assert env_secrets["secrets"] == {secret: {"file": "/dev/null"} for secret in declared}


def test_make_secrets_writes_each_url_from_its_password(compose: dict[str, Any], tmp_path: Path) -> None:
    """The URL files hold what the .env override composes from the passwords (roles: the test below)."""
    for (name, variable), secret in _secret_files(compose).items():
        assert (secret in make_secrets.URLS) == variable.endswith("DATABASE_URL"), (name, variable)
    make_secrets.make(tmp_path)
    for secret, (role, password_file, database) in make_secrets.URLS.items():
        url = urlsplit((tmp_path / secret).read_text().strip())
        assert (url.username, url.password, url.hostname, url.port, url.path) == (
            role,
            (tmp_path / password_file).read_text().strip(),
            "postgres",
            5432,
            f"/{database}",
        )


def test_env_example_lists_every_variable_and_no_secret(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    used = compose_variables()
    assert used == set(env_example), "the Compose files and .env.example must name the same variables"
    assert "#COMPOSE_FILE=docker-compose.yml:docker-compose.env-secrets.yml" in ENV_EXAMPLE.read_text()
    for name, value in env_example.items():
        if SECRET_KEY.search(name) and name != "SECRETS_DIR":
            assert value.startswith("change-me"), f"{name} in .env.example must be a placeholder"
    jwt_secret = env_example["JWT_SECRET"]
    assert len(jwt_secret) >= 32, "the example must pass the API's production check once copied"


def test_env_files_stay_out_of_git_and_the_image() -> None:
    git_ignored = (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    for entry in (".env", "secrets/", "certs/", "*.pem"):
        assert entry in git_ignored, entry
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    for entry in (".env", ".git", ".venv", "*.duckdb", "dbt_project/target", "data/*", "!data/sample", "secrets"):
        assert entry in ignored, entry


def test_roles_are_used_where_they_belong(compose: dict[str, Any], env_secrets: dict[str, Any]) -> None:
    """The ELT writes as the owner; the API reads as the reader and starts ELT runs as the owner."""
    postgres = service_environment(compose["services"]["postgres"])
    owner, reader, api_role = (postgres[f"EPIDEMIC_{r}_ROLE"] for r in ("OWNER", "READER", "API"))
    warehouse, app_db = postgres["EPIDEMIC_WAREHOUSE_DB"], postgres["EPIDEMIC_APP_DB"]
    expected = {
        ("elt", "DATABASE_URL"): (owner, warehouse),
        ("elt", "APP_DATABASE_URL"): (owner, app_db),
        ("api", "DATABASE_URL"): (reader, warehouse),
        ("api", "ELT_DATABASE_URL"): (owner, warehouse),
        ("api", "APP_DATABASE_URL"): (api_role, app_db),
    }
    urls = _urls(env_secrets)  # secrets from .env: the override composes the URLs
    assert {where: (url["user"], url["database"]) for where, url in urls.items()} == expected
    assert all((url["host"], url["port"]) == ("postgres", "5432") for url in urls.values())
    url_files = {where: secret for where, secret in _secret_files(compose).items() if secret in make_secrets.URLS}
    by_file = {where: make_secrets.URLS[secret][::2] for where, secret in url_files.items()}  # (role, database)
    assert by_file == expected  # secret files: make secrets writes the URLs
    for name in ("elt", "api"):
        assert service_environment(compose["services"][name])["DBT_READER_ROLE"] == reader
    docs_env = service_environment(compose["services"]["docs-build"])
    assert (docs_env["PGUSER"], docs_env["PGDATABASE"]) == (owner, warehouse)
    assert docs_env["PGPASSWORD_FILE"] == "/run/secrets/epidemic_owner_password"
    assert compose["services"]["docs-build"]["command"][:3] == ["python", "-m", "ingest.secret_files"]
    assert not any(SECRET_KEY.search(key) for key in service_environment(compose["services"]["docs"]))
    assert not compose["services"]["docs"].get("secrets") and not compose["services"]["proxy"].get("secrets")


def test_api_runs_in_production_mode(compose: dict[str, Any]) -> None:
    env = service_environment(compose["services"]["api"])
    assert env["API_ENV"] == "production" and env["ELT_TARGET"] == "postgres"
    assert env["JWT_SECRET_FILE"] == "/run/secrets/jwt_secret"


def test_only_the_proxy_publishes_ports(compose: dict[str, Any]) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"proxy"}
    ports = compose["services"]["proxy"]["ports"]
    assert ports == [
        "${PROXY_BIND:-0.0.0.0}:${HTTP_PORT:-80}:8080",
        "${PROXY_BIND:-0.0.0.0}:${HTTPS_PORT:-443}:8443",
        "${PROXY_BIND:-0.0.0.0}:${METABASE_HTTPS_PORT:-8443}:9443",
    ]
    assert not any("expose" in service for service in compose["services"].values())


def test_the_api_sits_behind_the_proxy(compose: dict[str, Any]) -> None:
    """Prefix /api removed by the proxy and restored by uvicorn; X-Forwarded-* trusted from the proxy only."""
    services = compose["services"]
    command = services["api"]["command"]
    assert command[:2] == ["uvicorn", "api.main:app"] and "--workers=2" in command
    assert "--root-path=/api" in command and "--proxy-headers" in command
    subnet = "${PROXY_API_SUBNET:-172.31.250.0/28}"
    assert f"--forwarded-allow-ips={subnet}" in command
    assert compose["networks"]["proxy-api"]["ipam"]["config"] == [{"subnet": subnet}]
    on_proxy_api = {name for name, service in services.items() if "proxy-api" in (service.get("networks") or [])}
    assert on_proxy_api == {"api", "proxy"}, "the API trusts every address of this network"
    assert "proxy-web" not in services["api"]["networks"] and "backend" not in services["proxy"]["networks"]
    assert services["docs"]["networks"] == ["proxy-web"], "the docs site needs no database"
    assert services["certs"]["network_mode"] == "none"


def test_containers_are_hardened_where_their_images_allow(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        if name in NOT_HARDENED:
            assert not service.get("read_only") and "cap_drop" not in service, f"{name}: update docs/deploy.md"
            continue
        assert service.get("read_only") is True, f"{name} should have a read-only root"
        assert service.get("cap_drop") == ["ALL"] and "cap_add" not in service, name
        assert any(mount.split(":")[0] == "/tmp" for mount in service["tmpfs"]), f"{name} needs a writable /tmp"
        assert "privileged" not in service, name
    app_services = {name for name, service in compose["services"].items() if service["image"] == APP_IMAGE}
    assert app_services == {"elt", "api", "docs-build", "docs", "certs"}
    proxy = compose["services"]["proxy"]
    assert proxy["user"] == "10001:10001", "the proxy reads the key the certs service writes as uid 10001"


def test_the_proxy_waits_for_its_certificate_and_upstreams(compose: dict[str, Any]) -> None:
    depends_on = service_depends_on(compose["services"]["proxy"])
    assert depends_on["certs"] == {"condition": COMPLETED}
    assert {name for name, rule in depends_on.items() if rule["condition"] == HEALTHY} == {"api", "docs", "metabase"}
    certs, proxy = compose["services"]["certs"], compose["services"]["proxy"]
    assert "${TLS_DIR:-tls}:/tls" in certs["volumes"] and "${TLS_DIR:-tls}:/etc/nginx/tls:ro" in proxy["volumes"]
    assert "tls" in compose["volumes"]


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
