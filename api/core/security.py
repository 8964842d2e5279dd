"""Passwords (argon2 via pwdlib), JWT access tokens (pyjwt) and the role ladder."""

from __future__ import annotations

import datetime as dt
import time
from enum import StrEnum
from typing import Any

import jwt
from pwdlib import PasswordHash

from api.core.config import Settings

password_hash = PasswordHash.recommended()


class Role(StrEnum):
    """Each role can do everything the roles below it can."""

    GUEST = "GUEST"
    USER = "USER"
    ANALYST = "ANALYST"
    MANAGER = "MANAGER"
    ADMIN = "ADMIN"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return password_hash.verify(password, hashed)


def create_access_token(settings: Settings, username: str, role: Role, now: dt.datetime | None = None) -> str:
    issued = now or dt.datetime.now(dt.UTC)
    claims = {
        "sub": username,
        "role": role.value,
        "iat": issued,
        "exp": issued + dt.timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


# Tokens already verified, until they expire: a request checks its token twice (rate-limit key, then
# the user), and a client sends the same token many times. Only valid tokens are kept.
_VERIFIED: dict[tuple[str, str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 4096


def decode_access_token(settings: Settings, token: str) -> dict[str, Any]:
    """Claims of a valid token; raises jwt.InvalidTokenError otherwise (expired, forged, alg none...)."""
    key = (settings.jwt_secret, settings.jwt_algorithm, token)
    claims = _VERIFIED.get(key)
    if claims is not None and claims["exp"] > time.time():
        return claims
    claims = jwt.decode(
        token,
        settings.jwt_secret,
        algorithms=[settings.jwt_algorithm],
        options={"require": ["sub", "role", "exp", "iat"]},
    )
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = claims
    return claims
