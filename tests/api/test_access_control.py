"""Access that ends when it should: a changed user's tokens stop at once; refresh tokens work once; logout
ends a session; a guessing loop is locked without locking out the account's owner; every security event
lands in the append-only audit trail, readable at GET /audit. On both app-database backends."""

from __future__ import annotations

import statistics
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.core.app_db import app_engine
from api.core.config import Settings
from api.core.security import Role
from api.main import create_app
from tests.api.conftest import PASSWORD, TOKEN_MINUTES, auth

OTHER_PASSWORD = "another long passphrase"
EUROPE = {"continent_name": "Europe"}


def _login(client: TestClient, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _new_user(client: TestClient, admin: dict[str, str], username: str, role: str) -> None:
    client.delete(f"/users/{username}", headers=admin)
    body = {"username": username, "password": PASSWORD, "role": role}
    assert client.post("/users", json=body, headers=admin).status_code == 201


CHANGES = {
    "delete": lambda client, admin, name: client.delete(f"/users/{name}", headers=admin),
    "demote": lambda client, admin, name: client.patch(f"/users/{name}", json={"role": "USER"}, headers=admin),
    "deactivate": lambda client, admin, name: client.patch(f"/users/{name}", json={"is_active": False}, headers=admin),
    "password": lambda client, admin, name: client.patch(
        f"/users/{name}", json={"password": OTHER_PASSWORD}, headers=admin
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_user_is_refused_at_once(client: TestClient, tokens: dict[Role, str], change: str) -> None:
    admin = auth(tokens, Role.ADMIN)
    name = f"manager-{change}"
    _new_user(client, admin, name, "MANAGER")
    manager = _login(client, name)
    headers = _bearer(manager["access_token"])
    assert client.get("/continents/EU", headers=headers).status_code == 200
    assert client.get("/continents", params={"limit": 1}, headers=headers).status_code == 200

    assert CHANGES[change](client, admin, name).status_code in (200, 204)

    for _ in range(3):
        read_by_key = client.get("/continents/EU", headers=headers)
        assert read_by_key.status_code == 401, read_by_key.text
        assert client.get("/continents", params={"limit": 1}, headers=headers).status_code == 401
        assert client.patch("/continents/EU", json=EUROPE, headers=headers).status_code == 401
    refreshed = client.post("/auth/refresh", json={"refresh_token": manager["refresh_token"]})
    assert refreshed.status_code == 401, "the session's refresh token ends with it"
    if change in ("demote", "password"):  # still a user: a new login works, with the new role or password
        password = OTHER_PASSWORD if change == "password" else PASSWORD
        again = _login(client, name, password)
        assert again["role"] == ("USER" if change == "demote" else "MANAGER")
        assert client.get("/continents/EU", headers=_bearer(again["access_token"])).status_code == 200
    client.delete(f"/users/{name}", headers=admin)


def test_refresh_tokens_work_once_and_logout_ends_the_session(client: TestClient, tokens: dict[Role, str]) -> None:
    admin = auth(tokens, Role.ADMIN)
    _new_user(client, admin, "refresher", "USER")
    first = _login(client, "refresher")
    assert first["expires_in"] == TOKEN_MINUTES * 60 and first["refresh_expires_in"] == 7 * 86400
    second = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    second = second.json()
    assert client.get("/continents/EU", headers=_bearer(second["access_token"])).status_code == 200
    assert client.get("/continents/EU", headers=_bearer(first["access_token"])).status_code == 200, "same session"
    # A refresh token is not an access token, nor the other way round.
    assert client.get("/continents/EU", headers=_bearer(second["refresh_token"])).status_code == 401
    assert client.post("/auth/refresh", json={"refresh_token": second["access_token"]}).status_code == 401

    # Replaying a used refresh token (a stolen copy) revokes the whole session.
    replay = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert client.get("/continents/EU", headers=_bearer(second["access_token"])).status_code == 401
    assert client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401

    # Logout ends one session; the user's other sessions go on, until logout everywhere.
    one, two = _login(client, "refresher"), _login(client, "refresher")
    assert client.post("/auth/logout", headers=_bearer(one["access_token"])).status_code == 204
    assert client.get("/continents/EU", headers=_bearer(one["access_token"])).status_code == 401
    assert client.post("/auth/refresh", json={"refresh_token": one["refresh_token"]}).status_code == 401
    assert client.get("/continents/EU", headers=_bearer(two["access_token"])).status_code == 200
    three = _login(client, "refresher")
    everywhere = client.post("/auth/logout", params={"everywhere": "true"}, headers=_bearer(three["access_token"]))
    assert everywhere.status_code == 204
    for session in (two, three):
        assert client.get("/continents/EU", headers=_bearer(session["access_token"])).status_code == 401
    assert client.post("/auth/logout").status_code == 401
    client.delete("/users/refresher", headers=admin)


def _attempts(client: TestClient, username: str, count: int, password: str = "not the password!") -> list:
    return [client.post("/auth/token", data={"username": username, "password": password}) for _ in range(count)]


def test_a_guessing_loop_is_locked_out_but_not_the_owner(api_settings: Settings, tokens: dict[Role, str]) -> None:
    app = create_app(api_settings)
    attacker = TestClient(app, client=("203.0.113.7", 40000))
    owner = TestClient(app, client=("198.51.100.2", 40001))
    admin = auth(tokens, Role.ADMIN)
    _new_user(owner, admin, "victim", "ANALYST")
    owner.delete("/auth/locks", params={"address": "203.0.113.7"}, headers=admin)

    answers = _attempts(attacker, "victim", 12)
    statuses = [response.status_code for response in answers]
    assert statuses == [401] * 4 + [429] * 8, statuses
    assert all(0 < int(r.headers["Retry-After"]) <= 15 * 60 for r in answers[4:])
    assert answers[-1].json()["code"] == "login_locked"
    assert _attempts(attacker, "victim", 1, PASSWORD)[0].status_code == 429, "locked even with the password"
    assert owner.post("/auth/token", data={"username": "victim", "password": PASSWORD}).status_code == 200

    # An unknown name gets the same answers, in about the same time (the password is hashed either way).
    ghost = [response.status_code for response in _attempts(attacker, "no-such-user", 12)]
    assert ghost == statuses
    owner.delete("/auth/locks", params={"address": "203.0.113.7"}, headers=admin)
    timings = {}
    for name in ("victim", "no-such-user-2"):
        started = []
        for response in _attempts(attacker, name, 3):
            assert response.status_code == 401
            started.append(response.elapsed.total_seconds())
        timings[name] = statistics.median(started)
    assert 0.33 < timings["victim"] / timings["no-such-user-2"] < 3, timings

    # ADMIN sees the lock and lifts it.
    _attempts(attacker, "victim", 5)
    locks = owner.get("/auth/locks", headers=admin).json()
    assert {"account_address:victim@203.0.113.7"} <= {lock["key"] for lock in locks}
    assert owner.get("/auth/locks", headers=auth(tokens, Role.MANAGER)).status_code == 403
    cleared = owner.delete("/auth/locks", params={"username": "victim", "address": "203.0.113.7"}, headers=admin)
    assert cleared.status_code == 200 and cleared.json()["cleared"] >= 1
    assert _attempts(attacker, "victim", 1, PASSWORD)[0].status_code == 200
    owner.delete("/auth/locks", params={"address": "203.0.113.7"}, headers=admin)


def test_spraying_one_address_over_many_accounts_locks_that_address(
    api_settings: Settings, tokens: dict[Role, str]
) -> None:
    app = create_app(api_settings)
    sprayer = TestClient(app, client=("203.0.113.9", 40000))
    admin = auth(tokens, Role.ADMIN)
    sprayer.delete("/auth/locks", params={"address": "203.0.113.9"}, headers=admin)
    statuses = [_attempts(sprayer, f"account-{i}", 1)[0].status_code for i in range(25)]
    assert statuses == [401] * 19 + [429] * 6, statuses
    # The lock is on the address: another account's right password from it is refused too, not elsewhere.
    assert _attempts(sprayer, "user", 1, PASSWORD)[0].status_code == 429
    assert TestClient(app).post("/auth/token", data={"username": "user", "password": PASSWORD}).status_code == 200
    sprayer.delete("/auth/locks", params={"address": "203.0.113.9"}, headers=admin)


def test_each_further_lock_lasts_twice_as_long(api_settings: Settings, tokens: dict[Role, str]) -> None:
    # 3 s locks: the lock's length is also the window the failures are counted in, and two argon2 checks on
    # a loaded machine took longer than 1 s (the second failure then counted alone: 401, not 429).
    quick = api_settings.model_copy(update={"login_lock_minutes": 3 / 60, "login_max_failures": 2})
    client = TestClient(create_app(quick), client=("203.0.113.11", 40000))
    client.delete("/auth/locks", params={"address": "203.0.113.11"}, headers=auth(tokens, Role.ADMIN))
    lengths = []
    for _ in range(2):
        answers = _attempts(client, "doubling", 2)
        assert [r.status_code for r in answers] == [401, 429]
        lengths.append(int(answers[1].headers["Retry-After"]))
        time.sleep(lengths[-1] + 0.1)
    assert lengths == [3, 6]


def test_every_security_event_is_audited(client: TestClient, tokens: dict[Role, str], api_settings: Settings) -> None:
    admin = auth(tokens, Role.ADMIN)
    _new_user(client, admin, "audited", "ANALYST")
    session = _login(client, "audited")
    client.post("/auth/token", data={"username": "audited", "password": "wrong password!!"})
    client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})
    client.patch("/users/audited", json={"role": "USER"}, headers=admin)
    client.delete("/users/audited", headers=admin)

    events = client.get("/audit", params={"target": "eq.audited", "order": "audit_id.asc", "limit": 100}, headers=admin)
    assert events.status_code == 200, events.text
    seen = [(e["event"], e["outcome"], e["actor"]) for e in events.json()]
    for expected in [
        ("user.created", "success", "admin"),
        ("login.succeeded", "success", "audited"),
        ("token.refreshed", "success", "audited"),
        ("user.updated", "success", "admin"),
        ("user.deleted", "success", "admin"),
    ]:
        assert expected in seen, (expected, seen)
    failed = client.get("/audit", params={"event": "eq.login.failed", "actor": "eq.audited"}, headers=admin).json()
    assert failed and failed[-1]["outcome"] == "failure" and failed[-1]["client"] == "testclient"
    assert failed[-1]["details"] == {"reason": "wrong username or password"}
    assert failed[-1]["request_id"]
    updated = next(e for e in events.json() if e["event"] == "user.updated")
    assert updated["details"]["role"] == {"from": "ANALYST", "to": "USER"}
    assert updated["details"]["sessions_revoked"] == 1
    # The list grammar of the marts, and its errors.
    newest = client.get("/audit", params={"event": "like.login.*", "order": "audit_id.desc", "limit": 2}, headers=admin)
    assert newest.status_code == 200 and len(newest.json()) == 2
    assert newest.json()[0]["audit_id"] > newest.json()[1]["audit_id"]
    assert client.get("/audit", params={"nope": "eq.1"}, headers=admin).json()["code"] == "unknown_column"
    for role in (Role.GUEST, Role.USER, Role.ANALYST, Role.MANAGER):
        assert client.get("/audit", headers=auth(tokens, role)).status_code == 403


def test_the_audit_trail_is_append_only(api_settings: Settings) -> None:
    engine = app_engine(api_settings.app_url)
    for statement in ("update api_audit set actor = 'nobody'", "delete from api_audit"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
            connection.exec_driver_sql(statement)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("select count(*) from api_audit").scalar_one() > 0
