"""Failed-login throttling, shared by every API worker through the app database.

Failures are counted under three keys, each with its own limit (Settings.login_*):
- the account from one address (5): stops a guessing loop without locking the account's owner out,
  who logs in from another address;
- the address, whatever the account (20): stops one client spraying passwords over many accounts;
- the account, whatever the address (50): stops guessing spread over many addresses.
A key that reaches its limit within the counting window is locked; each further lock of the same key
lasts twice as long (up to login_max_lock_hours). While any key of a login is locked, the login is
answered 429 with Retry-After before the password is even checked, whether the account exists or not
(unknown names are counted like known ones). A successful login clears its account-from-address count.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import sqlalchemy as sa

from api.core.app_db import app_engine
from api.core.config import Settings
from api.models.login_throttle import LoginFailureCount

THROTTLE: sa.Table = LoginFailureCount.__table__  # type: ignore[attr-defined]
_NAME_LIMIT = 200  # a name longer than any user's is cut (the login fails anyway)

# One statement counts a failure, atomically under concurrent workers (SQLite and Postgres both have
# INSERT ... ON CONFLICT ... RETURNING): a new window starts when the last one is over.
_COUNT_FAILURE = sa.text(
    """
    insert into api_login_throttle (throttle_key, scope, username, address, failures, window_started, locks)
    values (:key, :scope, :username, :address, 1, :now, 0)
    on conflict (throttle_key) do update set
        failures = case when api_login_throttle.window_started < :window_floor then 1
                        else api_login_throttle.failures + 1 end,
        window_started = case when api_login_throttle.window_started < :window_floor then :now
                              else api_login_throttle.window_started end
    returning failures, locks
    """
)


@dataclass(frozen=True)
class Lock:
    key: str
    scope: str
    username: str | None
    address: str | None
    locked_until: float

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.locked_until - now))


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = app_engine(settings.app_url)

    def _keys(self, username: str, address: str | None) -> list[tuple[str, str, str | None, str | None, int]]:
        """(key, scope, username, address, limit) of a login attempt."""
        name, where = username[:_NAME_LIMIT], address or "unknown"
        settings = self.settings
        return [
            (f"account_address:{name}@{where}", "account_address", name, where, settings.login_max_failures),
            (f"address:{where}", "address", None, where, settings.login_address_max_failures),
            (f"account:{name}", "account", name, None, settings.login_account_max_failures),
        ]

    def lock_on(self, username: str, address: str | None) -> Lock | None:
        """The longest lock standing in the way of this login, if any."""
        if not self.settings.login_throttle_enabled:
            return None
        keys = [key for key, *_ in self._keys(username, address)]
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(THROTTLE)
                .where(THROTTLE.c.throttle_key.in_(keys), THROTTLE.c.locked_until > time.time())
                .order_by(THROTTLE.c.locked_until.desc())
            ).all()
        return _lock(rows[0]) if rows else None

    def failed(self, connection: sa.Connection, username: str, address: str | None) -> list[Lock]:
        """Count a failed login (in the caller's transaction); returns the locks it set."""
        if not self.settings.login_throttle_enabled:
            return []
        now, settings = time.time(), self.settings
        window = settings.login_lock_minutes * 60
        locks = []
        for key, scope, name, where, limit in self._keys(username, address):
            params = {"key": key, "scope": scope, "username": name, "address": where}
            failures, earlier_locks = connection.execute(
                _COUNT_FAILURE, {**params, "now": now, "window_floor": now - window}
            ).one()
            if failures < limit:
                continue
            seconds = min(window * 2**earlier_locks, settings.login_max_lock_hours * 3600)
            connection.execute(
                sa.update(THROTTLE)
                .where(THROTTLE.c.throttle_key == key)
                .values(locked_until=now + seconds, locks=earlier_locks + 1, failures=0, window_started=now)
            )
            locks.append(Lock(key, scope, name, where, now + seconds))
        return locks

    def succeeded(self, connection: sa.Connection, username: str, address: str | None) -> None:
        """A successful login clears the count of its account from its address."""
        key = self._keys(username, address)[0][0]
        connection.execute(sa.delete(THROTTLE).where(THROTTLE.c.throttle_key == key))

    def locks(self) -> list[Lock]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(THROTTLE).where(THROTTLE.c.locked_until > time.time()).order_by(THROTTLE.c.throttle_key)
            ).all()
        return [_lock(row) for row in rows]

    def unlock(self, connection: sa.Connection, username: str | None, address: str | None) -> int:
        """Clear locks and counts: of an account (from every address), of an address (for every account),
        or, given both, of that account from that address. Returns how many were cleared."""
        conditions = []
        if username is not None:
            conditions.append(THROTTLE.c.username == username[:_NAME_LIMIT])
        if address is not None:
            conditions.append(THROTTLE.c.address == address)
        if not conditions:
            return 0
        return connection.execute(sa.delete(THROTTLE).where(sa.and_(*conditions))).rowcount


def _lock(row: sa.Row) -> Lock:
    return Lock(row.throttle_key, row.scope, row.username, row.address, row.locked_until)
