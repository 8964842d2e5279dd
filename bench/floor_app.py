"""The HTTP floor of bench/bench_api.py: the least an ASGI app served by uvicorn can do per request.

It answers every GET with the same JSON body (one real row of the daily fact, from FLOOR_BODY) and
nothing else: no routing, auth, rate limits, metrics, logs or database. The API's reads by key are
reported as a share of this app's throughput, measured in the same run on the same machine.
"""

from __future__ import annotations

import os

from starlette.types import Receive, Scope, Send

BODY = os.environ.get("FLOOR_BODY", "{}").encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":  # lifespan: nothing to set up
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
