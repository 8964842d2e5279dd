"""Prometheus metrics of the API (prometheus-fastapi-instrumentator), with each request's route found cheaply.

The instrumentator labels every request with its route's path template (`/countries/{key_value:rowkey}`).
To find it, it flattens the app's routes (about 100 here) and matches the request against them one by one,
on every request: 37 microseconds for a read by key, 92 for a list (measured with the app's own routes),
where the fast lane's read of a row in memory takes about 20. The same method and path always
get the same route, so `RouteNamedMetrics` asks the instrumentator once per path and keeps the answer
(a bounded number of paths). A read by key has a new path almost every time, so those are named by
`route_name_of` (the fast lane's own path pattern) without a scan. The labels are the instrumentator's:
tests/api/test_metrics.py compares them for every route.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.types import ASGIApp, Scope

RouteNamer = Callable[[Scope], "str | None"]

KNOWN_PATHS_MAX = 4096  # paths whose route name is kept; beyond it the kept names are dropped and found again


def metrics_registry() -> CollectorRegistry:
    """One registry per app, with the process metrics the default one has: an app's /metrics counts that
    app's requests only, however many apps a process makes (the tests make one per configuration)."""
    registry = CollectorRegistry()
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=registry)
    return registry


class RouteNamedMetrics(PrometheusInstrumentatorMiddleware):
    """The instrumentator's middleware, naming a request's route by `route_name_of(scope)` when that knows
    it, else as the instrumentator does, once per (method, root path, path)."""

    def __init__(self, app: ASGIApp, *, route_name_of: RouteNamer, **options: object) -> None:
        super().__init__(app, **options)  # type: ignore[arg-type]
        self._route_name_of = route_name_of
        self._known: dict[tuple[str, str, str], tuple[str, bool]] = {}

    def _get_handler(self, request: Request) -> tuple[str, bool]:
        scope = request.scope
        name = None if self.should_include_root_path else self._route_name_of(scope)
        if name is not None:
            return name, True
        path = (scope["method"], scope.get("root_path", ""), scope["path"])
        known = self._known.get(path)
        if known is None:
            known = super()._get_handler(request)
            if len(self._known) >= KNOWN_PATHS_MAX:
                self._known.clear()
            self._known[path] = known
        return known


def install_metrics(app: FastAPI, route_name_of: RouteNamer) -> None:
    """Count and time every request (`GET /metrics`, not in the OpenAPI schema)."""
    instrumentator = Instrumentator(excluded_handlers=["/metrics"], registry=metrics_registry())
    instrumentator.instrument(app)
    # instrument() adds its middleware first in the list, with the options it was given: the same options,
    # in the same place, go to the subclass.
    added = app.user_middleware[0]
    if added.cls is not PrometheusInstrumentatorMiddleware:
        raise RuntimeError(f"expected the instrumentator's middleware first, found {added.cls!r}")
    app.user_middleware[0] = Middleware(RouteNamedMetrics, *added.args, route_name_of=route_name_of, **added.kwargs)
    instrumentator.expose(app, include_in_schema=False)
