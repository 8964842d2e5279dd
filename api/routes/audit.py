"""The security audit trail (ADMIN): logins, locks, session revocations, user changes, ELT runs, imports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from api.core.app_db import app_engine
from api.core.audit import AUDIT, audit_out
from api.core.config import Settings
from api.core.deps import CurrentUser, app_settings, require
from api.core.errors import ErrorBody
from api.core.security import Role
from api.models.audit import AuditOut
from api.query.filters import parse_list_query, to_select

router = APIRouter(tags=["audit"], responses={c: {"model": ErrorBody} for c in (400, 401, 403)})


@router.get("/audit", response_model=list[AuditOut])
async def list_audit_events(
    request: Request,
    _admin: Annotated[CurrentUser, Depends(require(Role.ADMIN))],
    settings: Annotated[Settings, Depends(app_settings)],
) -> list[AuditOut]:
    """Security events, oldest first, filtered, sorted and paged with the same grammar as the marts, e.g.
    `?event=like.login.*&client=eq.10.0.0.7&occurred_at=gte.2026-01-01&order=audit_id.desc&limit=50`.

    Events: `login.succeeded`, `login.failed`, `login.throttled` (a 429), `login.locked`, `login.unlocked`,
    `token.refreshed`, `session.revoked` (logout, a replayed refresh token), `user.created`,
    `user.updated`, `user.deleted`, `elt.started`, `edits.imported`. The table is append-only."""
    items = [(name, value) for name, value in request.query_params.multi_items() if name != "select"]
    query = parse_list_query(AUDIT, items, ("audit_id",), 100, 10_000)

    def read() -> list[AuditOut]:
        with app_engine(settings.app_url).connect() as connection:
            return [audit_out(row) for row in connection.execute(to_select(query)).all()]

    return await run_in_threadpool(read)
