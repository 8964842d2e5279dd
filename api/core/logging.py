"""JSON access logs, one line per request, with a request id echoed in `X-Request-ID`."""

from __future__ import annotations

import json
import logging
import time
import uuid

from fastapi import FastAPI, Request, Response

logger = logging.getLogger("api.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name}
        entry.update(getattr(record, "fields", {"message": record.getMessage()}))
        return json.dumps(entry, default=str)


def install_request_logging(app: FastAPI) -> None:
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.middleware("http")
    async def _log(request: Request, call_next) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = request_id
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        user = getattr(request.state, "user", None)
        logger.info(
            "request",
            extra={
                "fields": {
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "user": getattr(user, "username", None),
                    "client": request.client.host if request.client else None,
                }
            },
        )
        return response
