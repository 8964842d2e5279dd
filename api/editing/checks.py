"""Check the rows a write would produce against the data tests dbt runs on the mart.

api/models/marts.CHECKS lists them (generated from the dbt manifest): not_null, accepted_values,
accepted_range, relationships (against the dimensions as readers see them now, pending edits included)
and expression_is_true (evaluated by the warehouse itself on the candidate rows). A write the next
build would reject is refused with 422, so an edit cannot break the ELT. Singular tests across rows
(dbt_project/tests) are not checked here; if an edit fails one, the build fails, the previous marts
stay live, and reverting the edit (POST /edits/{id}/revert) mends it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from api.core.warehouse import Warehouse
from api.editing.overlay import literal_rows, rows_source
from api.editing.rows import key_text
from api.models.marts import CHECKS
from api.resources import EDITABLE, Resource

CHUNK = 200  # candidate rows per statement (each row binds one value per column)
Pending = Callable[[Resource], dict[str, dict[str, Any] | None]]


def row_problems(
    resource: Resource, rows: dict[str, dict[str, Any]], warehouse: Warehouse, pending: Pending
) -> list[tuple[str, str]]:
    """(row key, what is wrong) for every failed check."""
    rules = CHECKS.get(resource.table.name, {})
    problems: list[tuple[str, str]] = []
    for key, row in rows.items():
        for column in rules.get("not_null", []):
            if row.get(column) is None:
                problems.append((key, f"{column} must not be null"))
        for column, values in rules.get("accepted_values", []):
            if row.get(column) is not None and str(row[column]) not in values:
                problems.append((key, f"{column} must be one of {list(values)}, got {row[column]!r}"))
        for column, low, high in rules.get("accepted_range", []):
            value = row.get(column)
            if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
                problems.append((key, f"{column} must be within [{low}, {high}], got {value!r}"))
    for column, ref_table, ref_column in rules.get("relationships", []):
        problems += _missing_references(rows, column, EDITABLE[ref_table], ref_column, warehouse, pending)
    if rows and rules.get("expression_is_true"):
        problems += _false_expressions(resource, rows, rules["expression_is_true"], warehouse)
    return problems


def _missing_references(
    rows: dict[str, dict[str, Any]],
    column: str,
    target: Resource,
    target_column: str,
    warehouse: Warehouse,
    pending: Pending,
) -> list[tuple[str, str]]:
    values = {row[column] for row in rows.values() if row.get(column) is not None}
    if not values:
        return []
    source = rows_source(target, pending(target))
    with warehouse.connect() as connection:
        found = set(
            connection.execute(sa.select(source.c[target_column]).where(source.c[target_column].in_(values))).scalars()
        )
    return [
        (key, f"{column} {row[column]!r} is not in {target.path} ({target.table.name}.{target_column})")
        for key, row in rows.items()
        if row.get(column) is not None and row[column] not in found
    ]


def _false_expressions(
    resource: Resource, rows: dict[str, dict[str, Any]], expressions: list[str], warehouse: Warehouse
) -> list[tuple[str, str]]:
    """Rows for which an expression is false, evaluated by the warehouse (the expressions are dbt's own)."""
    key = resource.key[0]
    candidates = list(rows.values())
    problems = []
    with warehouse.connect() as connection:
        for start in range(0, len(candidates), CHUNK):
            chunk = sa.union_all(*literal_rows(resource.table, candidates[start : start + CHUNK])).subquery("candidate")
            for expression in expressions:
                condition = sa.text("not ({})".format(expression.replace(":", "\\:")))  # ':' is not a bind here
                failing = sa.select(chunk.c[key]).select_from(chunk).where(condition)
                problems += [
                    (key_text(value), f"must hold: {expression}") for value in connection.execute(failing).scalars()
                ]
    return problems
