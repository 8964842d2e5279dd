"""The FastAPI application: `uvicorn api.main:app` (or `make api`)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from api.core.config import Settings, get_settings
from api.core.elt_launcher import EltLauncher
from api.core.errors import install_error_handlers
from api.core.logging import RequestLogMiddleware
from api.core.metrics import install_metrics
from api.core.rate_limits import install_rate_limits
from api.core.sessions import AccessCheck
from api.core.warehouse import Warehouse
from api.editing.store import EditStore
from api.routes import audit, auth, edits, elt, health, resources, users
from api.routes.key_reads import KeyReads, route_name_of

DESCRIPTION = """
REST access to the epidemic marts built by the ELT (dbt models `dim_*`, `fct_*`, `qa_*`).
Field descriptions come from the dbt documentation. Authenticate with `POST /auth/token`
(OAuth2 password flow) and send `Authorization: Bearer <token>`; renew the short-lived access token with
`POST /auth/refresh`, end the session with `POST /auth/logout`. Deleting, deactivating or changing a
user ends their sessions at once. Failed logins are throttled (429 with `Retry-After`).
Roles, each including the ones below: GUEST (dimensions and snapshots), USER (everything readable),
ANALYST (+ CSV export), MANAGER (+ writes, imports and reverts), ADMIN (+ users, login locks, the audit
trail `GET /audit` and ELT runs).
Writes go to an edit log that every ELT build applies, so they survive the next run; the read endpoints
show them at once. History: `GET /edits` and `/{resource}/{key}/history`.
Errors always have the shape `{"code", "message", "details", "hint"}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application; `settings` defaults to the environment (invalid ones stop start-up)."""
    settings = settings or get_settings()
    app = FastAPI(title="Epidemic data platform API", version="0.1.0", description=DESCRIPTION)
    app.state.settings = settings
    app.state.warehouse = Warehouse(settings)
    app.state.elt_launcher = EltLauncher(settings)
    app.state.edit_store = EditStore(settings)
    app.state.access = AccessCheck(settings)
    install_error_handlers(app)
    app.add_middleware(KeyReads)  # added first, so it is the innermost: limits, metrics and logs wrap it
    install_rate_limits(app, settings)
    app.add_middleware(RequestLogMiddleware)
    install_metrics(app, route_name_of)
    # Starlette (and the metrics, to name the route) tries routes in order: the reads by key first, even
    # before FastAPI's own /docs routes, then the edit log's reads, the lists, the writes, the admin routes.
    key_reads, lists = resources.build_routers()
    edit_reads, edit_writes = edits.build_routers()
    app.router.routes[:0] = key_reads.routes
    for router in (health.router, auth.router, edit_reads, lists, edit_writes, users.router, audit.router, elt.router):
        _add_routes(app, router)
    return app


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add a router's routes to the app itself: this FastAPI nests included routers, and slowapi's
    middleware only finds (and so only limits) routes that sit directly on the app."""
    app.router.routes.extend(router.routes)


app = create_app()
