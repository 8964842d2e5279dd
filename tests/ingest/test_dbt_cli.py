"""How the ELT runs dbt: ingest.dbt_cli keeps dbt's partial parse when only the DuckDB file's folder or
memory budget changes, and still reparses when what parsing sees changes (the database name, i.e. the
file's stem); ELT_LATEST_VALID_DATE reaches dbt as a var; each configuration's partial-parse file is kept
(ingest/dbt_runner.ParseCache), so alternating configurations do not each parse the whole project."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt.adapters.duckdb.credentials import DuckDBCredentials

import ingest.dbt_cli  # noqa: F401 - applies the narrower connection check
from ingest.dbt_runner import ParseCache, WarmDbt, dbt_environment, dbt_vars, run_dbt
from ingest.warehouse import Target


def _seen_by_the_parse_check(path: str, memory_limit: str = "1GB") -> list:
    profile = {
        "schema": "main",
        "path": path,
        "settings": {"memory_limit": memory_limit},
        "config_options": {"temp_directory": f"{path}.tmp"},
    }
    credentials = DuckDBCredentials.from_dict(DuckDBCredentials.translate_aliases(profile))
    return sorted(credentials.connection_info())


def test_folder_and_memory_budget_do_not_force_a_full_parse() -> None:
    first = _seen_by_the_parse_check("/tmp/one/warehouse.duckdb")
    assert first == _seen_by_the_parse_check("/srv/two/warehouse.duckdb", memory_limit="8GB")
    assert ("database", "warehouse") in first


def test_another_database_name_still_does() -> None:
    assert _seen_by_the_parse_check("/tmp/one/warehouse.duckdb") != _seen_by_the_parse_check("/tmp/one/other.duckdb")


def test_latest_valid_date_becomes_a_dbt_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ELT_LATEST_VALID_DATE", raising=False)
    assert dbt_vars() == []
    monkeypatch.setenv("ELT_LATEST_VALID_DATE", "2199-12-31")
    assert dbt_vars() == ["--vars", '{"latest_valid_date": "2199-12-31"}']
    monkeypatch.setenv("ELT_LATEST_VALID_DATE", "31/12/2199")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        dbt_vars()


def test_each_configuration_keeps_its_partial_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Parses with and without a var, alternating: only the first of each configuration is whole."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    target = Target(name="duckdb", duckdb_path=tmp_path / "warehouse.duckdb")
    whole = []
    for latest in ("", "2199-12-31", "", "2199-12-31"):
        monkeypatch.setenv("ELT_LATEST_VALID_DATE", latest)
        capfd.readouterr()
        assert run_dbt(target, "parse") == 0
        whole.append("Unable to do partial parsing" in capfd.readouterr().out)
    assert whole == [True, True, False, False]
    keys = {ParseCache.for_run(target, dbt_environment(target)).cached.name}
    monkeypatch.setenv("ELT_LATEST_VALID_DATE", "")
    keys.add(ParseCache.for_run(target, dbt_environment(target)).cached.name)
    assert {path.name for path in (tmp_path / "target" / "parse-cache").iterdir()} == keys


def test_a_foreign_or_damaged_cached_parse_only_costs_a_whole_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.delenv("ELT_LATEST_VALID_DATE", raising=False)
    target = Target(name="duckdb", duckdb_path=tmp_path / "warehouse.duckdb")
    cached = ParseCache.for_run(target, dbt_environment(target)).cached
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not a partial parse")
    assert run_dbt(target, "parse") == 0
    assert cached.read_bytes() != b"not a partial parse", "replaced by the file of a good parse"


def test_a_warm_dbt_runs_the_command_in_the_environment_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started before the command is known, it still runs in the environment of when the command came."""
    monkeypatch.delenv("ELT_LATEST_VALID_DATE", raising=False)
    target = Target(name="duckdb", duckdb_path=tmp_path / "warehouse.duckdb")
    with WarmDbt() as warm:
        warm.start()
        monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))  # set after it started
        assert run_dbt(target, "parse", warm=warm) == 0
        assert warm.take([], {}) is None, "used once"
    assert (tmp_path / "target" / "partial_parse.msgpack").exists()


def test_an_unused_warm_dbt_ends_with_the_block() -> None:
    with WarmDbt() as warm:
        warm.start()
        process = warm._process
        assert process is not None
    assert process.poll() == 0


def test_a_warm_dbt_that_died_is_replaced_by_a_new_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.delenv("ELT_LATEST_VALID_DATE", raising=False)
    target = Target(name="duckdb", duckdb_path=tmp_path / "warehouse.duckdb")
    with WarmDbt() as warm:
        warm.start()
        assert warm._process is not None
        warm._process.kill()
        warm._process.wait()
        assert run_dbt(target, "parse", warm=warm) == 0
    assert (tmp_path / "target" / "partial_parse.msgpack").exists()
