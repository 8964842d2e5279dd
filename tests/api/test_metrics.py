"""The metrics name each request's route as prometheus-fastapi-instrumentator does, found without a scan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.requests import Request
from starlette.routing import BaseRoute

from api.core.config import Settings
from api.core.metrics import KNOWN_PATHS_MAX, RouteNamedMetrics
from api.main import create_app
from api.routes.key_reads import route_name_of

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _concrete(template: str, value: str) -> str:
    """A path that the route template matches: each `{name}` or `{name:convertor}` filled with `value`."""
    return re.sub(r"\{[^}]+\}", value, template)


def _paths(routes: list[BaseRoute]) -> list[str]:
    templates = [route.path for route in routes if hasattr(route, "path")]
    paths = [_concrete(template, value) for template in templates for value in ("FRA", "0a1b2c", "2020-01-22", "a b")]
    paths += [path + "/" for path in paths] + [path.rstrip("/") for path in paths]
    return [*paths, "/", "/nothing-here", "/countries/FRA/extra", "/countries/", "/daily-statistics/x/history"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    missing = Path(tmp_path_factory.mktemp("metrics")) / "absent.duckdb"
    return create_app(Settings(api_env="test", elt_target="duckdb", duckdb_path=missing))


def _scope(app: FastAPI, method: str, path: str, root_path: str = "") -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "root_path": root_path, "app": app, "headers": []}


@pytest.mark.parametrize("root_path", ["", "/api"])
def test_route_names_equal_the_instrumentators(app: FastAPI, root_path: str) -> None:
    stock = PrometheusInstrumentatorMiddleware(app, registry=CollectorRegistry())
    named = RouteNamedMetrics(app, route_name_of=route_name_of, registry=CollectorRegistry())
    checked = 0
    for path in _paths(app.routes):
        for method in METHODS:
            scope = _scope(app, method, root_path + path, root_path)
            expected = stock._get_handler(Request(scope))
            for _ in range(2):  # found, then kept
                assert named._get_handler(Request(dict(scope))) == expected, (method, path)
            checked += 1
    assert checked > 1000
    key_reads = [path for path in _paths(app.routes) if route_name_of(_scope(app, "GET", path)) is not None]
    assert len(key_reads) > 50, "the reads by key are named by the fast lane's pattern"


def test_kept_names_stay_bounded(app: FastAPI) -> None:
    named = RouteNamedMetrics(app, route_name_of=route_name_of, registry=CollectorRegistry())
    for number in range(KNOWN_PATHS_MAX + 10):
        assert named._get_handler(Request(_scope(app, "GET", f"/no-such-route/{number}"))) == (
            f"/no-such-route/{number}",
            False,
        )
    assert len(named._known) <= KNOWN_PATHS_MAX


def test_the_app_counts_requests_under_their_route(app: FastAPI) -> None:
    middleware = [entry for entry in app.user_middleware if entry.cls is RouteNamedMetrics]
    assert len(middleware) == 1 and not any(
        entry.cls is PrometheusInstrumentatorMiddleware for entry in app.user_middleware
    ), "the instrumentator's middleware is replaced, not doubled"
