"""`python -m ingest.dbt_cli <args>`: dbt's own command line, with partial parsing that survives a change
of warehouse file.

dbt reparses the whole project (~5 s here) whenever the profile's connection details change, because
macros could read them (dbt/parser/manifest.py: "This should be made more granular"). For DuckDB those
details include the file's full path, its memory budget and its spill folder, so every new build location (each ELT
test, each benchmark run) paid a full parse. What parsing can see of a DuckDB target is its database
name (the file's stem, kept in the check) and schema; the folders and the memory budget are not, so they
are left out of the check here. Everything else is dbt unchanged.

`python -m ingest.dbt_cli --await-command`: a dbt started before its command is known (ingest.dbt_runner.
WarmDbt). It imports dbt (~1.5 s), then reads one JSON line on stdin, `{"argv": [...], "env": {...}}`,
and runs dbt with those arguments in that environment; at the end of stdin without a line it exits 0.
"""

from __future__ import annotations

import json
import os
import sys

from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.cli.main import cli

_NOT_SEEN_BY_PARSING = frozenset({"path", "settings", "config_options"})
_all_keys = DuckDBCredentials._connection_keys


def _keys_parsing_can_see(self: DuckDBCredentials) -> tuple[str, ...]:
    return tuple(key for key in _all_keys(self) if key not in _NOT_SEEN_BY_PARSING)


DuckDBCredentials._connection_keys = _keys_parsing_can_see  # type: ignore[method-assign]

AWAIT_COMMAND = "--await-command"  # as ingest.dbt_runner.AWAIT_COMMAND


def _take_command_from_stdin() -> bool:
    """Wait for the command on stdin and make it this process's (argv and environment); False at the end
    of stdin (the ELT did not need this dbt after all)."""
    line = sys.stdin.readline()
    if not line.strip():
        return False
    command = json.loads(line)
    os.environ.clear()
    os.environ.update(command["env"])
    sys.argv = [sys.argv[0], *command["argv"]]
    return True


if __name__ == "__main__":
    if sys.argv[1:] == [AWAIT_COMMAND] and not _take_command_from_stdin():
        sys.exit(0)
    sys.exit(cli())
