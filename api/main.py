"""The FastAPI application: `uvicorn api.main:app` (or `make api`)."""

from __future__ import annotations

from fastapi import FastAPI

from api.core.config import get_settings
from api.core.errors import install_error_handlers
from api.routes import auth, health, resources

DESCRIPTION = """
REST access to the epidemic marts built by the ELT (dbt models `dim_*`, `fct_*`, `qa_*`).
Field descriptions come from the dbt documentation. Authenticate with `POST /auth/token`
(OAuth2 password flow) and send `Authorization: Bearer <token>`.
Roles, each including the ones below: GUEST (dimensions and snapshots), USER (everything readable),
ANALYST (+ CSV export), MANAGER (+ writes), ADMIN (+ users and ELT runs).
Errors always have the shape `{"code", "message", "details", "hint"}`.
"""


def create_app() -> FastAPI:
    get_settings()  # fail fast on bad settings (e.g. the default secret in production)
    app = FastAPI(title="Epidemic data platform API", version="0.1.0", description=DESCRIPTION)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(resources.build_router())
    return app


app = create_app()
