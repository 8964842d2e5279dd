"""ingest.dbt_cli keeps dbt's partial parse when only the DuckDB file's folder or memory budget changes,
and still reparses when what parsing sees changes (the database name, i.e. the file's stem)."""

from __future__ import annotations

from dbt.adapters.duckdb.credentials import DuckDBCredentials

import ingest.dbt_cli  # noqa: F401 - applies the narrower connection check


def _seen_by_the_parse_check(path: str, memory_limit: str = "1GB") -> list:
    profile = {"schema": "main", "path": path, "settings": {"memory_limit": memory_limit}}
    credentials = DuckDBCredentials.from_dict(DuckDBCredentials.translate_aliases(profile))
    return sorted(credentials.connection_info())


def test_folder_and_memory_budget_do_not_force_a_full_parse() -> None:
    first = _seen_by_the_parse_check("/tmp/one/warehouse.duckdb")
    assert first == _seen_by_the_parse_check("/srv/two/warehouse.duckdb", memory_limit="8GB")
    assert ("database", "warehouse") in first


def test_another_database_name_still_does() -> None:
    assert _seen_by_the_parse_check("/tmp/one/warehouse.duckdb") != _seen_by_the_parse_check("/tmp/one/other.duckdb")
