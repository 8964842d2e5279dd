"""Rows as edits carry them: validation models per resource and JSON text in the edit log."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from api.resources import Resource


def _python_type(column: sa.Column[Any]) -> type:
    return column.type.python_type


def _field_type(column: sa.Column[Any]) -> Any:
    """The column's Python type with the limits its database type has (what the warehouse can store)."""
    python_type = _python_type(column)
    if python_type is int:
        bits = 31 if isinstance(column.type, sa.Integer) and not isinstance(column.type, sa.BigInteger) else 63
        return Annotated[int, Field(ge=-(2**bits), le=2**bits - 1)]
    if python_type is float:
        return Annotated[float, Field(allow_inf_nan=False)]
    if python_type is str:
        return Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=10_000)]  # Postgres text has no NUL
    return python_type


def _description(resource: Resource, column: sa.Column[Any]) -> str | None:
    return resource.model.model_fields[column.name].description


@cache
def create_model_for(resource: Resource) -> type[BaseModel]:
    """A whole row: every column, the key optional where the API computes it (surrogate keys)."""
    fields: dict[str, Any] = {}
    for column in resource.table.columns:
        description = _description(resource, column)
        required = (column.name in resource.natural_key or column.name in resource.key) and not (
            resource.has_surrogate_key and column.name in resource.key
        )
        annotation = _field_type(column) if required else _field_type(column) | None
        fields[column.name] = (annotation, Field(... if required else None, description=description))
    return create_model(
        f"{resource.model.__name__}Create", __config__=ConfigDict(extra="forbid", strict=False), **fields
    )


@cache
def patch_model_for(resource: Resource) -> type[BaseModel]:
    """The columns a change may set: every column but those that say which row it is."""
    fields: dict[str, Any] = {
        column.name: (_field_type(column) | None, Field(None, description=_description(resource, column)))
        for column in resource.table.columns
        if column.name not in resource.identity_columns
    }
    return create_model(f"{resource.model.__name__}Patch", __config__=ConfigDict(extra="forbid"), **fields)


def json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in an edit")


def to_json(row: dict[str, Any] | None) -> str | None:
    return None if row is None else json.dumps(row, default=json_default, ensure_ascii=False, sort_keys=True)


def from_json(resource: Resource, text: str | None) -> dict[str, Any] | None:
    """A row from the edit log with the column types of the mart (dates back to dates)."""
    if text is None:
        return None
    raw = json.loads(text)
    row = {}
    for column in resource.table.columns:
        value = raw.get(column.name)
        python_type = _python_type(column)
        if value is not None and python_type in (dt.date, dt.datetime):
            value = python_type.fromisoformat(value)
        row[column.name] = value
    return row


def key_text(value: Any) -> str:
    """A primary key value as the edit log and dbt compare it (`cast(key as text)`)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def complete_row(resource: Resource, row: dict[str, Any], before: dict[str, Any] | None, batch_id: str) -> None:
    """Fill what the pipeline would have: provenance of a created row, and flags derived from other columns."""
    columns = resource.table.c
    if before is None:  # a row the source does not have: its provenance is the API
        defaults = {
            "source_file": "api",
            "source_line": 0,
            "load_id": batch_id,
            "is_derived": False,
            "source_location_name": row.get("location_name"),
            "source_location_names": row.get("location_name"),
        }
        for name, value in defaults.items():
            if name in columns and row.get(name) is None:
                row[name] = value
    for flag, measure in (("is_cases_new_negative", "cases_new"), ("is_deaths_new_negative", "deaths_new")):
        if flag in columns:
            row[flag] = row.get(measure) is not None and row[measure] < 0
