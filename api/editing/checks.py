"""Check a write against the data tests dbt runs on the marts, before it is accepted.

api/models/marts.CHECKS lists them (generated from the dbt manifest): not_null, unique, accepted_values,
accepted_range, relationships and expression_is_true. Rows a write produces are checked against the
tests of their own mart (relationships and uniqueness against the rows readers see now, pending edits
included; expressions evaluated by the warehouse itself); rows a write deletes are checked against the
relationships that point at them from other marts. A write the next build would reject is refused with
422, so an edit cannot break the ELT. Singular tests across rows (dbt_project/tests) are not checked
here: if an edit fails one, the build fails, the previous marts stay live, and reverting the edit
(POST /edits/{id}/revert) mends it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from api.core.warehouse import Warehouse
from api.editing.overlay import json_rows, rows_source
from api.editing.rows import key_text
from api.models.marts import CHECKS
from api.query.filters import convert
from api.resources import EDITABLE, RESOURCES, Resource

Pending = Callable[[Resource], dict[str, dict[str, Any] | None]]
Problems = list[tuple[str, str]]
TABLES: dict[str, sa.Table] = {resource.table.name: resource.table for resource in RESOURCES}


class Checker:
    """The checks of one write, reading the warehouse and the pending edits."""

    def __init__(self, warehouse: Warehouse, pending: Pending) -> None:
        self.warehouse = warehouse
        self.pending = pending
        self.dialect = warehouse.settings.warehouse_engine

    def _visible(self, table_name: str) -> sa.FromClause:
        resource = EDITABLE.get(table_name)
        return TABLES[table_name] if resource is None else rows_source(resource, self.pending(resource), self.dialect)

    def problems(self, resource: Resource, rows: dict[str, dict[str, Any]], deleted: list[str]) -> Problems:
        """(row key, what is wrong) for every failed check."""
        rules = CHECKS.get(resource.table.name, {})
        found: Problems = []
        for key, row in rows.items():
            found += _row_rules(rules, key, row)
        key_column = resource.key[0]
        for column in rules.get("unique", []):
            if column != key_column:
                found += self._duplicates(resource, rows, column)
        for column, ref_table, ref_column in rules.get("relationships", []):
            found += self._missing_references(rows, column, ref_table, ref_column)
        if rows and rules.get("expression_is_true"):
            found += self._false_expressions(resource, rows, rules["expression_is_true"])
        if deleted:
            found += self._still_referenced(resource, deleted)
        return found

    def _duplicates(self, resource: Resource, rows: dict[str, dict[str, Any]], column: str) -> Problems:
        values = {key: row[column] for key, row in rows.items() if row.get(column) is not None}
        if not values:
            return []
        repeated = {value for value, count in Counter(values.values()).items() if count > 1}
        source, key = self._visible(resource.table.name), resource.key[0]
        taken_by = sa.select(source.c[column], source.c[key]).where(
            source.c[column].in_(set(values.values())), sa.cast(source.c[key], sa.Text).not_in(list(rows))
        )
        with self.warehouse.connect() as connection:
            taken = {value: key_text(other) for value, other in connection.execute(taken_by)}
        found = [
            (key, f"{column} {value!r} is already used by {taken[value]}")
            for key, value in values.items()
            if value in taken
        ]
        return found + [
            (key, f"{column} {value!r} appears twice in the request")
            for key, value in values.items()
            if value in repeated
        ]

    def _missing_references(
        self, rows: dict[str, dict[str, Any]], column: str, ref_table: str, ref_column: str
    ) -> Problems:
        values = {row[column] for row in rows.values() if row.get(column) is not None}
        if not values:
            return []
        source = self._visible(ref_table)
        with self.warehouse.connect() as connection:
            found = set(
                connection.execute(sa.select(source.c[ref_column]).where(source.c[ref_column].in_(values))).scalars()
            )
        return [
            (key, f"{column} {row[column]!r} is not in {ref_table}.{ref_column}")
            for key, row in rows.items()
            if row.get(column) is not None and row[column] not in found
        ]

    def _still_referenced(self, resource: Resource, deleted: list[str]) -> Problems:
        """Deleted rows that rows of other marts still point at (dbt's relationships tests on those)."""
        key = resource.table.c[resource.key[0]]
        values = {text: convert(key, text, key.name) for text in deleted}
        found: Problems = []
        for model, rules in CHECKS.items():
            for column, ref_table, ref_column in rules.get("relationships", []):
                if ref_table != resource.table.name or ref_column != key.name:
                    continue
                source = self._visible(model)
                statement = sa.select(source.c[column]).where(source.c[column].in_(list(values.values()))).distinct()
                with self.warehouse.connect() as connection:
                    used = set(connection.execute(statement).scalars())
                found += [
                    (text, f"{model}.{column} still references it") for text, value in values.items() if value in used
                ]
        return found

    def _false_expressions(
        self, resource: Resource, rows: dict[str, dict[str, Any]], expressions: list[str]
    ) -> Problems:
        """Rows for which an expression is false, evaluated by the warehouse (the expressions are dbt's own)."""
        key = resource.key[0]
        candidates = json_rows(resource.table, rows.values(), self.dialect, "candidate")
        found: Problems = []
        with self.warehouse.connect() as connection:
            for expression in expressions:
                condition = sa.text("not ({})".format(expression.replace(":", "\\:")))  # ':' is not a bind here
                failing = sa.select(candidates.c[key]).select_from(candidates).where(condition)
                found += [
                    (key_text(value), f"must hold: {expression}") for value in connection.execute(failing).scalars()
                ]
        return found


def _row_rules(rules: dict[str, list], key: str, row: dict[str, Any]) -> Problems:
    found: Problems = []
    for column in rules.get("not_null", []):
        if row.get(column) is None:
            found.append((key, f"{column} must not be null"))
    for column, values in rules.get("accepted_values", []):
        if row.get(column) is not None and str(row[column]) not in values:
            found.append((key, f"{column} must be one of {list(values)}, got {row[column]!r}"))
    for column, low, high in rules.get("accepted_range", []):
        value = row.get(column)
        if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
            found.append((key, f"{column} must be within [{low}, {high}], got {value!r}"))
    return found
