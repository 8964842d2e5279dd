"""How the ELT runs dbt: ingest.dbt_cli keeps dbt's partial parse when only the DuckDB file's folder or
memory budget changes, and still reparses when what parsing sees changes (the database name, i.e. the
file's stem); ELT_LATEST_VALID_DATE reaches dbt as a var."""

from __future__ import annotations

import pytest
from dbt.adapters.duckdb.credentials import DuckDBCredentials

import ingest.dbt_cli  # noqa: F401 - applies the narrower connection check
from ingest.dbt_runner import dbt_vars


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
