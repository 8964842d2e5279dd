"""`python -m ingest.dbt_cli <args>`: dbt's own command line, with partial parsing that survives a change
of warehouse file.

dbt reparses the whole project (~5 s here) whenever the profile's connection details change, because
macros could read them (dbt/parser/manifest.py: "This should be made more granular"). For DuckDB those
details include the file's full path, its memory budget and its spill folder, so every new build location (each ELT
test, each benchmark run) paid a full parse. What parsing can see of a DuckDB target is its database
name (the file's stem, kept in the check) and schema; the folders and the memory budget are not, so they
are left out of the check here. Everything else is dbt unchanged.
"""

from __future__ import annotations

import sys

from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.cli.main import cli

_NOT_SEEN_BY_PARSING = frozenset({"path", "settings", "config_options"})
_all_keys = DuckDBCredentials._connection_keys


def _keys_parsing_can_see(self: DuckDBCredentials) -> tuple[str, ...]:
    return tuple(key for key in _all_keys(self) if key not in _NOT_SEEN_BY_PARSING)


DuckDBCredentials._connection_keys = _keys_parsing_can_see  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(cli())
