"""Rate limits per role (slowapi): each user gets their role's budget; anonymous clients one per address."""

from __future__ import annotations

from contextvars import ContextVar

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIASGIMiddleware
from slowapi.util import get_remote_address
from starlette.types import ASGIApp, Receive, Scope, Send

from api.core.config import Settings
from api.core.errors import ErrorBody
from api.core.security import Role, decode_token
from api.routes.health import healthz


def rate_key(request: Request) -> str:
    """`<ROLE>:<username>` for a valid bearer token, `ANONYMOUS:<address>` otherwise."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        settings: Settings = request.app.state.settings
        try:
            claims = decode_token(settings, authorization[7:])
            return f"{Role(claims['role']).value}:{claims['sub']}"
        except (jwt.InvalidTokenError, ValueError, KeyError):
            pass
    return f"ANONYMOUS:{get_remote_address(request)}"


_current_key: ContextVar[str] = ContextVar("rate_limit_key", default="ANONYMOUS:unknown")


def install_rate_limits(app: FastAPI, settings: Settings) -> None:
    def role_limit() -> str:
        # slowapi evaluates default limits without the request, so the key comes from a context variable
        # set by the middleware below, which runs before slowapi's.
        role = _current_key.get().split(":", 1)[0]
        return settings.rate_limits.get(role, settings.rate_limits["ANONYMOUS"])

    limiter = Limiter(
        key_func=rate_key, default_limits=[role_limit], headers_enabled=True, enabled=settings.rate_limit_enabled
    )
    app.state.limiter = limiter

    @app.exception_handler(RateLimitExceeded)
    def _too_many(request: Request, exc: RateLimitExceeded) -> JSONResponse:  # sync: slowapi calls it directly
        body = ErrorBody(
            code="rate_limited",
            message=f"rate limit exceeded ({exc.detail}) for {rate_key(request).split(':')[0]}",
            hint="wait for the number of seconds in Retry-After",
        )
        response = JSONResponse(status_code=429, content=body.model_dump())
        return request.app.state.limiter._inject_headers(response, request.state.view_rate_limit)

    limiter.exempt(healthz)
    app.add_middleware(SlowAPIASGIMiddleware)
    if settings.rate_limit_enabled:
        app.add_middleware(_RememberKey)  # added last, so it runs first


class _RememberKey:
    """Plain ASGI middleware: computes the request's rate-limit key before slowapi looks at it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            _current_key.set(rate_key(Request(scope)))
        await self.app(scope, receive, send)
