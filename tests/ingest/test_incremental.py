"""Raw loading across runs: skip unchanged files, replace changed ones, isolate bad ones, recover."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.catalog import catalog
from ingest.elt import run
from ingest.warehouse import Target, connect
from tests.conftest import duckdb_target
from tests.support.warehouse import rows, scalar

VACCINES = "covid19/country_vaccinations_by_manufacturer.csv"


def _load(data_dir: Path, target: Target) -> int:
    return run(data_dir, target, build_models=False)


def _registry(target: Target) -> dict[str, tuple]:
    found = rows(target, "select file_name, status, loaded_rows, load_id, error, error_line from raw.file_registry")
    return {row[0]: row[1:] for row in found}


def _last_run(target: Target) -> tuple:
    return rows(
        target,
        "select status, files_loaded, files_unchanged, files_failed from ops.elt_runs "
        "order by finished_at desc limit 1",
    )[0]


@pytest.fixture
def target(tmp_path: Path) -> Target:
    return duckdb_target(tmp_path / "warehouse.duckdb")


def test_first_load_then_unchanged_files_are_skipped(sample_copy: Path, target: Target) -> None:
    assert _load(sample_copy, target) == 0
    registry = _registry(target)
    assert len(registry) == len(catalog().sources) and {r[0] for r in registry.values()} == {"loaded"}
    lines = sum(len(p.read_bytes().splitlines()) - 1 for p in sample_copy.rglob("*.csv"))
    assert sum(r[1] for r in registry.values()) == lines
    assert _load(sample_copy, target) == 0
    assert _last_run(target) == ("no_op", 0, len(catalog().sources), 0)
    assert _registry(target) == registry, "a no-op run must not touch the registry"


def test_changed_file_replaces_exactly_its_rows(sample_copy: Path, target: Target) -> None:
    _load(sample_copy, target)
    before = _registry(target)
    path = sample_copy / VACCINES
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-5]) + "\nFrance,2021/1/30,Moderna,999\n")
    assert _load(sample_copy, target) == 0
    after = _registry(target)
    manufacturer = "country_vaccinations_by_manufacturer.csv"
    assert after[manufacturer][1] == len(lines) - 5
    assert after[manufacturer][2] != before[manufacturer][2], "new load id"
    assert scalar(target, "select count(*) from raw.country_vaccinations_by_manufacturer") == len(lines) - 5
    assert scalar(target, "select count(distinct _source_hash) from raw.country_vaccinations_by_manufacturer") == 1
    unchanged = {k: v for k, v in after.items() if k != manufacturer}
    assert unchanged == {k: v for k, v in before.items() if k != manufacturer}
    assert _last_run(target) == ("raw_only", 1, len(catalog().sources) - 1, 0)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"location,date,vaccine,total_vaccinations\n", "no data rows"),
        (b"\x00\x01\x02binary", "binary"),
        (b"location,date,vaccine,total_vaccinations\nFrance,2021/1/5,Moderna\n", "line 2"),
        (b"location;date;vaccine;total_vaccinations\nFrance;2021/1/5;Moderna;1\n", "wrong delimiter"),
        (b"location,date,vaccine,total_vaccinations\nFran\xe7a,2021/1/5,Moderna,1\n", "UTF-8"),
    ],
    ids=["empty", "header-only", "binary", "ragged", "delimiter", "encoding"],
)
def test_bad_file_is_recorded_and_keeps_previous_rows(
    sample_copy: Path, target: Target, content: bytes, expected: str
) -> None:
    _load(sample_copy, target)
    good_rows = scalar(target, "select count(*) from raw.country_vaccinations_by_manufacturer")
    (sample_copy / VACCINES).write_bytes(content)
    day_wise = sample_copy / "covid19" / "day_wise.csv"
    day_wise.write_text(day_wise.read_text().rstrip("\n").rsplit("\n", 1)[0] + "\n")
    assert _load(sample_copy, target) == 2, "some files failed: exit code 2"
    registry = _registry(target)
    status, loaded_rows, _, error, _ = registry["country_vaccinations_by_manufacturer.csv"]
    assert status == "failed" and expected in f"{error} line {registry['country_vaccinations_by_manufacturer.csv'][4]}"
    assert loaded_rows == good_rows, "the previous good load is still what raw holds"
    assert scalar(target, "select count(*) from raw.country_vaccinations_by_manufacturer") == good_rows
    assert registry["day_wise.csv"][0] == "loaded", "other files still load"
    assert _last_run(target)[3] == 1
    # Fix the file: the next run recovers.
    (sample_copy / VACCINES).write_text("location,date,vaccine,total_vaccinations\nFrance,2021/1/5,Moderna,1\n")
    assert _load(sample_copy, target) == 0
    assert _registry(target)["country_vaccinations_by_manufacturer.csv"][:2] == ("loaded", 1)


def test_registry_disagreeing_with_raw_triggers_a_reload(sample_copy: Path, target: Target) -> None:
    """A crash between writing raw rows and the registry must not leave a file marked loaded without rows."""
    _load(sample_copy, target)
    expected = scalar(target, "select count(*) from raw.full_grouped")
    with connect(target) as conn:
        conn.execute("delete from raw.full_grouped where _source_line > 10")
    assert _load(sample_copy, target) == 0
    assert scalar(target, "select count(*) from raw.full_grouped") == expected
    assert _last_run(target)[1] == 1


def test_missing_and_unknown_files_are_not_errors(sample_copy: Path, target: Target, capsys) -> None:
    (sample_copy / "mpox" / "Monkey_Pox_Cases_Worldwide.csv").unlink()
    (sample_copy / "mpox" / "surprise.csv").write_text("a,b\n1,2\n")
    assert _load(sample_copy, target) == 0
    out = capsys.readouterr().out
    assert "ignored: mpox/surprise.csv" in out
    assert "absent" in out
    assert len(_registry(target)) == len(catalog().sources) - 1
