"""Failed logins counted per account, per client address and per (account, address), and the locks
they lead to (api.core.login_throttle)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class LoginFailureCount(SQLModel, table=True):
    """Failed logins counted per account, per client address and per (account, address), and the locks
    they lead to."""

    __tablename__ = "api_login_throttle"

    throttle_key: str = Field(primary_key=True, description="`account:<name>`, `address:<ip>` or both.")
    scope: str = Field(description="`account`, `address` or `account_address`.")
    username: str | None = None
    address: str | None = None
    failures: int = Field(default=0, description="Failures in the current window.")
    window_started: float = Field(description="Start of the current counting window (Unix seconds).")
    locked_until: float | None = Field(default=None, description="Locked until (Unix seconds), if locked.")
    locks: int = Field(default=0, description="Locks so far: each one lasts twice as long as the one before.")
