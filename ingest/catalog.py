"""The source catalog (`ingest/catalog.yml`): the files the platform knows, loaded and checked.

The catalog addresses columns by the publisher's header as written. Raw tables keep dlt's normalised
column names (`1/22/20` -> `_1_22_20`); `raw_column()` gives that name, and the registry keeps the
mapping of every loaded file. `ELT_CATALOG` points at another catalog file (tests, forks).

    python -m ingest.catalog          # check the catalog and write its dbt view (ingest/dbt_catalog.py)
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CATALOG = Path(__file__).resolve().parent / "catalog.yml"
LAYOUTS = ("long", "wide", "line_list")
FEEDS = ("daily", "snapshot", "vaccinations", "vaccinations_by_manufacturer", "none")
TYPES = ("text", "number", "count", "date")
DEFAULT_DATE_FORMAT = "YYYY-MM-DD"
# Measures of the daily fact that a wide file's cells or a line list's rows may hold.
DAILY_MEASURES = (
    "cases_cumulative",
    "cases_new",
    "deaths_cumulative",
    "deaths_new",
    "recovered_cumulative",
    "recovered_new",
)


class CatalogError(ValueError):
    """The catalog file is not valid; the message says where."""


@dataclass(frozen=True)
class DateFormat:
    """A declared date format: the order of year, month and day, their separator, and the year's digits."""

    text: str
    order: tuple[str, str, str]
    separators: str
    two_digit_year: bool

    @classmethod
    def parse(cls, text: str) -> DateFormat:
        if text == "YYYYMMDD":
            return cls(text, ("Y", "M", "D"), "", False)
        parts = re.split(r"[-/.]", text)
        separators = "".join(sorted(set(re.findall(r"[-/.]", text))))
        letters = tuple(part[:1] for part in parts)
        if len(parts) != 3 or sorted(letters) != ["D", "M", "Y"] or any(len(set(p)) != 1 for p in parts):
            raise CatalogError(f"date format {text!r} is not one of YYYY-MM-DD, M/D/YY, D/M/YYYY, D.M.YYYY, YYYYMMDD")
        year = parts[letters.index("Y")]
        if year not in ("YY", "YYYY"):
            raise CatalogError(f"date format {text!r}: the year is YY or YYYY")
        if text == DEFAULT_DATE_FORMAT:
            separators = "-/"  # year first, as publishers write it: 2020-01-22, 2020-2-15, 2021/1/5
        return cls(text, letters, separators, year == "YY")  # type: ignore[arg-type]

    def pattern(self) -> str:
        """A regular expression (POSIX and Python) a value in this format matches."""
        if not self.separators:
            return r"^[0-9]{8}$"
        sep = "[" + "".join("\\" + s if s in ".-" else s for s in self.separators) + "]"
        digits = {"Y": "[0-9]{2}" if self.two_digit_year else "[0-9]{4}", "M": "[0-9]{1,2}", "D": "[0-9]{1,2}"}
        return "^" + sep.join(digits[letter] for letter in self.order) + "$"

    def to_date(self, text: str) -> date | None:
        """The date written as `text`, or None when it does not match or is impossible (2020-02-30)."""
        value = text.strip()
        if not re.match(self.pattern(), value):
            return None
        if not self.separators:
            parts = [value[:4], value[4:6], value[6:]]
        else:
            parts = re.split("[" + re.escape(self.separators) + "]", value)
        by_letter = dict(zip(self.order, (int(p) for p in parts), strict=True))
        year = by_letter["Y"]
        if self.two_digit_year:  # as strptime reads %y (POSIX): 00-68 -> 20xx, 69-99 -> 19xx
            year += 2000 if year < 69 else 1900
        try:
            return date(year, by_letter["M"], by_letter["D"])
        except ValueError:
            return None


@dataclass(frozen=True)
class Column:
    """One column of a file: the publisher's header and the standard column it becomes."""

    header: str
    name: str
    type: str
    required: bool = False
    date_format: str = DEFAULT_DATE_FORMAT
    description: str = ""

    @property
    def raw_column(self) -> str:
        return raw_column(self.header)


