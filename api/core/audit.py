"""Security events: one row in the append-only `api_audit` table and one JSON line on the `api.audit`
logger each, with who, when, from where and what.

`record` adds the row to the caller's transaction, so an event and the change it describes are
committed together (or not at all); `record_now` commits an event of its own (a failed login)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import orjson
import sqlalchemy as sa
from fastapi import Request

from api.core.app_db import write_transaction
from api.core.config import Settings
from api.core.logging import json_logger
from api.models.audit import AuditEvent, AuditOut

AUDIT: sa.Table = AuditEvent.__table__  # type: ignore[attr-defined]
logger: logging.Logger = json_logger("api.audit")

SUCCESS, FAILURE, DENIED = "success", "failure", "denied"


def client_address(request: Request | None) -> str | None:
    """The client's address (behind the proxy, the one it forwarded: uvicorn --proxy-headers)."""
    return request.client.host if request is not None and request.client else None


def record(
    connection: sa.Connection | Any,
    event: str,
    *,
    request: Request | None = None,
    actor: str | None = None,
    target: str | None = None,
    outcome: str = SUCCESS,
    details: dict[str, Any] | None = None,
) -> None:
    """Add the event to `connection`'s transaction (a SQLAlchemy Connection or a SQLModel Session)."""
    row = {
        "occurred_at": dt.datetime.now(dt.UTC),
        "event": event,
        "outcome": outcome,
        "actor": actor[:200] if actor else actor,
        "client": client_address(request),
        "target": target,
        "details": orjson.dumps(details).decode() if details else None,
        "request_id": getattr(request.state, "request_id", None) if request is not None else None,
    }
    connection.execute(sa.insert(AUDIT).values(**row))
    logger.info(event, extra={"fields": {"audit": event, **row, "details": details}})


def record_now(settings: Settings, event: str, **fields: Any) -> None:
    """Record the event in a transaction of its own."""
    with write_transaction(settings) as connection:
        record(connection, event, **fields)


def audit_out(row: Any) -> AuditOut:
    values = dict(row._mapping)
    values["details"] = orjson.loads(values["details"]) if values["details"] else None
    return AuditOut(**values)
