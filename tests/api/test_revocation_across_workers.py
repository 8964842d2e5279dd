"""With 2 API workers (uvicorn processes) sharing the users store, a change made through one worker ends
the user's tokens in both at once: every request after the change's answer is refused, whichever worker
takes it. On the SQLite app database (DuckDB warehouse) and on Postgres."""

from __future__ import annotations

import httpx
import pytest

from api.core.accounts import create_user
from api.core.config import Settings
from api.core.security import Role
from tests.api.conftest import PASSWORD
from tests.support.net import serving

CHANGES = [
    ("delete", "DELETE", None),
    ("demote", "PATCH", {"role": "GUEST"}),
    ("deactivate", "PATCH", {"is_active": False}),
    ("password", "PATCH", {"password": "a different passphrase"}),
]


@pytest.fixture(params=["duckdb", "postgres"])
def server_env(request: pytest.FixtureRequest) -> tuple[dict[str, str], Settings]:
    if request.param == "duckdb":
        path = request.getfixturevalue("api_warehouse")
        env = {"ELT_TARGET": "duckdb", "DUCKDB_PATH": str(path)}
        return env, Settings(api_env="test", elt_target="duckdb", duckdb_path=path)
    database = request.getfixturevalue("api_postgres")
    env = {"ELT_TARGET": "postgres", "DATABASE_URL": database.url}
    return env, Settings(api_env="test", elt_target="postgres", database_url=database.url)


def _login(base: str, username: str) -> dict[str, str]:
    response = httpx.post(f"{base}/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_changes_end_tokens_in_every_worker(server_env: tuple[dict[str, str], Settings]) -> None:
    env, settings = server_env
    create_user(settings, "workers-admin", PASSWORD, Role.ADMIN, actor="tests")
    for name, *_ in CHANGES:
        create_user(settings, f"workers-{name}", PASSWORD, Role.MANAGER, actor="tests")
    with serving(env, workers=2) as base:
        admin = _login(base, "workers-admin")
        for name, method, body in CHANGES:
            headers = _login(base, f"workers-{name}")
            # A new connection per request: the two workers take turns accepting them.
            before = {httpx.get(f"{base}/continents/EU", headers=headers).status_code for _ in range(10)}
            assert before == {200}
            change = httpx.request(method, f"{base}/users/workers-{name}", json=body, headers=admin)
            assert change.status_code in (200, 204), change.text
            after = [httpx.get(f"{base}/continents/EU", headers=headers).status_code for _ in range(20)]
            after += [httpx.get(f"{base}/continents", headers=headers).status_code for _ in range(10)]
            edits = [
                httpx.patch(f"{base}/continents/EU", json={"continent_name": "Europe"}, headers=headers).status_code
                for _ in range(10)
            ]
            assert set(after) == {401} and set(edits) == {401}, (name, after, edits)
