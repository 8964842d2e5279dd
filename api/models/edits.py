"""Edits made through the API: an append-only log that dbt applies at every build (ingest/edits.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Field, SQLModel

Operation = Literal["upsert", "delete", "revert"]


class Edit(SQLModel, table=True):
    """One edit event. The latest event of a row is in force: an upsert puts `changes` over the source
    row (or adds `after_row` when the source has none), a delete is a tombstone, a revert ends the edits."""

    __tablename__ = "mart_edits"
    __table_args__ = (
        sa.Index("ix_mart_edits_row", "resource", "row_key", "edit_id"),
        sa.Index("ix_mart_edits_recent", "resource", "edit_id"),
    )

    edit_id: int | None = Field(
        default=None,
        primary_key=True,
        sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        description="Increasing event id.",
    )
    batch_id: str = Field(description="Shared by the events of one request (a bulk import is one batch).")
    resource: str = Field(description="Mart table edited, e.g. `dim_country`.")
    row_key: str = Field(description="Primary key value of the row, as text.")
    operation: str = Field(description="`upsert`, `delete` or `revert`.")
    changes: str | None = Field(default=None, description="JSON: the columns the row's edits set (cumulative).")
    after_row: str | None = Field(default=None, description="JSON: the whole row after the event; NULL if gone.")
    before_row: str | None = Field(default=None, description="JSON: the row before the event; NULL if absent.")
    reason: str | None = Field(default=None, description="Why, as the author wrote it.")
    edited_by: str = Field(description="User name of the author.")
    edited_at: dt.datetime = Field(description="When (UTC).")


class EditOut(BaseModel):
    """An edit event as the API returns it (JSON columns decoded)."""

    edit_id: int
    batch_id: str
    resource: str
    row_key: str
    operation: Operation
    changes: dict[str, Any] | None
    after_row: dict[str, Any] | None
    before_row: dict[str, Any] | None
    reason: str | None
    edited_by: str
    edited_at: dt.datetime
    applied: bool = Field(description="True once an ELT build has folded the event into the marts.")
