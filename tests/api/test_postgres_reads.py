"""Lean Postgres reads (api.core.postgres_reads): no ping per request, yet a dropped connection (a server
restart, an idle timeout) costs no failed request: the read is retried once on a fresh connection."""

from __future__ import annotations

import psycopg
import sqlalchemy as sa

from api.core.config import Settings
from api.core.warehouse import Warehouse
from api.editing.store import EditStore
from api.models.marts import Country
from api.resources import EDITABLE
from ingest.warehouse import PostgresSettings


def _drop_other_connections(database: PostgresSettings) -> int:
    with psycopg.connect(database.url, autocommit=True) as connection:
        return len(
            connection.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = current_database() and pid <> pg_backend_pid()"
            ).fetchall()
        )


def test_reads_survive_dropped_connections(api_postgres: PostgresSettings) -> None:
    settings = Settings(api_env="test", elt_target="postgres", database_url=api_postgres.url)
    warehouse, store = Warehouse(settings), EditStore(settings)
    countries = EDITABLE["dim_country"]
    france = warehouse.fetch_by_key(Country.__table__, "country_iso3", "FRA")
    assert france is not None and france["country_name"] == "France"
    assert store.pending_row(countries, "FRA", 0) is not None
    assert _drop_other_connections(api_postgres) >= 2, "the pooled connections were open"

    assert warehouse.fetch_by_key(Country.__table__, "country_iso3", "FRA") == france
    assert warehouse.scalar(sa.text("select count(*) from marts.dim_country")) > 100
    assert store.pending_row(countries, "FRA", 0) is not None
    assert len(warehouse.select_rows(sa.select(Country.__table__).limit(3))) == 3
