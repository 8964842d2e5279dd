"""API users: stored with an argon2 hash and one role."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from api.core.security import Role


class User(SQLModel, table=True):
    __tablename__ = "api_users"

    username: str = Field(primary_key=True, min_length=3, max_length=64)
    password_hash: str
    role: Role = Field(default=Role.USER)
    is_active: bool = True
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: Role
