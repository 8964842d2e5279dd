"""Generate api/models/marts.py (SQLModel classes) from the dbt contracts of the marts, with the data
tests dbt runs on them (CHECKS), so the API refuses an edit that would fail the next build.

    python scripts/generate_api_models.py            # write api/models/marts.py
    python scripts/generate_api_models.py --check    # exit 1 if the file is out of date (used by the tests)

Column names, types and descriptions come from dbt's manifest (run `dbt parse` first; `make api-models`
does both), so the OpenAPI schema documents every field with the dbt column description.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "dbt_project" / "target" / "manifest.json"
OUTPUT = ROOT / "api" / "models" / "marts.py"
SCHEMA = "marts"

# dbt model -> (class name, primary key columns)
MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dim_continent": ("Continent", ("continent_code",)),
    "dim_country": ("Country", ("country_iso3",)),
    "dim_epidemic": ("Epidemic", ("epidemic_code",)),
    "dim_vaccine": ("Vaccine", ("vaccine_name",)),
    "dim_date": ("CalendarDate", ("date",)),
    "dim_source": ("Source", ("source_code",)),
    "fct_epidemic_daily": ("EpidemicDaily", ("epidemic_daily_id",)),
    "fct_vaccinations": ("Vaccination", ("vaccination_id",)),
    "fct_vaccinations_by_manufacturer": ("VaccinationByManufacturer", ("vaccination_by_manufacturer_id",)),
    "fct_country_snapshot": ("CountrySnapshot", ("country_snapshot_id",)),
    "qa_quarantine": ("QuarantinedRow", ("source_file", "source_line", "reason")),
    "qa_unresolved_locations": ("UnresolvedLocation", ("location_name",)),
    "qa_reconciliation_world_daily": ("WorldReconciliation", ("date",)),
    "qa_publisher_discrepancies": ("PublisherDiscrepancy", ("source_code", "country_iso3", "date")),
    "qa_file_row_counts": ("FileRowCount", ("raw_table",)),
}
PYTHON_TYPES = {
    "text": ("str", "sa.Text"),
    "bigint": ("int", "sa.BigInteger"),
    "integer": ("int", "sa.Integer"),
    "float8": ("float", "sa.Double"),
    "date": ("dt.date", "sa.Date"),
    "boolean": ("bool", "sa.Boolean"),
    "timestamp": ("dt.datetime", "sa.DateTime"),
}


# dbt data tests the API checks writes against (api/editing/checks.py); severity error only.
CHECKED_TESTS = ("not_null", "unique", "accepted_values", "accepted_range", "relationships", "expression_is_true")


def _ref_name(text: str) -> str:
    return text.split("ref(", 1)[1].strip(")'\" ")


def _check_entry(test: str, kwargs: dict, column: str | None) -> object:
    if test in ("not_null", "unique"):
        return column
    if test == "accepted_values":
        return (column, tuple(kwargs["values"]))
    if test == "accepted_range":
        return (column, kwargs.get("min_value"), kwargs.get("max_value"))
    if test == "relationships":
        return (column, _ref_name(kwargs["to"]), kwargs["field"])
    return f"{column} {kwargs['expression']}" if column else kwargs["expression"]  # expression_is_true


def checks(manifest: dict) -> dict[str, dict[str, list]]:
    """model -> {test name -> [arguments...]} for the editable marts, in a stable order: the data tests,
    and the column constraints of the enforced contracts (`not_null`, `unique`, a `primary_key` is both)."""
    found: dict[str, dict[str, list]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        model = node.get("attached_node", "").rsplit(".", 1)[-1]
        if node["resource_type"] != "test" or model not in MODELS:
            continue
        if str(node["config"].get("severity", "error")).lower() != "error" or node["config"].get("where"):
            continue
        if meta.get("name") == "accepted_ranges":  # one test for many columns: each column's range
            for column, bounds in meta["kwargs"]["ranges"].items():
                entry = _check_entry("accepted_range", bounds, column)
                found.setdefault(model, {}).setdefault("accepted_range", []).append(entry)
        elif meta.get("name") in CHECKED_TESTS:
            entry = _check_entry(meta["name"], meta["kwargs"], node.get("column_name"))
            found.setdefault(model, {}).setdefault(meta["name"], []).append(entry)
    # Enforced contract constraints say the same as those tests (and replace them in the dbt project).
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["name"] not in MODELS:
            continue
        for name, column in node["columns"].items():
            kinds = {constraint["type"] for constraint in column.get("constraints", [])}
            implied = {"not_null", "unique"} if "primary_key" in kinds else kinds & {"not_null", "unique"}
            for test in sorted(implied):
                found.setdefault(node["name"], {}).setdefault(test, []).append(name)
    return {model: {name: sorted(v, key=repr) for name, v in sorted(t.items())} for model, t in sorted(found.items())}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render(manifest: dict) -> str:
    nodes = {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    out = [
        '"""SQLModel classes for the marts. GENERATED by scripts/generate_api_models.py from the dbt',
        'contracts and descriptions: do not edit by hand; change the dbt YAML and regenerate."""',
        "",
        "from __future__ import annotations",
        "",
        "import datetime as dt",
        "",
        "import sqlalchemy as sa",
        "from sqlmodel import Field, SQLModel",
        "",
    ]
    for model, (class_name, key) in MODELS.items():
        node = nodes[model]
        out += ["", f"class {class_name}(SQLModel, table=True):"]
        out.append(f'    """{_one_line(node["description"])}"""'.replace("\\", "\\\\"))
        out += ["", f'    __tablename__ = "{model}"', f'    __table_args__ = {{"schema": "{SCHEMA}"}}', ""]
        for name, column in node["columns"].items():
            python_type, sa_type = PYTHON_TYPES[column["data_type"]]
            primary = ", primary_key=True" if name in key else ""
            optional = "" if name in key else " | None"
            default = "" if name in key else "default=None, "
            description = json.dumps(_one_line(column.get("description") or ""), ensure_ascii=False)
            out.append(
                f"    {name}: {python_type}{optional} = Field({default}sa_type={sa_type}{primary}, "
                f"description={description})"
            )
    out += [
        "",
        "",
        "# The data tests dbt runs on each mart (severity error, no `where`): the API checks writes against them.",
        "CHECKS: dict[str, dict[str, list]] = {",
    ]
    for model, tests in checks(manifest).items():
        out.append(f"    {model!r}: {{")
        for name, entries in tests.items():
            out.append(f"        {name!r}: [")
            out += [f"            {entry!r}," for entry in entries]
            out.append("        ],")
        out.append("    },")
    out.append("}")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    args = parser.parse_args()
    text = render(json.loads(args.manifest.read_text()))
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT} is out of date: run `make api-models`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
