"""JSON access logs, one line per request, with a request id echoed in `X-Request-ID`.

A plain ASGI middleware (no BaseHTTPMiddleware task per request): it sits on every request's path.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("api.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, the time in ISO 8601 UTC (orjson: a line costs a few microseconds)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        entry.update(getattr(record, "fields", {"message": record.getMessage()}))
        return orjson.dumps(entry, default=str).decode()


def json_logger(name: str) -> logging.Logger:
    """A logger writing one JSON object per line to stderr (configured once per process)."""
    named = logging.getLogger(name)
    if not named.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        named.addHandler(handler)
        named.setLevel(logging.INFO)
        named.propagate = False
    return named


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        json_logger(logger.name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1") or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            user: Any = scope["state"].get("user")
            client = scope.get("client")
            logger.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                        "user": getattr(user, "username", None),
                        "client": client[0] if client else None,
                    }
                },
            )
