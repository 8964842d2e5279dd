"""Where the ELT writes: the embedded DuckDB file (default) or a Postgres database.

Settings come from the environment:
- `ELT_TARGET`: `duckdb` (default), `postgres` or `spark` (docs/scaling.md).
- `DUCKDB_PATH`: the DuckDB file (default `warehouse.duckdb` at the project root). On Spark, the serving
  file the marts are published into (default `<LAKE_PATH>/warehouse.duckdb`).
- `LAKE_PATH` (Spark): the lake folder holding raw as Parquet (`raw/<table>/`), Spark's tables and, in local
  mode, its metastore (default `lake` at the project root).
- `DATABASE_URL` (`postgresql://user:password@host:port/db`) or the usual `PGHOST`, `PGPORT`, `PGUSER`,
  `PGPASSWORD`, `PGDATABASE` variables for Postgres.
- `ELT_DATABASE_URL`, when set, wins over `DATABASE_URL`: a process that reads the marts as a read-only
  role (the API) names the owner role the ELT it starts must write as (see docs/deploy.md).
- `ELT_MEMORY_LIMIT` (default `1GB`): DuckDB's memory budget, in every connection the ELT opens, dlt's and
  dbt's (profiles.yml); past it DuckDB spills to disk, so a file larger than memory still loads.
- `ELT_TEMP_DIR`: where the ELT stages parsed files (default: the system temp folder) and where DuckDB
  spills (default: `<DuckDB file>.tmp` beside the file). Neither applies to Postgres, which has its own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ingest.sql_literals import duckdb_literal, inline_parameters

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RAW_SCHEMA = "raw"
# Targets whose marts are served from a DuckDB file: DuckDB itself, and Spark, whose marts are published into one.
DUCKDB_FILE_TARGETS = ("duckdb", "spark")
RAW_BUILD_SCHEMA = "raw_build"
OPS_SCHEMA = "ops"
# DuckDB's default is 80% of RAM. 1 GB keeps a whole run (this process, then dbt's) under 2 GiB of resident
# memory while leaving DuckDB room to work in memory at the shipped sizes; raise it on a big machine.
DEFAULT_MEMORY_LIMIT = "1GB"
_SIZE = re.compile(r"\d+(\.\d+)?\s*(B|[KMGT]i?B)", re.IGNORECASE)


def memory_limit(env: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """DuckDB's memory budget from `ELT_MEMORY_LIMIT` (a size such as `512MB` or `2GB`)."""
    value = (env.get("ELT_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT).strip()
    if not _SIZE.fullmatch(value):
        raise ValueError(f"ELT_MEMORY_LIMIT must be a size such as 512MB or 2GB, got {value!r}")
    return value


def temp_dir(env: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """`ELT_TEMP_DIR`, created if missing; None when unset (each tool then uses its own default)."""
    value = env.get("ELT_TEMP_DIR")
    if not value:
        return None
    folder = Path(value).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def lake_path(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """`LAKE_PATH` (default `lake` at the project root), absolute: Spark and dlt resolve it alike."""
    return Path(env.get("LAKE_PATH") or PROJECT_ROOT / "lake").resolve()


def duckdb_settings(env: dict[str, str] | os._Environ[str] = os.environ) -> dict[str, str]:
    """The DuckDB settings of every connection the ELT opens (dbt's are in profiles.yml): the memory budget,
    where to spill, and no insertion order kept (raw rows carry their line number; keeping the order makes
    DuckDB hold back rows of a large insert in memory)."""
    settings = {"memory_limit": memory_limit(env), "preserve_insertion_order": "false"}
    folder = temp_dir(env)
    if folder is not None:
        settings["temp_directory"] = str(folder)
    return settings


def sqlalchemy_url(url: str) -> str:
    """A database URL for SQLAlchemy: postgres(ql):// URLs use the psycopg (3) driver; others pass as they are."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class PostgresSettings:
    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ[str] = os.environ) -> PostgresSettings:
        variable = "ELT_DATABASE_URL" if env.get("ELT_DATABASE_URL") else "DATABASE_URL"
        url = env.get(variable)
        if url:
            parts = urlsplit(url)
            if not parts.scheme.startswith("postgres"):
                raise ValueError(f"{variable} must be a postgresql:// URL, got scheme {parts.scheme!r}")
            return cls(
                host=parts.hostname or "localhost",
                port=parts.port or 5432,
                user=unquote(parts.username or "postgres"),
                password=unquote(parts.password or ""),
                database=parts.path.lstrip("/") or "postgres",
            )
        return cls(
            host=env.get("PGHOST", "localhost"),
            port=int(env.get("PGPORT", "5432")),
            user=env.get("PGUSER", "postgres"),
            password=env.get("PGPASSWORD", ""),
            database=env.get("PGDATABASE", "postgres"),
        )

    @property
    def url(self) -> str:
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.database}"

    def as_pg_env(self) -> dict[str, str]:
        """The PG* variables that profiles.yml reads."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.database,
        }


@dataclass(frozen=True)
class Target:
    """One warehouse: a DuckDB file or a Postgres database."""

    name: str
    duckdb_path: Path | None = None
    postgres: PostgresSettings | None = None
    schema_suffix: str = ""
    lake_path: Path | None = None

    @property
    def uses_duckdb_file(self) -> bool:
        """True when the ELT keeps its bookkeeping and publishes the marts in a DuckDB file (DuckDB, Spark)."""
        return self.name in DUCKDB_FILE_TARGETS

    @property
    def lake(self) -> Path:
        """The lake folder of a spark target (ValueError on any other: a caller's mistake)."""
        if self.lake_path is None:
            raise ValueError(f"the {self.name} target has no lake folder")
        return self.lake_path

    @property
    def postgres_settings(self) -> PostgresSettings:
        """The Postgres settings of a postgres target (ValueError on any other: a caller's mistake)."""
        if self.postgres is None:
            raise ValueError(f"the {self.name} target has no Postgres settings")
        return self.postgres

    @property
    def duckdb_file(self) -> Path:
        """The DuckDB file of a duckdb target (ValueError on any other: a caller's mistake)."""
        if self.duckdb_path is None:
            raise ValueError(f"the {self.name} target has no DuckDB file")
        return self.duckdb_path

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ[str] = os.environ) -> Target:
        name = env.get("ELT_TARGET", "duckdb").strip().lower()
        if name == "duckdb":
            path = Path(env.get("DUCKDB_PATH") or PROJECT_ROOT / "warehouse.duckdb")
            return cls(name="duckdb", duckdb_path=path.resolve())
        if name == "postgres":
            return cls(name="postgres", postgres=PostgresSettings.from_env(env))
        if name == "spark":
            lake = lake_path(env)
            serving = Path(env.get("DUCKDB_PATH") or lake / "warehouse.duckdb")
            return cls(name="spark", duckdb_path=serving.resolve(), lake_path=lake)
        raise ValueError(f"ELT_TARGET must be 'duckdb', 'postgres' or 'spark', got {name!r}")

    def at(self, duckdb_path: Path) -> Target:
        """The same target writing to another DuckDB file (used to build beside the live one)."""
        return replace(self, duckdb_path=duckdb_path)

    @property
    def raw_schema(self) -> str:
        """Where this target's raw tables are: `raw`, or `raw_build` while a Postgres run builds beside
        the live schemas (one underscore: dlt's naming would turn `raw__build` into `raw_build`)."""
        return RAW_BUILD_SCHEMA if self.schema_suffix else RAW_SCHEMA

    def with_schema_suffix(self, suffix: str) -> Target:
        """The same target with dbt building its schemas under `<schema><suffix>`."""
        return replace(self, schema_suffix=suffix)

    @property
    def dbt_target(self) -> str:
        """The profiles.yml output dbt builds with: the target's name, or `spark_thrift` on a Spark Thrift server."""
        if self.name == "spark" and os.environ.get("SPARK_METHOD", "session").strip().lower() == "thrift":
            return "spark_thrift"
        return self.name

    def dbt_env(self) -> dict[str, str]:
        """Environment variables that point profiles.yml (and generate_schema_name) at this target."""
        suffix = {"ELT_SCHEMA_SUFFIX": self.schema_suffix}
        if self.name == "duckdb":
            return {"ELT_TARGET": "duckdb", "DUCKDB_PATH": str(self.duckdb_path), **suffix}
        if self.name == "spark":
            return {"ELT_TARGET": "spark", "LAKE_PATH": str(self.lake), **suffix}
        return {"ELT_TARGET": "postgres", **self.postgres_settings.as_pg_env(), **suffix}

    def dlt_destination(self) -> Any:
        import dlt

        if self.name == "duckdb":
            from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

            credentials = DuckDbCredentials(str(self.duckdb_path), global_config=duckdb_settings())
            return dlt.destinations.duckdb(credentials)
        if self.name == "spark":  # Parquet files under <lake>/<dataset>/<table>/
            return dlt.destinations.filesystem(bucket_url=self.lake.as_uri())
        # dlt insists on a password in the credentials; servers with trust auth ignore it.
        settings = self.postgres_settings
        if not settings.password:
            settings = PostgresSettings(**{**settings.__dict__, "password": "unused"})
        return dlt.destinations.postgres(settings.url)

    def describe(self) -> str:
        if self.name == "duckdb":
            return f"duckdb file {self.duckdb_path}"
        if self.name == "spark":
            return f"spark lake {self.lake_path}, marts served from {self.duckdb_path}"
        p = self.postgres_settings
        return f"postgres {p.user}@{p.host}:{p.port}/{p.database}"


class Connection:
    """A thin DB-API wrapper with one parameter style (`?`) for DuckDB and Postgres."""

    def __init__(self, target: Target, read_only: bool = False) -> None:
        self.target = target
        if target.uses_duckdb_file:
            import duckdb

            self._conn: Any = duckdb.connect(str(target.duckdb_path), read_only=read_only)
            # Set after connecting, not as connect() config: dlt opens the same file with its own. The spill
            # folder only when it differs: DuckDB refuses to change it once used (even to the same value).
            for name, value in duckdb_settings().items():
                current = self._conn.execute(f"select current_setting({duckdb_literal(name)})").fetchone()[0]
                if name == "temp_directory" and current == value:
                    continue
                quoted = value.replace("'", "''")
                self._conn.execute(f"set {name} = '{quoted}'")  # a validated size or a folder path
        else:
            import psycopg

            self._conn = psycopg.connect(target.postgres_settings.url, autocommit=True)

    @property
    def driver(self) -> Any:
        """The database's own connection (duckdb or psycopg), for what the wrapper does not cover."""
        return self._conn

    def _run(self, sql: str, params: Sequence[Any]) -> Any:
        if self.target.uses_duckdb_file:
            # Plain values written in as literals: binding them makes DuckDB import pandas (ingest.sql_literals).
            inlined = inline_parameters(sql, params) if params else sql
            return self._conn.execute(sql, list(params)) if inlined is None else self._conn.execute(inlined)
        # psycopg reads % as a placeholder only when parameters are passed.
        return self._conn.execute(sql.replace("?", "%s"), list(params)) if params else self._conn.execute(sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._run(sql, params)

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._run(sql, params)
        return [tuple(row) for row in cursor.fetchall()]

    def table_exists(self, schema: str, table: str) -> bool:
        rows = self.fetch_all(
            "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        )
        return bool(rows)

    def close(self) -> None:
        self._conn.close()


@contextmanager
def connect(target: Target, read_only: bool = False) -> Iterator[Connection]:
    conn = Connection(target, read_only=read_only)
    try:
        yield conn
    finally:
        conn.close()
