"""The catalog as dbt sees it, generated: a sources file and a `catalog_spec()` macro.

dbt cannot read files, so before every dbt command the catalog is written where dbt_project.yml looks
(`DBT_CATALOG_DIR`, default generated/default/ in the dbt project, not committed):
- `models/_catalog__sources.yml`: one dbt source per publisher, one table per file, columns documented
  with the publisher's header;
- `macros/catalog_spec.sql`: the whole catalog as data, for the generic staging models and the quality
  models, available when dbt parses (so lineage shows every raw table feeding the layout models).
Files are rewritten only when their content changes, so dbt's partial parsing keeps working.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml

from ingest.catalog import DEFAULT_CATALOG, Catalog, DateFormat, SourceFile
from ingest.warehouse import PROJECT_ROOT, RAW_BUILD_SCHEMA, RAW_SCHEMA

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# raw, or raw_build while a Postgres run builds beside the live schemas (ingest/atomic.py).
RAW_SCHEMA_IN_DBT = "{{ '" + RAW_BUILD_SCHEMA + "' if env_var('ELT_SCHEMA_SUFFIX', '') else '" + RAW_SCHEMA + "' }}"
DEFAULT_MAX_LENGTH = 200  # characters of a text value, unless the catalog says otherwise
_HEADER = "# Generated from {path} by ingest/dbt_catalog.py: edit the catalog, not this file.\n"


def dbt_catalog_dir(current: Catalog) -> str:
    """Where the dbt view of this catalog goes, relative to the dbt project (dbt wants its paths inside it):
    generated/default for ingest/catalog.yml, generated/catalog-<hash of its path> for another catalog."""
    if current.path == DEFAULT_CATALOG.resolve():
        return "generated/default"
    return "generated/catalog-" + hashlib.sha256(str(current.path).encode()).hexdigest()[:12]


def catalog_data(current: Catalog) -> dict[str, Any]:
    """Everything the dbt models need to know about the sources, as plain data."""
    files_by_code: dict[str, list[str]] = {}
    for source in current.sources:
        files_by_code.setdefault(source.source_code, []).append(source.file_name)
    return {
        "sources": [_source_data(source) for source in current.sources],
        "source_codes": {
            code.code: {
                "epidemic": code.epidemic,
                "description": code.description,
                "compare_with": code.compare_with,
                "files": sorted(files_by_code.get(code.code, [])),
            }
            for code in current.source_codes.values()
        },
        "columns": {
            name: {
                "type": spec["type"],
                "min": spec.get("min"),
                "at_most": spec.get("at_most"),
                "max_length": spec.get("max_length", DEFAULT_MAX_LENGTH if spec["type"] == "text" else None),
            }
            for name, spec in current.vocabulary.items()
        },
    }


def _source_data(source: SourceFile) -> dict[str, Any]:
    return {
        "file": source.file_name,
        "table": source.table,
        "publisher": source.publisher,
        "source_code": source.source_code,
        "epidemic": source.epidemic,
        "layout": source.layout,
        "feeds": source.feeds,
        "key": list(source.key),
        "values": source.values,
        "counts": source.counts,
        "dated_by": source.dated_by,
        "date_format": source.date_format,
        "columns": [
            {
                "header": column.header,
                "column": column.raw_column,
                "name": column.name,
                "type": column.type,
                "required": column.required,
                **({"date": _date_data(column.date_format)} if column.type == "date" else {}),
            }
            for column in source.columns
        ],
    }


def _date_data(text: str) -> dict[str, Any]:
    """How SQL reads a date format: the pattern a value must match, the order of its parts, ..."""
    spec = DateFormat.parse(text)
    strftime = {"Y": "%y" if spec.two_digit_year else "%Y", "M": "%m", "D": "%d"}
    separator = spec.separators[:1]
    return {
        "format": spec.text,
        "pattern": spec.pattern(),
        "order": "".join(spec.order),
        "two_digit_year": spec.two_digit_year,
        "separators": spec.separators,
        "strftime": separator.join(strftime[letter] for letter in spec.order),
    }


def sources_yml(current: Catalog) -> str:
    publishers: dict[str, list[SourceFile]] = {}
    for source in current.sources:
        publishers.setdefault(source.publisher, []).append(source)
    document = {
        "version": 2,
        "sources": [
            {
                "name": publisher,
                "description": (current.publishers.get(publisher) or "").strip()
                + " Loaded untouched by dlt: every column is text exactly as in the file, plus provenance.",
                "schema": RAW_SCHEMA_IN_DBT,
                "tables": [_table_yml(source) for source in files],
            }
            for publisher, files in publishers.items()
        ],
    }
    return _HEADER.format(path=_shown(current.path)) + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _table_yml(source: SourceFile) -> dict[str, Any]:
    layout = {
        "long": "one row per line",
        "wide": f"WIDE: id columns, then one text column per date (headers written {source.date_format}), "
        f"each holding {source.values}; on DuckDB and Postgres the date cells are one JSON column, "
        "`_date_cells`, {raw column: cell text} (thousands of columns do not fit a table)",
        "line_list": f"LINE LIST: one row per case, counted as {source.counts}",
    }[source.layout]
    return {
        "name": source.table,
        "description": f"{{{{ doc('raw_file_table') }}}} File: {source.file_name} ({layout}). {source.description}",
        "meta": {"file": source.file_name, "layout": source.layout, "source_code": source.source_code},
        "columns": [
            {
                "name": column.raw_column,
                "description": f"Header `{column.header}` as written; staged as `{column.name}` ({column.type}"
                + (", required" if column.required else "")
                + ").",
            }
            for column in source.columns
        ],
    }


_LAYOUT_MODELS = {
    "long": (
        "stg_sources__long",
        "One row per line of every long file in the catalog (one row per place, or place and day), typed: "
        "each file's columns under their standard names, NULL where a file has no such column.",
    ),
    "wide": (
        "stg_sources__wide_rows",
        "One row per line of every wide file in the catalog, its id columns typed (the date cells are "
        "unpivoted and checked one by one in int_wide_cells_unpivoted).",
    ),
    "line_list": (
        "stg_sources__line_list",
        "One row per line (one case) of every line-list file in the catalog, typed (counted per place and "
        "day in int_line_list_cases_counted).",
    ),
}
_FIXED_COLUMNS = (
    ("_source_table", "The raw table (file) the row comes from.", True),
    ("source_code", "{{ doc('source_code') }}", True),
    ("epidemic_code", "{{ doc('epidemic_code') }}", True),
)
_PROVENANCE = (
    ("_quarantine_reason", "{{ doc('quarantine_reason') }}", False),
    ("_source_file", "{{ doc('source_file') }}", True),
    ("_source_line", "{{ doc('source_line') }}", True),
    ("_load_id", "{{ doc('load_id') }}", False),
)


def models_yml(current: Catalog) -> str:
    """The layout staging models' docs and tests: their columns depend on the catalog."""
    models = []
    for layout, (model, description) in _LAYOUT_MODELS.items():
        entries = [source for source in current.sources if source.layout == layout]
        names = list(dict.fromkeys(column.name for source in entries for column in source.columns))
        standard = [(name, current.vocabulary[name].get("description", ""), False) for name in names]
        described = (*_FIXED_COLUMNS, *standard, *_PROVENANCE)
        columns = [{"name": name, "description": text} for name, text, _ in described]
        required = [name for name, _, is_required in described if is_required]
        tests: list[dict[str, Any]] = [
            {"not_null_columns": {"arguments": {"columns": required}}},
            _unique(["_source_file", "_source_line"]),
        ]
        keys = {source.table: list(source.key) for source in entries if source.key}
        if keys:  # every file's key, in one test (one scan of the model)
            tests.append({"unique_key_per_source": {"arguments": {"keys": keys}, "name": f"{model}_keys_unique"}})
        files = ", ".join(source.file_name for source in entries) or "none in this catalog"
        models.append(
            {
                "name": model,
                "description": f"{description} Files: {files}.",
                "data_tests": tests,
                "columns": columns,
            }
        )
    document = {"version": 2, "models": models}
    return _HEADER.format(path=_shown(current.path)) + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _unique(columns: list[str]) -> dict[str, Any]:
    return {"unique_combination_of_columns": {"arguments": {"combination_of_columns": columns}}}


def catalog_macro(current: Catalog) -> str:
    data = json.dumps(catalog_data(current), ensure_ascii=False, indent=1, sort_keys=True)
    return (
        "{#- " + _HEADER.format(path=_shown(current.path)).lstrip("# ").rstrip() + " -#}\n"
        "{% macro catalog_spec() -%}\n"
        "{%- set text -%}{% raw %}" + data + "{% endraw %}{%- endset -%}\n"
        "{{ return(fromjson(text)) }}\n"
        "{%- endmacro %}\n"
    )


def _shown(path: Path) -> str:
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Whole or not at all: another process (a second ELT, a parallel test) may be reading it.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def write_dbt_catalog(current: Catalog) -> str:
    """Write the dbt view of the catalog; return its folder relative to the dbt project (DBT_CATALOG_DIR)."""
    relative = dbt_catalog_dir(current)
    folder = DBT_PROJECT_DIR / relative
    _write_if_changed(folder / "models" / "_catalog__sources.yml", sources_yml(current))
    _write_if_changed(folder / "models" / "_sources__models.yml", models_yml(current))
    _write_if_changed(folder / "macros" / "catalog_spec.sql", catalog_macro(current))
    return relative
