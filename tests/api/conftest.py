"""An API over a warehouse built from the sample, with one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.core.accounts import create_user, session_for
from api.core.config import Settings
from api.core.security import Role
from ingest.warehouse import PostgresSettings
from tests.support import postgres, sample_builds
from tests.support.sample_builds import SAMPLE_DIR

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def api_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api") / "warehouse.duckdb"
    return sample_builds.duckdb_copy(SAMPLE_DIR, path).duckdb_file


@pytest.fixture(scope="session")
def api_postgres(postgres_server: PostgresSettings) -> Iterator[PostgresSettings]:
    database = sample_builds.postgres_copy(postgres_server, SAMPLE_DIR, prefix="api")
    yield database
    postgres.drop_database(postgres_server, database.database)


# The `tokens` fixture logs in once per session: its tokens must outlive a slow run of the suite (15 min, the
# default lifetime, did not on a loaded machine: later tests got 401).
TOKEN_MINUTES = 6 * 60


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def api_settings(request: pytest.FixtureRequest) -> Settings:
    """The same API over the sample warehouse on DuckDB, then on Postgres."""
    if request.param == "duckdb":
        settings = Settings(
            api_env="test",
            elt_target="duckdb",
            duckdb_path=request.getfixturevalue("api_warehouse"),
            rate_limit_enabled=False,
            access_token_minutes=TOKEN_MINUTES,
        )
    else:
        database: PostgresSettings = request.getfixturevalue("api_postgres")
        settings = Settings(
            api_env="test",
            elt_target="postgres",
            database_url=database.url,
            rate_limit_enabled=False,
            access_token_minutes=TOKEN_MINUTES,
        )
    for role in Role:
        create_user(settings, role.value.lower(), PASSWORD, role)
    return settings


@pytest.fixture(scope="session")
def client(api_settings: Settings) -> Iterator[TestClient]:
    from api.main import create_app

    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def tokens(client: TestClient) -> dict[Role, str]:
    found = {}
    for role in Role:
        response = client.post("/auth/token", data={"username": role.value.lower(), "password": PASSWORD})
        assert response.status_code == 200, response.text
        found[role] = response.json()["access_token"]
    return found


def bearer(settings: Settings, username: str, role: Role) -> dict[str, str]:
    """Headers of a live session of `username` (created, or reset, with `role`), without an HTTP login."""
    create_user(settings, username, PASSWORD, role, actor="tests")
    return {"Authorization": f"Bearer {session_for(settings, username, 'tests').access_token}"}


def auth(tokens: dict[Role, str], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}
