"""A throwaway PostgreSQL server for the tests, or the one named by TEST_DATABASE_URL.

The server is real (never a mock): it is initialised in a temporary folder from the machine's
PostgreSQL binaries, listens on a free loopback port with trust authentication, and is stopped and
deleted when the tests end. When the tests run as root, the server runs as the `postgres` system user
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.warehouse import PostgresSettings
from tests.support.net import free_port


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    explicit = os.environ.get("PG_BIN_DIR")
    candidates = [explicit] if explicit else []
    pg_config = shutil.which("pg_config")
    if pg_config:
        candidates.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) found: install them (Debian: apt-get install postgresql) "
        "or set TEST_DATABASE_URL to a server the tests may create databases on"
    )


def _runner() -> tuple[list[str], int | None, int | None]:
    """Command prefix and uid/gid to run the server binaries (as `postgres` when we are root)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PostgresUnavailable("running as root and there is no 'postgres' system user to run the server") from exc
    return ["runuser", "-u", "postgres", "--"], user.pw_uid, user.pw_gid


@contextmanager
def throwaway_server() -> Iterator[PostgresSettings]:
    bin_dir = _bin_dir()
    prefix, uid, gid = _runner()
    root = Path(tempfile.mkdtemp(prefix="epidemic-pg-"))
    data, log = root / "data", root / "server.log"
    if uid is not None:
        os.chown(root, uid, gid)
    port = free_port()
    try:
        subprocess.run(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"],
            check=True,
            capture_output=True,
        )
        settings = PostgresSettings(host="127.0.0.1", port=port, user="postgres", password="", database="postgres")
        _wait_ready(settings)
        yield settings
    finally:
        if data.exists():
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(settings: PostgresSettings, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(settings.url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def server_from_env_or_throwaway() -> Iterator[PostgresSettings]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield PostgresSettings.from_env({"DATABASE_URL": url})
        return
    with throwaway_server() as settings:
        yield settings


def create_database(server: PostgresSettings, prefix: str = "test") -> PostgresSettings:
    """A new empty database on the server, for one test's warehouse."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return PostgresSettings(server.host, server.port, server.user, server.password, name)


def clone_database(server: PostgresSettings, template: str, prefix: str = "copy") -> PostgresSettings:
    """A new database on the server holding a copy of `template` (CREATE DATABASE ... TEMPLATE: a file copy
    on the server). Waits for the template's last connections to close; nobody may write to it meanwhile."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        for attempt in range(50):  # a connection that just closed may still be ending on the server
            try:
                conn.execute(f'create database "{name}" template "{template}"')
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 49:
                    raise
                time.sleep(0.1)
    return PostgresSettings(server.host, server.port, server.user, server.password, name)


def drop_database(server: PostgresSettings, database: str) -> None:
    import psycopg

    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
