"""api/models/marts.py must match the dbt contracts it is generated from."""

from __future__ import annotations

import subprocess
import sys

from ingest.dbt_runner import run_dbt
from ingest.warehouse import PROJECT_ROOT, Target


def test_generated_models_are_current(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    assert run_dbt(Target(name="duckdb", duckdb_path=tmp_path / "unused.duckdb"), "parse") == 0
    result = subprocess.run(
        [
            sys.executable,
            "scripts/generate_api_models.py",
            "--check",
            "--manifest",
            str(tmp_path / "target" / "manifest.json"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + " (run `make api-models`)"
