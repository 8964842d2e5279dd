"""OAuth2 password flow: exchange username and password for a JWT access token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import Session, select

from api.core.config import Settings
from api.core.deps import app_session, app_settings
from api.core.errors import APIError, ErrorBody
from api.core.security import create_access_token, password_hash, verify_password
from api.models.users import Token, User

router = APIRouter(prefix="/auth", tags=["auth"])
_DUMMY_HASH = password_hash.hash("timing-equaliser-password")


@router.post("/token", response_model=Token, responses={401: {"model": ErrorBody}})
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    settings: Annotated[Settings, Depends(app_settings)],
    session: Annotated[Session, Depends(app_session)],
) -> Token:
    """Log in with the OAuth2 password flow; the token carries the user's role and expires."""
    user = session.exec(select(User).where(User.username == form.username)).first()
    valid = verify_password(form.password, user.password_hash if user else _DUMMY_HASH)
    if not (user and valid and user.is_active):
        raise APIError(401, "invalid_credentials", "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    token = create_access_token(settings, user.username, user.role)
    return Token(access_token=token, expires_in=settings.access_token_minutes * 60, role=user.role)
