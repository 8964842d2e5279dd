"""The production stack's roles on a real Postgres: the shipped init SQL, then the ELT as the owner.

The roles and databases come from deploy/postgres/initdb/10-roles-and-databases.sql, run with psql
exactly as the postgres image runs it; the ELT builds the sample as the owner role with
DBT_READER_ROLE set, so the dbt on-run-end hook grants the reader its marts. The reader must read every
mart, and nothing else, before and after a second run that swaps the schemas.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import errors

from ingest.elt import run
from ingest.warehouse import PROJECT_ROOT, PostgresSettings, Target, sqlalchemy_url
from tests.conftest import SAMPLE_DIR
from tests.support import postgres

ROLES_SQL = PROJECT_ROOT / "deploy" / "postgres" / "initdb" / "10-roles-and-databases.sql"
HIDDEN_SCHEMAS = ("raw", "staging", "intermediate", "reference")


@dataclass(frozen=True)
class Stack:
    """The roles and databases one run of the init SQL created (unique names on a shared server)."""

    server: PostgresSettings
    names: dict[str, str]
    passwords: dict[str, str]

    def env(self) -> dict[str, str]:
        """The variables docker-compose.yml gives the postgres service (see .env.example)."""
        return {
            "EPIDEMIC_WAREHOUSE_DB": self.names["warehouse_db"],
            "EPIDEMIC_APP_DB": self.names["app_db"],
            "METABASE_DB": self.names["metabase_db"],
            "EPIDEMIC_OWNER_ROLE": self.names["owner"],
            "EPIDEMIC_READER_ROLE": self.names["reader"],
            "EPIDEMIC_API_ROLE": self.names["api"],
            "METABASE_DB_USER": self.names["metabase"],
            "EPIDEMIC_OWNER_PASSWORD": self.passwords["owner"],
            "EPIDEMIC_READER_PASSWORD": self.passwords["reader"],
            "EPIDEMIC_API_PASSWORD": self.passwords["api"],
            "METABASE_DB_PASSWORD": self.passwords["metabase"],
        }

    def login(self, role: str, database: str) -> PostgresSettings:
        return replace(self.server, user=self.names[role], password=self.passwords[role], database=self.names[database])


def apply_roles_sql(server: PostgresSettings, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """psql -f the init script the way docker-entrypoint.sh does (as the superuser, ON_ERROR_STOP)."""
    psql = shutil.which("psql") or str(postgres._bin_dir() / "psql")
    connection = {**server.as_pg_env(), "PGDATABASE": "postgres"}
    return subprocess.run(
        [psql, "-v", "ON_ERROR_STOP=1", "--no-password", "--no-psqlrc", "-f", str(ROLES_SQL)],
        env={"PATH": os.environ.get("PATH", ""), **connection, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def stack(postgres_server: PostgresSettings) -> Iterator[Stack]:
    tag = uuid.uuid4().hex[:8]
    names = {
        "warehouse_db": f"epidemic_{tag}",
        "app_db": f"epidemic_app_{tag}",
        "metabase_db": f"metabase_{tag}",
        "owner": f"epidemic_owner_{tag}",
        "reader": f"epidemic_reader_{tag}",
        "api": f"epidemic_api_{tag}",
        "metabase": f"metabase_{tag}",
    }
    stack = Stack(postgres_server, names, {role: f"pw-{role}-{tag}" for role in ("owner", "reader", "api", "metabase")})
    try:
        for _ in range(2):  # idempotent: running it again (to rotate passwords) must succeed
            result = apply_roles_sql(postgres_server, stack.env())
            assert result.returncode == 0, result.stderr
        yield stack
    finally:
        for key in ("warehouse_db", "app_db", "metabase_db"):
            postgres.drop_database(postgres_server, names[key])
        with psycopg.connect(postgres_server.url, autocommit=True) as conn:
            for key in ("owner", "reader", "api", "metabase"):
                conn.execute(f'drop role if exists "{names[key]}"')


@pytest.fixture(scope="module")
def warehouse(stack: Stack) -> Iterator[Target]:
    """The sample built by the ELT as the owner, with the API's tables in the app database first."""
    from api.models.edits import Edit
    from api.models.users import User

    engine = sa.create_engine(sqlalchemy_url(stack.login("api", "app_db").url))
    try:
        for table in (User.__table__, Edit.__table__):  # created by the API role, as in the stack
            table.create(engine)  # type: ignore[attr-defined]
    finally:
        engine.dispose()
    target = Target(name="postgres", postgres=stack.login("owner", "warehouse_db"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_READER_ROLE", stack.names["reader"])
        # The ELT reads the API's edits as the owner, as the compose elt service does.
        env.setenv("APP_DATABASE_URL", stack.login("owner", "app_db").url)
        assert run(SAMPLE_DIR, target) == 0, "the ELT as the owner role must succeed"
        yield target


def _tables(target: Target, schema: str) -> list[str]:
    assert target.postgres is not None
    with psycopg.connect(target.postgres.url) as conn:
        rows = conn.execute(
            "select table_name from information_schema.tables where table_schema = %s order by 1", [schema]
        ).fetchall()
    return [row[0] for row in rows]


def _marts_oid(target: Target) -> int:
    assert target.postgres is not None
    with psycopg.connect(target.postgres.url) as conn:
        row = conn.execute("select oid from pg_namespace where nspname = 'marts'").fetchone()
    assert row is not None
    return int(row[0])


def _assert_reads_every_mart(stack: Stack, marts: list[str]) -> None:
    with psycopg.connect(stack.login("reader", "warehouse_db").url, autocommit=True) as conn:
        for table in marts:
            conn.execute(f'select count(*) from marts."{table}"').fetchone()
        conn.execute("select count(*) from ops.elt_runs").fetchone()


def _denied(conn: psycopg.Connection, sql: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute(sql)


def test_reader_reads_every_mart(stack: Stack, warehouse: Target) -> None:
    marts = _tables(warehouse, "marts")
    prefixes = {name.split("_")[0] for name in marts}
    assert {"dim", "fct", "qa"} <= prefixes, marts
    _assert_reads_every_mart(stack, marts)


def test_reader_holds_select_on_marts_and_ops_and_nothing_else(stack: Stack, warehouse: Target) -> None:
    reader = stack.names["reader"]
    # As the superuser: information_schema shows a role only the grants of roles it belongs to.
    with psycopg.connect(replace(stack.server, database=stack.names["warehouse_db"]).url) as conn:
        grants = conn.execute(
            "select distinct table_schema, privilege_type from information_schema.role_table_grants where grantee = %s",
            [reader],
        ).fetchall()
        schemas = conn.execute(
            "select nspname, has_schema_privilege(%s, oid, 'CREATE') from pg_namespace "
            "where has_schema_privilege(%s, oid, 'USAGE') and nspname not like 'pg\\_%%' "
            "and nspname <> 'information_schema' order by 1",
            [reader, reader],
        ).fetchall()
        database = conn.execute(
            "select has_database_privilege(%s, current_database(), 'CREATE'), "
            "has_database_privilege(%s, current_database(), 'TEMP')",
            [reader, reader],
        ).fetchone()
    assert set(grants) == {("marts", "SELECT"), ("ops", "SELECT")}
    assert schemas == [("marts", False), ("ops", False)]
    assert database == (False, False)


def test_reader_cannot_write_or_create(stack: Stack, warehouse: Target) -> None:
    with psycopg.connect(stack.login("reader", "warehouse_db").url, autocommit=True) as conn:
        # First lock: the reader's sessions are read-only.
        with pytest.raises(errors.ReadOnlySqlTransaction):
            conn.execute("delete from marts.dim_country")
        # The real lock, even with that turned off: no privilege to write or create anything.
        conn.execute("set default_transaction_read_only = off")
        _denied(conn, "insert into marts.dim_continent select * from marts.dim_continent limit 1")
        _denied(conn, "update marts.dim_country set country_name = country_name")
        _denied(conn, "delete from marts.fct_epidemic_daily")
        _denied(conn, "truncate marts.qa_quarantine")
        _denied(conn, "create table marts.intruder (i int)")
        _denied(conn, "create view marts.intruder as select 1 as i")
        _denied(conn, "drop table marts.dim_date")
        _denied(conn, "create table public.intruder (i int)")
        _denied(conn, "create schema intruder")
        _denied(conn, "create temporary table intruder (i int)")
        _denied(conn, "insert into ops.elt_runs (run_id) values ('forged')")


def test_reader_sees_no_raw_staging_or_intermediate(stack: Stack, warehouse: Target) -> None:
    with psycopg.connect(stack.login("reader", "warehouse_db").url, autocommit=True) as conn:
        for schema in HIDDEN_SCHEMAS:
            tables = _tables(warehouse, schema)
            assert tables, f"the ELT built nothing in {schema}"
            for table in tables:
                _denied(conn, f'select * from {schema}."{table}" limit 1')


def test_reader_cannot_reach_the_api_state(stack: Stack, warehouse: Target) -> None:
    for role in ("reader", "metabase"):
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(stack.login(role, "app_db").url).close()
    # The API role owns its state and nothing else; the ELT owner may read the state (edits).
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(stack.login("api", "warehouse_db").url).close()
    with psycopg.connect(stack.login("owner", "app_db").url, autocommit=True) as conn:
        conn.execute("select count(*) from mart_edits").fetchone()
        _denied(conn, "delete from mart_edits")
        _denied(conn, "update api_users set role = 'ADMIN'")


def test_reader_keeps_access_across_the_schema_swap(stack: Stack, warehouse: Target) -> None:
    before = _marts_oid(warehouse)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_READER_ROLE", stack.names["reader"])
        env.setenv("APP_DATABASE_URL", stack.login("owner", "app_db").url)
        assert run(SAMPLE_DIR, warehouse, full_refresh=True) == 0
    assert _marts_oid(warehouse) != before, "the second run must have swapped in a new marts schema"
    _assert_reads_every_mart(stack, _tables(warehouse, "marts"))
    with psycopg.connect(stack.login("reader", "warehouse_db").url, autocommit=True) as conn:
        _denied(conn, "select * from raw.file_registry limit 1")


def test_init_sql_requires_every_password(postgres_server: PostgresSettings) -> None:
    env = {"EPIDEMIC_OWNER_PASSWORD": "x", "EPIDEMIC_API_PASSWORD": "x", "METABASE_DB_PASSWORD": "x"}
    result = apply_roles_sql(postgres_server, env)
    assert result.returncode != 0
    assert "EPIDEMIC_READER_PASSWORD is not set" in result.stderr


def test_init_sql_is_mounted_where_compose_says(compose: dict) -> None:
    volumes = compose["services"]["postgres"]["volumes"]
    mount = next(v for v in volumes if str(v).endswith(":/docker-entrypoint-initdb.d:ro"))
    assert (PROJECT_ROOT / Path(mount.split(":")[0])).resolve() == ROLES_SQL.parent
