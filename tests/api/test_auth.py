"""Authentication and the role matrix over every route."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from fastapi.testclient import TestClient

from api.core.config import Settings
from api.core.security import Role, create_token
from api.resources import RESOURCES
from tests.api.conftest import PASSWORD, auth


def test_login_rejects_wrong_password(client: TestClient) -> None:
    response = client.post("/auth/token", data={"username": "admin", "password": "wrong password!!"})
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"
    response = client.post("/auth/token", data={"username": "nobody", "password": PASSWORD})
    assert response.status_code == 401


@pytest.mark.parametrize("resource", RESOURCES, ids=[r.path for r in RESOURCES])
@pytest.mark.parametrize("role", list(Role))
def test_read_matrix(client: TestClient, tokens: dict[Role, str], resource, role: Role) -> None:
    response = client.get(f"/{resource.path}", params={"limit": "1"}, headers=auth(tokens, role))
    expected = 200 if role.at_least(resource.read_role) else 403
    assert response.status_code == expected, response.text
    anonymous = client.get(f"/{resource.path}")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"


@pytest.mark.parametrize("role", list(Role))
def test_csv_export_needs_analyst(client: TestClient, tokens: dict[Role, str], role: Role) -> None:
    response = client.get("/countries", params={"format": "csv"}, headers=auth(tokens, role))
    assert response.status_code == (200 if role.at_least(Role.ANALYST) else 403)


def _token(settings: Settings, **overrides) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": "admin", "role": "ADMIN", "iat": now, "exp": now + dt.timedelta(minutes=5), **overrides}
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def test_bad_tokens_are_401(client: TestClient, api_settings: Settings) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    expired = create_token(api_settings, "admin", Role.ADMIN, "some-session", now=past)
    forged = jwt.encode(
        {"sub": "admin", "role": "ADMIN", "iat": past, "exp": past + dt.timedelta(days=9)},
        "another-secret-of-sufficient-length-123456",
        algorithm="HS256",
    )
    unsigned = jwt.encode({"sub": "admin", "role": "ADMIN"}, key=None, algorithm="none")
    for token in (expired, forged, unsigned, "garbage", _token(api_settings, role="EMPEROR")):
        response = client.get("/countries", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


def test_production_refuses_default_secret() -> None:
    with pytest.raises(ValueError, match="JWT_SECRET"):
        Settings(api_env="production")
    assert Settings(api_env="production", jwt_secret="x" * 40).api_env == "production"
