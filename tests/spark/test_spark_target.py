"""ELT_TARGET=spark on the shipped sample, in local mode: every dbt test passes on Spark, the published marts
equal the DuckDB build's row for row, the API answers from them, an unchanged rerun does nothing, and a
failed run leaves the published marts as they were until the next run rebuilds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from api.core.config import Settings
from api.core.security import Role
from bench.scale_data import append_day
from ingest.catalog import catalog
from ingest.elt import run
from ingest.warehouse import Target
from scripts.compare_marts import compare, table_sums
from tests.api.conftest import bearer
from tests.conftest import SAMPLE_DIR
from tests.dbt.test_build import EXPECTED_NON_EMPTY, MARTS
from tests.support.spark import SAMPLE_RUN_ID, BackgroundBuild
from tests.support.warehouse import rows, scalar

pytestmark = pytest.mark.xdist_group("spark_sample")  # with the other readers of the shared build


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
    sums = table_sums(sample_duckdb.duckdb_file)
    assert set(MARTS) <= set(sums)
    assert all(table.rows for name, table in sums.items() if name in EXPECTED_NON_EMPTY)
    assert compare(sample_duckdb.duckdb_file, sample_spark.duckdb_file) == {}


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


@pytest.mark.parametrize("table", ["file_registry", "rejected_lines", "api_edits", "full_grouped"])
def test_raw_is_parquet_in_the_lake(sample_spark: Target, table: str) -> None:
    assert list((sample_spark.lake / "raw" / table).glob("*.parquet")), table


CHANGED_FILE = "covid19/worldometer_coronavirus_daily_data.csv"  # feeds no cross-file reconciliation


def _copy(target: Target, folder: Path) -> Target:
    """The serving file, copied: another test's API may hold the replaced file open in this process, and
    DuckDB hands one open database per path to every connection of a process."""
    copy = folder / f"served-{len(list(folder.iterdir()))}.duckdb"
    shutil.copyfile(target.duckdb_file, copy)
    return target.at(copy)


def _raw_rows(target: Target, folder: Path, source_file: str = CHANGED_FILE) -> int:
    """A file's raw rows as the published qa_file_row_counts says."""
    sql = "select raw_rows from marts.qa_file_row_counts where source_file = ?"
    return scalar(_copy(target, folder), sql, [source_file])


@pytest.mark.changes_spark_sample
def test_an_unchanged_rerun_is_a_no_op_and_a_failed_run_keeps_the_published_marts(
    sample_spark: Target, sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The only test that runs the ELT on the shared build (one writer): first nothing changed, then a file.
    monkeypatch.setenv("ELT_LOCK_WAIT", "600")
    copies = tmp_path / "copies"
    copies.mkdir()
    before = _raw_rows(sample_spark, copies)
    assert run(SAMPLE_DIR, sample_spark) == 0
    last = rows(
        _copy(sample_spark, copies), "select status, seconds_dbt from ops.elt_runs order by finished_at desc limit 1"
    )
    assert last == [("no_op", 0)], "an unchanged rerun starts no Spark"
    assert _raw_rows(sample_spark, copies) == before

    changed = sample_copy / CHANGED_FILE
    append_day(catalog().by_file_name[changed.name], changed)  # the last day's lines again, a day later
    added = len(changed.read_text().splitlines()) - 1 - before
    assert added > 0

    monkeypatch.setenv("SPARK_MASTER", "no-such-master")  # Spark cannot start: dbt fails
    assert run(sample_copy, sample_spark) == 1
    assert _raw_rows(sample_spark, copies) == before, "a failed run must leave the published marts as they were"
    assert pq.read_table(sample_spark.lake / "raw" / "worldometer_coronavirus_daily_data").num_rows == before + added

    monkeypatch.delenv("SPARK_MASTER")
    assert run(sample_copy, sample_spark) == 0  # the file is unchanged since the failed run: rebuilt anyway
    assert _raw_rows(sample_spark, copies) == before + added
