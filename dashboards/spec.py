"""Dashboard specs: one YAML file per dashboard in dashboards/specs/, loaded and validated with pydantic.

A card's SQL is plain SQL over the `marts` schema that runs unchanged on DuckDB and Postgres. A filter is
referenced as `{{name}}` (Metabase's template-tag syntax); `render_sql` turns it into Metabase's tag, a
DuckDB named parameter or a psycopg parameter, so the value is always bound, never pasted into the SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SPECS_DIR = Path(__file__).resolve().parent / "specs"
MARTS_SCHEMA = "marts"

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MART_REFERENCE = re.compile(rf"\b{MARTS_SCHEMA}\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
# The layers under the marts are internal: dashboards read only what is documented and contracted.
OTHER_LAYER_REFERENCE = re.compile(r"\b(raw|staging|intermediate|reference|ops)\.[a-z_]", re.IGNORECASE)
SLUG = r"^[a-z][a-z0-9_]*$"

ChartType = Literal["line", "area", "bar", "scatter", "pie", "number", "table"]
XY_CHARTS = {"line", "area", "bar", "scatter"}
SqlStyle = Literal["metabase", "duckdb", "postgres"]


class SpecError(ValueError):
    """A spec file that does not load or does not validate."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Filter(_Strict):
    """A dashboard filter, bound to `{{name}}` in the cards' SQL."""

    name: str = Field(pattern=SLUG)
    label: str
    type: Literal["text"] = "text"
    default: str
    # Values the static report renders the dashboard for (one section each); default: just `default`.
    report_values: list[str] | None = None

    @property
    def values_for_report(self) -> list[str]:
        return self.report_values or [self.default]


class Card(_Strict):
    key: str = Field(pattern=SLUG)
    title: str
    description: str = ""
    chart: ChartType
    x: str | None = None
    y: list[str] = []
    series: str | None = None
    columns: list[str] | None = None  # table cards: the columns to expect (default: whatever the SQL returns)
    stacked: bool = False
    width: int | None = Field(default=None, ge=1, le=24)  # Metabase grid columns (24 wide)
    # The card lists problems and is empty on clean input (e.g. quarantined rows); tests accept 0 rows.
    allow_empty: bool = False
    sql: str

    @field_validator("y", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("sql")
    @classmethod
    def _portable_marts_sql(cls, sql: str) -> str:
        sql = sql.strip().rstrip(";").strip()
        if not MART_REFERENCE.search(sql):
            raise ValueError(f"the SQL must read at least one `{MARTS_SCHEMA}.<model>`")
        if other := OTHER_LAYER_REFERENCE.search(sql):
            raise ValueError(f"the SQL may read only the marts, found `{other.group(0)}...`")
        if ";" in sql:
            raise ValueError("one statement per card (no `;`)")
        leftover = PLACEHOLDER.sub("", sql)
        if "{{" in leftover or "}}" in leftover:
            raise ValueError("placeholders are written `{{name}}` with a lowercase identifier")
        return sql

    @model_validator(mode="after")
    def _fields_fit_the_chart(self) -> Card:
        if self.chart in XY_CHARTS and (not self.x or not self.y):
            raise ValueError(f"a {self.chart} card needs `x` and `y`")
        if self.chart == "pie" and (not self.x or len(self.y) != 1 or self.series):
            raise ValueError("a pie card needs `x` (labels) and exactly one `y` (values), no `series`")
        if self.chart == "number" and (len(self.y) != 1 or self.x or self.series):
            raise ValueError("a number card needs exactly one `y` (the value) and no `x` or `series`")
        if self.columns is not None and self.chart != "table":
            raise ValueError("`columns` is for table cards")
        return self

    @property
    def fields(self) -> list[str]:
        """The result columns the card reads, in order, without repeats."""
        named = [self.x, *self.y, self.series, *(self.columns or [])]
        return list(dict.fromkeys(name for name in named if name))

    @property
    def grid_width(self) -> int:
        """Columns of the 24-wide grid (Metabase's and the report's): numbers 6, tables 24, charts 12."""
        return self.width or {"number": 6, "table": 24}.get(self.chart, 12)

    @property
    def grid_height(self) -> int:
        return {"number": 3, "table": 8}.get(self.chart, 7)

    @property
    def parameters(self) -> list[str]:
        return list(dict.fromkeys(PLACEHOLDER.findall(self.sql)))

    @property
    def marts(self) -> list[str]:
        """The mart models the SQL reads, sorted."""
        return sorted({name.lower() for name in MART_REFERENCE.findall(self.sql)})


class Dashboard(_Strict):
    key: str = Field(pattern=SLUG)  # the file name without .yml; the stable key in Metabase and dbt
    title: str
    description: str
    position: int = 100  # order in the report
    owner: str = "Epidemic data platform"
    filters: list[Filter] = []
    cards: list[Card] = Field(min_length=1)

    @model_validator(mode="after")
    def _keys_and_filters_agree(self) -> Dashboard:
        keys = [card.key for card in self.cards]
        if duplicates := sorted({key for key in keys if keys.count(key) > 1}):
            raise ValueError(f"card keys must be unique, repeated: {duplicates}")
        declared = {f.name for f in self.filters}
        used: set[str] = set()
        for card in self.cards:
            if unknown := set(card.parameters) - declared:
                raise ValueError(f"card {card.key!r} uses undeclared filter(s) {sorted(unknown)}")
            used.update(card.parameters)
        if unused := declared - used:
            raise ValueError(f"filter(s) {sorted(unused)} are used by no card")
        return self

    @property
    def marts(self) -> list[str]:
        return sorted({mart for card in self.cards for mart in card.marts})

    def card_key(self, card: Card) -> str:
        """Key of a card across dashboards: `<dashboard>.<card>`."""
        return f"{self.key}.{card.key}"


def load_spec(path: Path) -> Dashboard:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{path}: a spec is a mapping (title, description, filters, cards)")
    data.setdefault("key", path.stem)
    if data["key"] != path.stem:
        raise SpecError(f"{path}: key {data['key']!r} must be the file name ({path.stem!r})")
    try:
        return Dashboard.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{path}: {exc}") from exc


def load_specs(directory: Path = SPECS_DIR) -> list[Dashboard]:
    """Every dashboards/specs/*.yml, validated, in report order."""
    paths = sorted(directory.glob("*.yml"))
    if not paths:
        raise SpecError(f"no dashboard specs (*.yml) in {directory}")
    return sorted((load_spec(path) for path in paths), key=lambda d: (d.position, d.key))


def render_sql(sql: str, style: SqlStyle) -> str:
    """The card's SQL for Metabase (`{{name}}` tags), DuckDB (`$name`) or psycopg (`%(name)s`)."""
    if style == "metabase":
        return PLACEHOLDER.sub(lambda m: "{{" + m.group(1) + "}}", sql)
    if style == "duckdb":
        return PLACEHOLDER.sub(lambda m: "$" + m.group(1), sql)
    # psycopg reads every % as a placeholder once parameters are passed (we always pass them).
    return PLACEHOLDER.sub(lambda m: f"%({m.group(1)})s", sql.replace("%", "%%"))


def bind(card: Card, values: Mapping[str, str]) -> dict[str, str]:
    """The parameters of one card: only those its SQL uses (DuckDB rejects unused named parameters)."""
    return {name: values[name] for name in card.parameters}


def all_marts(dashboards: Iterable[Dashboard]) -> list[str]:
    return sorted({mart for dashboard in dashboards for mart in dashboard.marts})
