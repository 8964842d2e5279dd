"""Warehouses built from the shipped sample once per test run, and copied for every test that starts from one.

A build of the sample costs ~30 s, nearly all of it dbt's fixed cost per node rather than the data, and some
twenty fixtures and tests start from exactly that warehouse. The first to ask builds it; the others get a copy:

- DuckDB: one build per setting for the whole run, shared by the pytest-xdist workers. The folder comes from
  SAMPLE_BUILDS_DIR (set once by the controlling process, inherited by the workers); a file lock per setting
  makes the first worker build while the others wait. A copy is the warehouse file copied.
- Postgres: each worker runs its own throwaway server, so one build per setting per server, kept there as a
  template database; a copy is `CREATE DATABASE ... TEMPLATE` (a file copy on the server).

A setting is everything the build reads: the engine, the run id, the warehouse file's name (dbt names the
database after it) and the ELT's environment (every ELT_* variable, DBT_READER_ROLE, DBT_CATALOG_DIR). A copy
is the warehouse the build left: its raw tables, file registry, run log and recorded model inputs, so the
next ELT run on it is a no-op or an incremental build, as after a build of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ingest.elt import run
from ingest.warehouse import PROJECT_ROOT, PostgresSettings, Target
from tests.support.postgres import clone_database, create_database, drop_database

SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
FOLDER_VARIABLE = "SAMPLE_BUILDS_DIR"
_ENVIRONMENT_READ = ("DBT_READER_ROLE", "DBT_CATALOG_DIR")

# Template databases made on each Postgres server in this process: (host, port, setting) -> database.
_templates: dict[tuple[str, int, str], str] = {}


def _setting(*parts: object) -> str:
    environment = sorted(
        (name, value) for name, value in os.environ.items() if name.startswith("ELT_") or name in _ENVIRONMENT_READ
    )
    return hashlib.sha256(json.dumps([parts, environment], default=str).encode()).hexdigest()[:16]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _shared_folder() -> Path:
    folder = os.environ.get(FOLDER_VARIABLE)
    if not folder:
        raise RuntimeError(f"{FOLDER_VARIABLE} is not set: tests/conftest.py sets it when the session starts")
    return Path(folder)


def duckdb_copy(data_dir: Path, path: Path, run_id: str | None = None) -> Target:
    """A DuckDB warehouse at `path` (a new file) as `run(data_dir, target, run_id=run_id)` leaves it, where
    `data_dir` holds the shipped sample (the folder itself or a copy of it)."""
    _assert_is_sample(data_dir)
    key = _setting("duckdb", run_id, path.name)
    template = _shared_folder() / key / path.name
    with _locked(_shared_folder() / f"{key}.lock"):
        if not template.exists():
            building = template.parent.with_name(f"{key}.building")
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir(parents=True)
            code = run(SAMPLE_DIR, Target(name="duckdb", duckdb_path=building / path.name), run_id=run_id)
            assert code == 0, f"make elt on the sample must succeed on DuckDB (exit {code})"
            building.rename(template.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return Target(name="duckdb", duckdb_path=path)


def postgres_copy(server: PostgresSettings, data_dir: Path, prefix: str, run_id: str | None = None) -> PostgresSettings:
    """A new database on `server` holding the warehouse `run(data_dir, target, run_id=run_id)` leaves in an
    empty one, where `data_dir` holds the shipped sample."""
    _assert_is_sample(data_dir)
    key = (server.host, server.port, _setting("postgres", run_id))
    if key not in _templates:
        database = create_database(server, prefix="sample_template")
        code = run(SAMPLE_DIR, Target(name="postgres", postgres=database), run_id=run_id)
        assert code == 0, f"make elt on the sample must succeed on Postgres (exit {code})"
        _templates[key] = database.database
    return clone_database(server, _templates[key], prefix)


def drop_templates(server: PostgresSettings) -> None:
    """Drop the template databases this process made on `server` (a server the tests did not start keeps
    nothing of them)."""
    for key in [key for key in _templates if key[:2] == (server.host, server.port)]:
        drop_database(server, _templates.pop(key))


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).digest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@functools.cache
def _sample_files() -> dict[str, bytes]:
    return _files(SAMPLE_DIR)


def _assert_is_sample(data_dir: Path) -> None:
    """A copy stands for a build of `data_dir` only if it holds the shipped sample, file for file."""
    if data_dir.resolve() != SAMPLE_DIR.resolve():
        assert _files(data_dir) == _sample_files(), f"{data_dir} is not the shipped sample: build it instead"
