"""`make elt` as a user runs it: the CLI in its own process, configured only by the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ingest.catalog import catalog
from ingest.warehouse import PROJECT_ROOT, Target
from tests.conftest import SAMPLE_DIR
from tests.support.warehouse import scalar


def _elt(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest.elt"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "ELT_DATA_DIR": str(SAMPLE_DIR), **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_cli_on_postgres_with_database_url(postgres_target: Target) -> None:
    assert postgres_target.postgres is not None
    result = _elt({"ELT_TARGET": "postgres", "DATABASE_URL": postgres_target.postgres.url})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"files loaded {len(catalog().sources)}, unchanged (skipped) 0, failed 0" in result.stdout
    assert "publisher" in result.stdout and "quarantined" in result.stdout, "the summary table is printed"
    assert scalar(postgres_target, "select count(*) from marts.fct_epidemic_daily") > 0


def test_cli_reports_unknown_and_bad_files(sample_copy: Path, tmp_path: Path) -> None:
    (sample_copy / "extra.csv").write_text("a,b\n1,2\n")
    (sample_copy / "covid19" / "day_wise.csv").write_bytes(b"")
    result = _elt({"ELT_DATA_DIR": str(sample_copy), "DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    assert result.returncode == 2, "some files failed, the others were loaded and built"
    assert "ignored: extra.csv (not a known input file)" in result.stdout
    assert "covid19/day_wise.csv: file is empty" in result.stdout


def test_any_subset_of_files_builds(tmp_path: Path) -> None:
    """Only the mpox files: the other raw tables exist empty and every model and test still passes."""
    import shutil

    from ingest.elt import run
    from tests.conftest import duckdb_target

    subset = tmp_path / "input"
    shutil.copytree(SAMPLE_DIR / "mpox", subset / "mpox")
    target = duckdb_target(tmp_path / "warehouse.duckdb")
    assert run(subset, target) == 0
    assert scalar(target, "select count(*) from raw.full_grouped") == 0
    assert scalar(target, "select count(*) from marts.fct_epidemic_daily where source_code = 'mpox'") > 0
    assert scalar(target, "select count(*) from marts.fct_epidemic_daily where source_code = 'jhu'") == 0
