"""Rate limits per role (429 with Retry-After), Prometheus metrics, request ids."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.core.config import Settings
from api.core.security import Role
from api.main import create_app
from tests.api.conftest import auth


def test_rate_limit_per_role(api_settings: Settings, tokens: dict[Role, str]) -> None:
    limits = {"ANONYMOUS": "2/minute", "GUEST": "3/minute", "USER": "5/minute"}
    settings = api_settings.model_copy(update={"rate_limit_enabled": True, "rate_limits": limits})
    with TestClient(create_app(settings)) as client:
        guest = [client.get("/countries", headers=auth(tokens, Role.GUEST)).status_code for _ in range(4)]
        user = [client.get("/countries", headers=auth(tokens, Role.USER)).status_code for _ in range(6)]
        assert guest == [200, 200, 200, 429]
        assert user == [200] * 5 + [429], "each user has their own role's budget"
        limited = client.get("/countries", headers=auth(tokens, Role.GUEST))
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert limited.json()["code"] == "rate_limited"
        assert all(client.get("/healthz").status_code == 200 for _ in range(5)), "health checks are not limited"


def test_metrics_and_request_id(client: TestClient, tokens: dict[Role, str]) -> None:
    response = client.get("/countries", headers={**auth(tokens, Role.USER), "X-Request-ID": "abc123"})
    assert response.headers["X-Request-ID"] == "abc123"
    assert client.get("/healthz").headers["X-Request-ID"]
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "http_requests_total" in metrics.text
