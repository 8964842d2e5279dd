"""A wide file's date cells are expanded in slices of rows on DuckDB (macros/catalog.sql,
duckdb__date_cell_entries), so that a file of many rows and dates stays within the memory budget: the
slices must give exactly the cells of one whole expansion, none lost, none twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.elt import run
from tests.conftest import SAMPLE_DIR, duckdb_target
from tests.support.spark import SAMPLE_RUN_ID
from tests.support.warehouse import rows, scalar

CELLS = "intermediate.int_wide_cells_unpivoted"


def test_sliced_expansion_gives_the_same_cells(sample_duckdb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELT_DATE_CELLS_PER_SLICE", "50")  # the sample's wide files (~480 cells): ~10 slices each
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt-target"))
    sliced = duckdb_target(tmp_path / "warehouse.duckdb")
    assert run(SAMPLE_DIR, sliced, run_id=SAMPLE_RUN_ID) == 0
    [compiled] = (tmp_path / "dbt-target").rglob("compiled/**/int_wide_cells_unpivoted.sql")
    assert compiled.read_text().count("where _source_line % ") > 3, "the cells were expanded in slices"
    cells = scalar(sliced, f"select count(*) from {CELLS}")
    assert cells > 1500, "enough cells for several slices"
    ordered = f"select * exclude (_load_id) from {CELLS} order by all"
    assert rows(sliced, ordered) == rows(sample_duckdb, ordered)
    assert rows(sliced, "select count(*) from marts.qa_quarantine") == rows(
        sample_duckdb, "select count(*) from marts.qa_quarantine"
    )