@dataclass(frozen=True)
class SourceFile:
    """A known input file and the raw table it lands in (one table per file)."""

    file_name: str
    publisher: str
    source_code: str
    epidemic: str
    layout: str
    feeds: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    date_format: str | None = None  # wide: how the date headers are written
    values: str | None = None  # wide: the measure each date cell holds
    counts: str | None = None  # line_list: the measure a row counts as one
    dated_by: str | None = None  # snapshot: the source code whose last daily date dates it

    @property
    def table(self) -> str:
        """Raw table name: the file name without extension, lower case."""
        return self.file_name.rsplit(".", 1)[0].lower()

    @property
    def required_columns(self) -> tuple[str, ...]:
        """The headers the file must have (every declared column; extra columns are kept)."""
        return tuple(column.header for column in self.columns)

    @property
    def header_date_format(self) -> DateFormat | None:
        return DateFormat.parse(self.date_format) if self.layout == "wide" and self.date_format else None

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


@dataclass(frozen=True)
class SourceCode:
    code: str
    epidemic: str
    description: str
    compare_with: str | None = None


@dataclass(frozen=True)
class Catalog:
    path: Path
    sources: tuple[SourceFile, ...]
    source_codes: dict[str, SourceCode]
    publishers: dict[str, str]
    vocabulary: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def by_file_name(self) -> dict[str, SourceFile]:
        return {source.file_name: source for source in self.sources}


@cache
def _naming() -> Any:
    from dlt.common.normalizers.naming.snake_case import NamingConvention  # dlt is slow to import: only here

    return NamingConvention()


@cache
def raw_column(header: str) -> str:
    """The raw table's column for a header, as dlt's default naming writes it."""
    return _naming().normalize_identifier(header)


def catalog_path() -> Path:
    return Path(os.environ.get("ELT_CATALOG") or DEFAULT_CATALOG).resolve()


def catalog() -> Catalog:
    """The catalog in force (ELT_CATALOG or ingest/catalog.yml), loaded once per file."""
    return load_catalog(catalog_path())


@cache
def load_catalog(path: Path) -> Catalog:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read the catalog: {exc}") from None
    return _build(path, document or {})


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise CatalogError(f"{where}: {message}")


def _build(path: Path, document: dict[str, Any]) -> Catalog:
    vocabulary: dict[str, dict[str, str]] = document.get("columns") or {}
    for name, spec in vocabulary.items():
        _require(spec.get("type") in TYPES, f"columns.{name}", f"type must be one of {TYPES}")
        _require("min" not in spec or spec["type"] in ("count", "number"), f"columns.{name}", "min is for numbers")
        _require(
            spec.get("at_most") is None or spec["at_most"] in vocabulary,
            f"columns.{name}",
            f"at_most {spec.get('at_most')!r} is not a standard column",
        )
        _require("max_length" not in spec or spec["type"] == "text", f"columns.{name}", "max_length is for text")
    publishers = {
        name: (spec or {}).get("description", "") for name, spec in (document.get("publishers") or {}).items()
    }
    source_codes = {
        code: SourceCode(code, spec["epidemic"], spec.get("description", ""), spec.get("compare_with"))
        for code, spec in (document.get("source_codes") or {}).items()
    }
    for code in source_codes.values():
        _require(
            code.compare_with is None or code.compare_with in source_codes,
            f"source_codes.{code.code}",
            f"compare_with {code.compare_with!r} is not a source code",
        )
    sources = tuple(_source(entry, vocabulary, publishers, source_codes) for entry in document.get("sources") or [])
    _require(bool(sources), str(path), "no sources")
    for attribute in ("file_name", "table"):
        seen: set[str] = set()
        for source in sources:
            value = getattr(source, attribute)
            _require(value not in seen, source.file_name, f"{attribute} {value!r} is used by two entries")
            seen.add(value)
    return Catalog(path, sources, source_codes, publishers, vocabulary)


