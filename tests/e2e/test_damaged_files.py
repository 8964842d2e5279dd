"""The damaged-file corpus (damaged_corpus.py) through the whole ELT, on DuckDB and on Postgres.

All cases are loaded in one run, each as its own catalog entry (a copy of the publisher entry whose format
it has, under its own file name and source code), so one build shows every outcome. For every file the
accounting holds: data lines = raw rows + rejected lines, raw rows = clean rows + quarantined rows. A file
is refused as a whole only when it cannot be read; otherwise its good rows are published.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ingest.catalog import DEFAULT_CATALOG, catalog
from ingest.dbt_catalog import DBT_PROJECT_DIR, dbt_catalog_dir
from ingest.warehouse import Target
from tests.conftest import SAMPLE_DIR, built_warehouse
from tests.e2e.damaged_corpus import BY_MANUFACTURER, CASES, SNAPSHOT, Case
from tests.support.warehouse import rows, scalar

# Its build of each engine is a module fixture: its tests stay on one xdist worker, which builds it once.
pytestmark = pytest.mark.xdist_group("damaged_files")

RECONCILED = ("full_grouped.csv", "day_wise.csv", "covid_19_clean_complete.csv")
FACT_OF = {BY_MANUFACTURER: "fct_vaccinations_by_manufacturer", SNAPSHOT: "fct_country_snapshot"}


def _table(case: Case) -> str:
    return f"case_{case.name}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A catalog of one entry per case, and a folder with the damaged files."""
    folder = tmp_path_factory.mktemp("corpus")
    document = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    by_file = {entry["file"]: entry for entry in document["sources"]}
    # The JHU files that reconcile the world totals, as shipped, with one row of full_grouped.csv damaged:
    # the reconciliation shows the gap, and the run still publishes.
    document["sources"] = [by_file[name] for name in RECONCILED]
    (folder / "input").mkdir()
    for name in RECONCILED:
        shutil.copyfile(next(SAMPLE_DIR.rglob(name)), folder / "input" / name)
    damaged = folder / "input" / "full_grouped.csv"
    damaged.write_text(damaged.read_text().replace("2020-03-05,France,", "2020-03-05,France,-", 1))
    for case in CASES:
        entry = copy.deepcopy(by_file[case.base])
        code = by_file[case.base]["source_code"]
        entry.update(file=f"{_table(case)}.csv", source_code=_table(case))
        document["source_codes"][_table(case)] = {
            "epidemic": document["source_codes"][code]["epidemic"],
            "description": f"Damaged-file case {case.name} ({case.damage}).",
        }
        document["sources"].append(entry)
        (folder / "input" / entry["file"]).write_bytes(case.content)
    path = folder / "catalog.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ELT_CATALOG", str(path))
        yield folder / "input"
        shutil.rmtree(DBT_PROJECT_DIR / dbt_catalog_dir(catalog()), ignore_errors=True)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def damaged_warehouse(request: pytest.FixtureRequest, corpus: Path) -> Iterator[Target]:
    """Some files are refused (exit code 2); the rest is published."""
    with built_warehouse(request, corpus, "damaged", expected_code=2) as target:
        yield target


def test_the_corpus_covers_every_class_of_damage() -> None:
    assert len(CASES) >= 40
    classes = {case.damage for case in CASES}
    assert {
        "encoding",
        "delimiter",
        "quoting",
        "ragged",
        "control characters",
        "header damage",
        "duplicates",
        "conflicting keys",
        "impossible and future dates",
        "non-numeric values",
        "negative values",
        "unknown names",
        "huge lines",
        "trailing blank lines",
        "HTML instead of CSV",
        "LFS pointer instead of CSV",
        "gzip under a .csv name",
    } <= classes


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_damaged_file(damaged_warehouse: Target, case: Case) -> None:
    table = _table(case)
    status, error = rows(
        damaged_warehouse, "select status, error from raw.file_registry where table_name = ?", [table]
    )[0]
    if case.rejected_file:
        assert status == "failed" and case.rejected_file in error, error
        assert scalar(damaged_warehouse, f"select count(*) from raw.{table}") == 0
        return
    assert status == "loaded", error
    file_lines, rejected, raw_rows, clean, quarantined = rows(
        damaged_warehouse,
        "select file_lines, rejected_lines, raw_rows, clean_rows, quarantined_rows "
        "from marts.qa_file_row_counts where raw_table = ?",
        [table],
    )[0]
    assert file_lines == raw_rows + rejected, "every data line is loaded or rejected"
    assert raw_rows == clean + quarantined, "every raw row is clean or quarantined"
    assert (raw_rows, rejected, quarantined) == (case.raw_rows, case.rejected_lines, case.quarantined_rows)
    reasons = [
        reason
        for (reason,) in rows(damaged_warehouse, "select reason from marts.qa_quarantine where raw_table = ?", [table])
    ]
    if case.reason:
        assert any(case.reason in reason for reason in reasons), reasons
    else:
        assert reasons == []
    fact = FACT_OF.get(case.base, "fct_epidemic_daily")
    published = scalar(damaged_warehouse, f"select count(*) from marts.{fact} where source_file = ?", [f"{table}.csv"])
    if fact == "fct_epidemic_daily":
        published = scalar(
            damaged_warehouse, "select count(*) from marts.fct_epidemic_daily where source_code = ?", [table]
        )
    assert published == case.published


def test_rejected_lines_are_kept_with_their_text(damaged_warehouse: Target) -> None:
    found = rows(
        damaged_warehouse,
        "select line, reason, line_text from raw.rejected_lines where table_name = 'case_nul_byte'",
    )
    assert found == [(5, "control character 0x00 in the line", "2020-03-04,Fra\\x00nce,40,4,1,35,10,1,0,Europe")]


def test_a_quarantined_row_shows_in_the_reconciliation_without_failing_the_run(damaged_warehouse: Target) -> None:
    reason = scalar(damaged_warehouse, "select reason from marts.qa_quarantine where raw_table = 'full_grouped'")
    assert "is below 0" in reason
    days, reconciled = rows(
        damaged_warehouse,
        "select count(*), count(*) filter (where is_reconciled) from marts.qa_reconciliation_world_daily",
    )[0]
    assert days == 28 and reconciled == 27, "the day of the quarantined row does not reconcile, and shows it"
