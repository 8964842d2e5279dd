"""The fast lane for the API's hottest request, `GET /<resource>/<key>`.

A read by key does about 20 microseconds of work (see api.core.warehouse.KeyedTable), but going
through FastAPI's routing and dependency resolution costs ten times that. This plain ASGI middleware,
the innermost one (rate limits, metrics and access logs still wrap it), answers such a request itself
when it can answer 200: a valid bearer token whose role may read the resource, a key that names a row.
Everything else (no or bad token, a role too low, a bad key, no such row, no warehouse, a warehouse
file being swapped) goes on to the documented route in api.routes.resources, which answers with the
same function, `read_row`, and so renders every error exactly as before. The two paths return the
same bytes and headers; a test checks it.
"""

from __future__ import annotations

import re

import jwt
from fastapi.security.utils import get_authorization_scheme_param
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

from api.core.errors import APIError
from api.resources import RESOURCES, Resource
from api.routes.resources import AS_OF_HEADER, RowKeyConvertor, json_body, key_route_path, read_row

KEY_READABLE = {resource.path: resource for resource in RESOURCES if len(resource.key) == 1}
KEY_ROUTES = {path: key_route_path(resource) for path, resource in KEY_READABLE.items()}
# The same paths as the by-key routes: the key is the rest of the path, as RowKeyConvertor matches it.
KEY_PATH = re.compile(
    "^/("
    + "|".join(re.escape(path) for path in sorted(KEY_READABLE, key=len, reverse=True))
    + f")/({RowKeyConvertor.regex})$"
)


class KeyReads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = self._answer(scope)
        if answer is not None:
            body, as_of = answer
            headers = [
                (b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/json"),
                (AS_OF_HEADER.lower().encode(), as_of.encode("latin-1")),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _answer(scope: Scope) -> tuple[bytes, str] | None:
        """(JSON body, as-of) of a request this lane can answer with 200, else None."""
        match = key_read(scope)
        if match is None:
            return None
        resource: Resource = KEY_READABLE[match.group(1)]
        token = _bearer_token(scope)
        if token is None:
            return None
        app = scope["app"]
        try:
            user = app.state.access.user(token)  # also checks the session is live
        except (jwt.InvalidTokenError, ValueError, KeyError):
            return None
        if not user.role.at_least(resource.read_role):
            return None
        warehouse = app.state.warehouse
        if not warehouse.opens_without_waiting():  # the route reads in a worker thread instead
            return None
        try:
            row = read_row(resource, match.group(2), warehouse, app.state.edit_store)
            as_of = warehouse.as_of() or ""
        except APIError:
            return None
        scope.setdefault("state", {})["user"] = user  # for the access log, as the route's dependency does
        return json_body(row), as_of


def key_read(scope: Scope) -> re.Match[str] | None:
    """The match of KEY_PATH (group 1: the resource's path, group 2: the key) when the request is a read by
    key, `GET /<resource>/<key>`, else None."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    return KEY_PATH.match(get_route_path(scope))


def route_name_of(scope: Scope) -> str | None:
    """The path template of the read by key that a request goes to (its label in the metrics), or None
    when it is not one: found with the lane's pattern instead of a scan of the app's routes."""
    match = key_read(scope)
    return None if match is None else KEY_ROUTES[match.group(1)]


def _bearer_token(scope: Scope) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, parsed as the route's OAuth2 scheme does."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, token = get_authorization_scheme_param(value.decode("latin-1"))
            return token if scheme.lower() == "bearer" and token else None
    return None
