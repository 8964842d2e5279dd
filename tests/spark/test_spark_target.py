"""ELT_TARGET=spark on the shipped sample, in local mode: every dbt test passes on Spark, the published marts
equal the DuckDB build's row for row, the API answers from them, and an unchanged rerun does nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.core.config import Settings
from api.core.security import Role
from ingest.elt import run
from ingest.warehouse import Target
from tests.api.conftest import bearer
from tests.conftest import SAMPLE_DIR
from tests.dbt.test_build import MARTS
from tests.support.spark import SAMPLE_RUN_ID, BackgroundBuild
from tests.support.warehouse import rows, scalar


def _marts(conn: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    found = conn.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = ? and table_schema = 'marts' order by 1",
        [catalog],
    ).fetchall()
    return [name for (name,) in found]


def _columns(conn: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = 'marts' and table_name = ? order by ordinal_position",
        [catalog, table],
    ).fetchall()


def _checksum(conn: duckdb.DuckDBPyConnection, catalog: str, table: str, columns: list[tuple[str, str]]) -> tuple:
    """Row count and an md5 over the rows as text, sorted: equal only when both hold the same rows. Doubles are
    compared to 9 significant digits (the engines may sum in another order); timestamps of loading are left
    out (each build records its own)."""
    parts = []
    for name, data_type in columns:
        if data_type.startswith("TIMESTAMP"):
            continue
        value = f'"{name}"'
        if data_type in ("DOUBLE", "FLOAT"):
            value = f"printf('%.9g', {value})"
        parts.append(f"coalesce(cast({value} as varchar), '<null>')")
    row_text = " || '|' || ".join(parts)
    sql = (
        f"select count(*), md5(coalesce(string_agg(row_text, chr(10) order by row_text), '')) "
        f"from (select {row_text} as row_text from {catalog}.marts.{table})"
    )
    return conn.execute(sql).fetchone()


def test_every_dbt_test_passes_on_spark(spark_sample_build: BackgroundBuild) -> None:
    results = json.loads((spark_sample_build.dbt_target_path / "run_results.json").read_text())["results"]
    manifest = json.loads((spark_sample_build.dbt_target_path / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "spark"
    built = ("model", "seed", "test", "unit_test")
    statuses = {result["unique_id"]: result["status"] for result in results if result["unique_id"].startswith(built)}
    failed = {node: status for node, status in statuses.items() if status not in ("pass", "success")}
    assert not failed, failed
    enabled_tests = {node for node, spec in manifest["nodes"].items() if spec["resource_type"] == "test"}
    assert enabled_tests and enabled_tests <= set(statuses), enabled_tests - set(statuses)
    models = {node for node, spec in manifest["nodes"].items() if spec["resource_type"] == "model"}
    assert models <= set(statuses)


def test_spark_marts_equal_the_duckdb_build_row_for_row(sample_duckdb: Target, sample_spark: Target) -> None:
    conn = duckdb.connect()
    conn.execute(f"attach '{sample_duckdb.duckdb_file}' as duck (read_only)")
    conn.execute(f"attach '{sample_spark.duckdb_file}' as spark (read_only)")
    tables, published = _marts(conn, "duck"), _marts(conn, "spark")
    assert tables == published
    assert set(MARTS) <= set(tables)
    differing = {}
    for table in tables:
        columns = _columns(conn, "duck", table)
        assert [name for name, _ in _columns(conn, "spark", table)] == [name for name, _ in columns], table
        duck, spark = _checksum(conn, "duck", table, columns), _checksum(conn, "spark", table, columns)
        if duck != spark:
            differing[table] = (duck, spark)
    assert not differing, differing


def test_load_ids_name_the_spark_run(sample_spark: Target) -> None:
    assert rows(sample_spark, "select distinct load_id from marts.fct_epidemic_daily") == [(SAMPLE_RUN_ID,)]
    assert scalar(sample_spark, "select status from ops.elt_runs order by finished_at desc limit 1") == "success"


def test_the_api_answers_from_spark_built_marts(sample_duckdb: Target, sample_spark: Target) -> None:
    from api.main import create_app

    def answers(path: Path, target: str) -> dict:
        settings = Settings(api_env="test", elt_target=target, duckdb_path=path, rate_limit_enabled=False)
        headers = bearer(settings, "reader", Role.USER)
        with TestClient(create_app(settings)) as client:
            daily = client.get(
                "/daily-statistics",
                params={"country_iso3": "eq.GBR", "order": "date.asc,source_code.asc", "limit": "20"},
                headers=headers,
            )
            countries = client.get("/countries", params={"order": "country_iso3.asc"}, headers=headers)
            health = client.get("/healthz")
        assert daily.status_code == countries.status_code == 200, (daily.text, countries.text)
        return {"health": health.json(), "countries": countries.json(), "daily": daily.json()}

    spark = answers(sample_spark.duckdb_file, "spark")
    duck = answers(sample_duckdb.duckdb_file, "duckdb")
    assert spark["health"]["target"] == "spark"
    assert spark["daily"]["data"], "the sample has the United Kingdom's daily figures"
    assert spark["daily"] == duck["daily"]
    assert spark["countries"] == duck["countries"]


def test_an_unchanged_rerun_is_a_no_op_without_spark(sample_spark: Target, tmp_path: Path) -> None:
    target = Target(name="spark", duckdb_path=sample_spark.duckdb_file, lake_path=sample_spark.lake)
    before = scalar(target, "select count(*) from marts.fct_epidemic_daily")
    assert run(SAMPLE_DIR, target) == 0
    # Read a copy: an API of another test may still hold the replaced file open in this process, and DuckDB
    # hands one open database per path to every connection of a process.
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(target.duckdb_file, copy)
    last = rows(target.at(copy), "select status, seconds_dbt from ops.elt_runs order by finished_at desc limit 1")
    assert last == [("no_op", 0)]
    assert scalar(target.at(copy), "select count(*) from marts.fct_epidemic_daily") == before


@pytest.mark.parametrize("table", ["file_registry", "rejected_lines", "api_edits", "full_grouped"])
def test_raw_is_parquet_in_the_lake(sample_spark: Target, table: str) -> None:
    assert list((sample_spark.lake / "raw" / table).glob("*.parquet")), table
