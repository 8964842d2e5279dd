"""Parameters written into DuckDB SQL as literals.

DuckDB's Python client imports pandas and NumPy the first time a statement is run with parameters, to
check whether a value is one of theirs (duckdb/duckdb#11871): about 0.5 s, which was a third of a run
where nothing changed. The ELT's own statements bind plain values (text, numbers, dates, NULL), so
`Connection` writes those in as literals; anything else is still bound by the driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

PLACEHOLDER = "?"


def duckdb_literal(value: Any) -> str | None:
    """The DuckDB literal of `value`, or None for a type this module does not write (bind it instead)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # from text: a bare 0.01 would be a DECIMAL; also nan, inf and -inf
        return f"'{value!r}'::double"
    if isinstance(value, str):
        if "\x00" in value:
            return None
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        kind = "timestamp" if value.tzinfo is None else "timestamptz"
        return f"'{value.isoformat()}'::{kind}"
    if isinstance(value, date):
        return f"'{value.isoformat()}'::date"
    return None


def inline_parameters(sql: str, params: Sequence[Any]) -> str | None:
    """`sql` with each `?` placeholder (outside quoted text, quoted names and comments) replaced by the
    literal of its parameter; None when a parameter has no literal here or the counts differ."""
    literals = [duckdb_literal(value) for value in params]
    if any(literal is None for literal in literals):
        return None
    pieces: list[str] = []
    used = 0
    position = 0
    start = 0
    while position < len(sql):
        char = sql[position]
        if char in "'\"":  # a quoted string or name: '' and "" inside are the quote itself
            end = position + 1
            while end < len(sql):
                if sql[end] == char:
                    if sql[end + 1 : end + 2] == char:
                        end += 2
                        continue
                    break
                end += 1
            position = end + 1
        elif sql.startswith("--", position):
            newline = sql.find("\n", position)
            position = len(sql) if newline == -1 else newline + 1
        elif sql.startswith("/*", position):
            close = sql.find("*/", position + 2)
            position = len(sql) if close == -1 else close + 2
        elif char == PLACEHOLDER:
            if used == len(literals):
                return None
            pieces.append(sql[start:position])
            pieces.append(literals[used])  # type: ignore[arg-type]  # checked above: none is None
            used += 1
            position += 1
            start = position
        else:
            position += 1
    if used != len(literals):
        return None
    pieces.append(sql[start:])
    return "".join(pieces)