def _source(
    entry: dict[str, Any],
    vocabulary: dict[str, dict[str, str]],
    publishers: dict[str, str],
    source_codes: dict[str, SourceCode],
) -> SourceFile:
    where = f"sources[{entry.get('file', '?')}]"
    for key in ("file", "publisher", "source_code", "layout", "feeds", "columns"):
        _require(key in entry, where, f"`{key}` is required")
    _require(entry["publisher"] in publishers, where, f"publisher {entry['publisher']!r} is not under publishers")
    _require(entry["source_code"] in source_codes, where, f"source_code {entry['source_code']!r} is not described")
    _require(entry["layout"] in LAYOUTS, where, f"layout must be one of {LAYOUTS}")
    _require(entry["feeds"] in FEEDS, where, f"feeds must be one of {FEEDS}")
    _require(
        re.fullmatch(r"[a-z][a-z0-9_]*", entry["publisher"]) is not None,
        where,
        "publisher must be lower case letters, digits and _",
    )
    # The raw table is named after the file, and SQL names it unquoted (ingest, dbt sources).
    _require(
        re.fullmatch(r"[a-z][a-z0-9_]*", str(entry["file"]).rsplit(".", 1)[0].lower()) is not None,
        where,
        "the file name before its extension must be letters, digits and _ (it names the raw table)",
    )
    columns = []
    for header, spec in (entry["columns"] or {}).items():
        spec = {"name": spec} if isinstance(spec, str) else dict(spec)
        name = spec.get("name")
        _require(name in vocabulary, where, f"column {header!r}: {name!r} is not a standard column (top-level columns)")
        kind = vocabulary[name]["type"]
        date_format = spec.get("format", DEFAULT_DATE_FORMAT)
        if kind == "date":
            DateFormat.parse(date_format)
        columns.append(
            Column(
                header=str(header),
                name=name,
                type=kind,
                required=bool(spec.get("required", False)),
                date_format=date_format,
                description=vocabulary[name].get("description", ""),
            )
        )
    names = [column.name for column in columns]
    _require(len(set(names)) == len(names), where, "two headers map to the same standard column")
    feeds_a_mart = entry["feeds"] != "none"
    _require(
        not feeds_a_mart or any(c.name == "location_name" and c.required for c in columns),
        where,
        "a file that feeds a mart needs location_name, required",
    )
    key = tuple(entry.get("key") or ())
    _require(set(key) <= set(names), where, f"key {list(key)} names columns the entry does not have")
    layout = entry["layout"]
    if layout == "wide":
        DateFormat.parse(entry.get("date_format", ""))
        _require(entry.get("values") in DAILY_MEASURES, where, f"a wide file's `values` is one of {DAILY_MEASURES}")
    if layout == "line_list":
        _require(entry.get("counts") in DAILY_MEASURES, where, f"a line list's `counts` is one of {DAILY_MEASURES}")
        _require("reported_date" in names, where, "a line list needs reported_date")
    if layout in ("wide", "line_list"):
        _require(entry["feeds"] == "daily", where, f"a {layout} file feeds the daily fact")
    if entry["feeds"] == "daily" and layout == "long":
        _require("reported_date" in names, where, "a daily file needs reported_date")
    dated_by = entry.get("dated_by")
    _require(dated_by is None or dated_by in source_codes, where, f"dated_by {dated_by!r} is not a source code")
    return SourceFile(
        file_name=entry["file"],
        publisher=entry["publisher"],
        source_code=entry["source_code"],
        epidemic=source_codes[entry["source_code"]].epidemic,
        layout=layout,
        feeds=entry["feeds"],
        description=entry.get("description", ""),
        columns=tuple(columns),
        key=key,
        date_format=entry.get("date_format"),
        values=entry.get("values"),
        counts=entry.get("counts"),
        dated_by=dated_by,
    )


def main(argv: list[str] | None = None) -> int:
    from ingest.dbt_catalog import write_dbt_catalog

    try:
        current = catalog()
    except CatalogError as exc:
        print(f"catalog error: {exc}", file=sys.stderr)
        return 1
    folder = write_dbt_catalog(current)
    print(f"{current.path}: {len(current.sources)} sources; dbt view in dbt_project/{folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
