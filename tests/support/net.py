"""Loopback helpers for tests (and benchmarks) that start servers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from ingest.warehouse import PROJECT_ROOT


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], app: str = "api.main:app", ready: str = "/healthz", workers: int = 2) -> Iterator[str]:
    """The API (or `app`) under uvicorn with `workers` processes and rate limits off, until the block ends;
    yields its URL. `env` adds to (and overrides) this process's environment."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"],
        cwd=PROJECT_ROOT, env={**os.environ, "API_ENV": "test", "RATE_LIMIT_ENABLED": "false", **env},
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}{ready}").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"uvicorn {app} did not answer {ready} within 30 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
