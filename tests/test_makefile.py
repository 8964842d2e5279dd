"""The environment the Makefile gives its commands: `ELT_TARGET=spark make elt` publishes into the lake's serving
file, not over the DuckDB target's warehouse."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ingest.warehouse import PROJECT_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


def _duckdb_path(*make_args: str, **env: str) -> str:
    """DUCKDB_PATH as a recipe of the Makefile sees it ('' when unset)."""
    base = {key: value for key, value in os.environ.items() if key not in ("DUCKDB_PATH", "ELT_TARGET")}
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", '_print: ; @echo "[$$DUCKDB_PATH]"', "_print", *make_args],
        cwd=PROJECT_ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().removeprefix("[").removesuffix("]")


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_duckdb_and_postgres_runs_get_the_project_warehouse(target: str) -> None:
    assert _duckdb_path(f"ELT_TARGET={target}") == str(PROJECT_ROOT / "warehouse.duckdb")
    assert _duckdb_path(ELT_TARGET=target) == str(PROJECT_ROOT / "warehouse.duckdb")


def test_a_spark_run_leaves_the_serving_file_to_the_lake() -> None:
    assert _duckdb_path("ELT_TARGET=spark") == ""
    assert _duckdb_path(ELT_TARGET="spark") == ""


def test_a_path_the_user_gives_wins() -> None:
    assert _duckdb_path("ELT_TARGET=spark", DUCKDB_PATH="/data/serving.duckdb") == "/data/serving.duckdb"
    assert _duckdb_path(DUCKDB_PATH="/data/w.duckdb") == "/data/w.duckdb"
