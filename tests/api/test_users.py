"""ADMIN manages users; nobody else can; changes take effect at the next login."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.core.security import Role
from tests.api.conftest import auth

NEW_PASSWORD = "a brand new passphrase"


def _login(client: TestClient, username: str, password: str) -> int:
    return client.post("/auth/token", data={"username": username, "password": password}).status_code


def test_admin_manages_users(client: TestClient, tokens: dict[Role, str]) -> None:
    admin = auth(tokens, Role.ADMIN)
    client.delete("/users/carol", headers=admin)
    created = client.post(
        "/users", json={"username": "carol", "password": NEW_PASSWORD, "role": "ANALYST"}, headers=admin
    )
    assert created.status_code == 201 and created.json()["role"] == "ANALYST"
    assert "password" not in created.text and "hash" not in created.text
    duplicate = client.post("/users", json={"username": "carol", "password": NEW_PASSWORD}, headers=admin)
    assert duplicate.status_code == 409
    assert _login(client, "carol", NEW_PASSWORD) == 200
    listed = {u["username"]: u for u in client.get("/users", headers=admin).json()}
    assert listed["carol"]["is_active"] is True

    assert client.patch("/users/carol", json={"role": "MANAGER"}, headers=admin).json()["role"] == "MANAGER"
    assert client.patch("/users/carol", json={"is_active": False}, headers=admin).status_code == 200
    assert _login(client, "carol", NEW_PASSWORD) == 401, "a deactivated user cannot log in"
    assert client.delete("/users/carol", headers=admin).status_code == 204
    assert client.delete("/users/carol", headers=admin).status_code == 404


def test_admin_cannot_lock_themselves_out(client: TestClient, tokens: dict[Role, str]) -> None:
    admin = auth(tokens, Role.ADMIN)
    assert client.delete("/users/admin", headers=admin).status_code == 400
    assert client.patch("/users/admin", json={"role": "USER"}, headers=admin).status_code == 400


def test_weak_or_bad_input_is_rejected(client: TestClient, tokens: dict[Role, str]) -> None:
    admin = auth(tokens, Role.ADMIN)
    short = client.post("/users", json={"username": "dave", "password": "short"}, headers=admin)
    assert short.status_code == 422 and short.json()["code"] == "invalid_request"
    odd = client.post("/users", json={"username": "da ve", "password": NEW_PASSWORD}, headers=admin)
    assert odd.status_code == 422


def test_only_admins_manage_users(client: TestClient, tokens: dict[Role, str]) -> None:
    for role in (Role.GUEST, Role.USER, Role.ANALYST, Role.MANAGER):
        assert client.get("/users", headers=auth(tokens, role)).status_code == 403
        body = {"username": "eve", "password": NEW_PASSWORD}
        assert client.post("/users", json=body, headers=auth(tokens, role)).status_code == 403
    assert client.get("/users").status_code == 401
