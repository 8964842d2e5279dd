"""The security audit trail: append-only (the database refuses UPDATE and DELETE on it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Field, SQLModel


class AuditEvent(SQLModel, table=True):
    __tablename__ = "api_audit"
    __table_args__ = (sa.Index("ix_api_audit_event", "event", "audit_id"),)

    audit_id: int | None = Field(
        default=None,
        primary_key=True,
        sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        description="Increasing event id.",
    )
    occurred_at: dt.datetime = Field(description="When (UTC).")
    event: str = Field(description="What happened, e.g. `login.failed`, `user.deleted`, `elt.started`.")
    outcome: str = Field(description="`success`, `failure` or `denied`.")
    actor: str | None = Field(default=None, description="Who did it: the user name (as typed, for logins).")
    client: str | None = Field(default=None, description="From where: the client address.")
    target: str | None = Field(default=None, description="What it was done to: a user name, a run id, a resource.")
    details: str | None = Field(default=None, description="JSON: the particulars (fields changed, reason, counts).")
    request_id: str | None = Field(default=None, description="The request's `X-Request-ID`.")


class AuditOut(BaseModel):
    audit_id: int
    occurred_at: dt.datetime
    event: str
    outcome: str
    actor: str | None
    client: str | None
    target: str | None
    details: dict[str, Any] | None
    request_id: str | None
