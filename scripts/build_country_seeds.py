"""Generate the country reference seeds from country_converter and the raw files.

Writes ``seeds/continents.csv``, ``seeds/countries.csv`` and ``seeds/country_names.csv``, and checks that
every location name found in the raw files is placed exactly once: either resolved by country_converter
(``country_names.csv``) or listed in the hand-curated ``seeds/country_aliases.csv``. Names it cannot place
are printed and the script exits with status 1.

Run from the repository root (each ``--data-dir`` holds ``covid19/`` and ``mpox/``; the first one that has
``reference/`` supplies the prototype JSON facts)::

    python scripts/build_country_seeds.py --data-dir ../shared/data --data-dir data/sample

Missing data dirs are skipped with a warning, so the command also works before the sample exists.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import country_converter as coco
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from ingest.catalog import catalog  # noqa: E402 - after making the project importable

# JHU files first: their labels are the reference. worldometer_data.csv (same Kaggle dataset) only fills gaps.
WHO_REGION_FILES: tuple[str, ...] = (
    "covid19/covid_19_clean_complete.csv",
    "covid19/full_grouped.csv",
    "covid19/country_wise_latest.csv",
    "covid19/worldometer_data.csv",
)
WHO_REGIONS: frozenset[str] = frozenset(
    {
        "Africa",
        "Americas",
        "Eastern Mediterranean",
        "Europe",
        "South-East Asia",
        "Western Pacific",
    }
)

# Fallback population sources, in priority order, after reference/countries.json.
POPULATION_FILES: tuple[tuple[str, str, str], ...] = (
    ("covid19/worldometer_coronavirus_summary_data.csv", "country", "population"),
    ("covid19/worldometer_data.csv", "Country/Region", "Population"),
)

VACCINATION_FILE = "covid19/country_vaccinations.csv"

# Names that are easy to confuse. If country_converter resolves one of them (i.e. it is not overridden in
# country_aliases.csv), it must give this code; a different answer after a library upgrade fails the run.
EXPECTED_ISO3: dict[str, str] = {
    "Burma": "MMR",
    "Cabo Verde": "CPV",
    "Cape Verde": "CPV",
    "Congo": "COG",
    "Congo (Brazzaville)": "COG",
    "Congo (Kinshasa)": "COD",
    "Cote D Ivoire": "CIV",
    "Cote d'Ivoire": "CIV",
    "Côte d'Ivoire": "CIV",
    "Czech Republic": "CZE",
    "Czechia": "CZE",
    "Democratic Republic Of The Congo": "COD",
    "Dominica": "DMA",
    "Dominican Republic": "DOM",
    "Equatorial Guinea": "GNQ",
    "Eswatini": "SWZ",
    "Georgia": "GEO",
    "Guinea": "GIN",
    "Guinea Bissau": "GNB",
    "Guinea-Bissau": "GNB",
    "Holy See": "VAT",
    "Ivory Coast": "CIV",
    "Korea, South": "KOR",
    "Kosovo": "XKX",
    "Macedonia": "MKD",
    "Niger": "NER",
    "Nigeria": "NGA",
    "North Macedonia": "MKD",
    "Palestine": "PSE",
    "Papua New Guinea": "PNG",
    "Republic of Congo": "COG",
    "Reunion": "REU",
    "Réunion": "REU",
    "S. Korea": "KOR",
    "South Korea": "KOR",
    "South Sudan": "SSD",
    "State Of Palestine": "PSE",
    "Sudan": "SDN",
    "Swaziland": "SWZ",
    "Taiwan*": "TWN",
    "Timor Leste": "TLS",
    "Timor-Leste": "TLS",
    "UK": "GBR",
    "US": "USA",
    "USA": "USA",
    "United Kingdom": "GBR",
    "Vatican City": "VAT",
    "West Bank and Gaza": "PSE",
}

ALIAS_KINDS: frozenset[str] = frozenset({"country", "subnational", "aggregate", "non_country"})
KINDS_WITH_ISO3: frozenset[str] = frozenset({"country", "subnational"})

# coco's Americas are split by UN subregion; every other coco continent maps one to one.
COCO_CONTINENT_CODES: dict[str, str] = {
    "Africa": "AF",
    "Europe": "EU",
    "Asia": "AS",
    "Oceania": "OC",
    "Antarctica": "AN",
}
SOUTH_AMERICA_UN_REGIONS: frozenset[str] = frozenset({"South America"})
NORTH_AMERICA_UN_REGIONS: frozenset[str] = frozenset({"Caribbean", "Central America", "Northern America"})

PLACEHOLDER_NAME = "Not defined"

log = logging.getLogger("build_country_seeds")


@dataclass(frozen=True)
class Sources:
    """Where the inputs live: data dirs in priority order and the dir holding the prototype JSON."""

    data_dirs: tuple[Path, ...]
    reference_dir: Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data-dir",
        action="append",
        type=Path,
        required=True,
        help="dir holding covid19/ and mpox/ (repeatable; earlier dirs win for regions and populations)",
    )
    parser.add_argument(
        "--seeds-dir",
        type=Path,
        default=REPO_ROOT / "seeds",
        help="where the seed CSVs live",
    )
    return parser.parse_args(argv)


def resolve_sources(data_dirs: Iterable[Path]) -> Sources:
    """Keep the data dirs that exist and find the first one with reference/countries.json."""
    existing: list[Path] = []
    for data_dir in data_dirs:
        if data_dir.is_dir():
            existing.append(data_dir)
        else:
            log.warning("data dir %s does not exist; skipped", data_dir)
    reference_dirs = [d / "reference" for d in existing if (d / "reference" / "countries.json").is_file()]
    if not reference_dirs:
        raise SystemExit("no --data-dir contains reference/countries.json")
    return Sources(data_dirs=tuple(existing), reference_dir=reference_dirs[0])


def read_raw_csv(path: Path) -> pd.DataFrame:
    """Read a raw file as text only, so codes like Namibia's 'NA' never become null."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def iter_files(sources: Sources, relative: str) -> Iterator[tuple[Path, pd.DataFrame]]:
    """Yield (path, frame) for one raw file in every data dir that has it."""
    for data_dir in sources.data_dirs:
        path = data_dir / relative
        if path.is_file():
            yield path, read_raw_csv(path)


def read_reference(sources: Sources, name: str) -> list[dict[str, object]]:
    """Load one prototype JSON list (reference/<name>.json)."""
    with (sources.reference_dir / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def collect_location_names(sources: Sources) -> dict[str, set[str]]:
    """Map every distinct trimmed location name of the catalog's files to the files it appears in.

    The location column is the one each catalog entry maps to `location_name`. A province names a place of
    its own when its country also has a row of its own in the file (French Guiana under France); other
    provinces are summed into their country (Hubei), so their names need no resolving."""
    names: dict[str, set[str]] = {}
    for source in catalog().sources:
        if not any(column.name == "location_name" for column in source.columns):
            continue
        location = source.column("location_name").header
        province = next((c.header for c in source.columns if c.name == "province_name"), None)
        for data_dir in sources.data_dirs:
            for path in sorted(data_dir.rglob(source.file_name)):
                frame = read_raw_csv(path)
                places = frame[location].str.strip()
                if province is not None:
                    provinces = frame[province].str.strip()
                    national = set(places[provinces == ""])
                    places = places.where((provinces == "") | ~places.isin(national), provinces)
                for name in places.unique():
                    if name:
                        names.setdefault(name, set()).add(str(path))
    return names


def load_aliases(seeds_dir: Path, known_iso3: set[str]) -> pd.DataFrame:
    """Read and validate the hand-curated alias seed; raise on any inconsistency."""
    aliases = read_raw_csv(seeds_dir / "country_aliases.csv")
    problems: list[str] = []
    if aliases["location_name"].duplicated().any():
        problems.append(
            f"duplicate names: {sorted(aliases.loc[aliases['location_name'].duplicated(), 'location_name'])}"
        )
    for row in aliases.itertuples(index=False):
        if row.location_name != row.location_name.strip():
            problems.append(f"{row.location_name!r}: store the trimmed name")
        if row.location_kind not in ALIAS_KINDS:
            problems.append(f"{row.location_name!r}: unknown location_kind {row.location_kind!r}")
        needs_iso3 = row.location_kind in KINDS_WITH_ISO3
        if needs_iso3 and row.country_iso3 not in known_iso3:
            problems.append(f"{row.location_name!r}: {row.location_kind} needs a known country_iso3")
        if not needs_iso3 and row.country_iso3:
            problems.append(f"{row.location_name!r}: {row.location_kind} must have an empty country_iso3")
        if not row.note.strip():
            problems.append(f"{row.location_name!r}: note is empty")
    if problems:
        raise SystemExit("country_aliases.csv is inconsistent:\n  " + "\n  ".join(problems))
    return aliases


def resolve_with_coco(converter: coco.CountryConverter, names: list[str], known_iso3: set[str]) -> dict[str, str]:
    """Return name -> ISO3 for the names country_converter resolves to exactly one known code."""
    results = converter.convert(names, to="ISO3", not_found=None)
    if isinstance(results, str):
        results = [results]
    return {
        name: result
        for name, result in zip(names, results, strict=True)
        if isinstance(result, str) and result in known_iso3
    }


def check_expected(resolved: dict[str, str]) -> list[str]:
    """List the confusable names that country_converter resolved to an unexpected code."""
    return [
        f"{name!r}: country_converter says {resolved[name]}, expected {expected}"
        for name, expected in sorted(EXPECTED_ISO3.items())
        if name in resolved and resolved[name] != expected
    ]


def check_vaccination_iso_codes(sources: Sources, placed: dict[str, str]) -> list[str]:
    """Cross-check our ISO3 for each OWID name against its own iso_code column (OWID_* codes skipped)."""
    problems: list[str] = []
    for path, frame in iter_files(sources, VACCINATION_FILE):
        pairs = frame.assign(country=frame["country"].str.strip())[["country", "iso_code"]].drop_duplicates()
        for name, iso_code in pairs.itertuples(index=False):
            if iso_code.startswith("OWID_") or not iso_code:
                continue
            ours = placed.get(name)
            if ours != iso_code:
                problems.append(f"{path}: {name!r} has iso_code {iso_code} but is placed as {ours}")
    return problems


def build_country_names(
    names: dict[str, set[str]], resolved: dict[str, str], aliases: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Split the file names into country_names rows (coco-resolved, not aliased) and unplaced names."""
    aliased = set(aliases["location_name"])
    rows = [(name, resolved[name]) for name in sorted(names) if name not in aliased and name in resolved]
    unplaced = [name for name in sorted(names) if name not in aliased and name not in resolved]
    return pd.DataFrame(rows, columns=["location_name", "country_iso3"]), unplaced


def country_lookup(country_names: pd.DataFrame, aliases: pd.DataFrame) -> dict[str, str]:
    """Names that stand for a whole country (not a part of one), for attributing regions and populations."""
    lookup = dict(zip(country_names["location_name"], country_names["country_iso3"], strict=True))
    whole = aliases[aliases["location_kind"] == "country"]
    lookup.update(zip(whole["location_name"], whole["country_iso3"], strict=True))
    return lookup


def normalise_who_region(label: str) -> str:
    """worldometer_data.csv drops spaces ('WesternPacific'); restore the JHU spelling."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", label.strip())


def collect_who_regions(sources: Sources, lookup: dict[str, str]) -> dict[str, str]:
    """First WHO region seen per country, JHU files first; conflicting later values are logged."""
    regions: dict[str, str] = {}
    for relative in WHO_REGION_FILES:
        for path, frame in iter_files(sources, relative):
            for name, label in frame[["Country/Region", "WHO Region"]].drop_duplicates().itertuples(index=False):
                iso3 = lookup.get(name.strip())
                region = normalise_who_region(label)
                if iso3 is None or not region:
                    continue
                if region not in WHO_REGIONS:
                    raise SystemExit(f"{path}: unknown WHO region {label!r} for {name!r}")
                if iso3 not in regions:
                    regions[iso3] = region
                elif regions[iso3] != region:
                    log.warning(
                        "%s: %s is %s here, keeping %s",
                        path,
                        iso3,
                        region,
                        regions[iso3],
                    )
    return regions


def parse_population(value: object) -> int | None:
    """Return a positive integer population, or None for empty, zero or unparsable cells."""
    try:
        number = int(float(str(value).strip()))
    except ValueError:
        return None
    return number if number > 0 else None


def collect_populations(sources: Sources, lookup: dict[str, str]) -> dict[str, int]:
    """Population per ISO3: reference JSON first, then the worldometer files, first value wins."""
    populations: dict[str, int] = {}
    for country in read_reference(sources, "countries"):
        population = parse_population(country["population"])
        if country["name"] != PLACEHOLDER_NAME and population is not None:
            populations.setdefault(str(country["iso3"]), population)
    for relative, name_column, population_column in POPULATION_FILES:
        for _path, frame in iter_files(sources, relative):
            for name, value in frame[[name_column, population_column]].itertuples(index=False):
                iso3 = lookup.get(name.strip())
                population = parse_population(value)
                if iso3 is not None and population is not None:
                    populations.setdefault(iso3, population)
    return populations


def build_continents(sources: Sources) -> tuple[pd.DataFrame, dict[int, str]]:
    """Continents from the prototype JSON, and its 1-based position id -> continent code."""
    continents = read_reference(sources, "continents")
    id_to_code = {position: str(c["code"]) for position, c in enumerate(continents, start=1)}
    rows = [
        (c["code"], c["name"], parse_population(c["population"])) for c in continents if c["name"] != PLACEHOLDER_NAME
    ]
    frame = pd.DataFrame(rows, columns=["continent_code", "continent_name", "population"])
    frame["population"] = frame["population"].astype("Int64")
    return frame, {k: v for k, v in id_to_code.items() if v in set(frame["continent_code"])}


def coco_continent_code(continent: str, un_region: str) -> str:
    """Map coco's continent to our code, splitting coco's 'America' by UN subregion."""
    if continent in COCO_CONTINENT_CODES:
        return COCO_CONTINENT_CODES[continent]
    if continent == "America" and un_region in SOUTH_AMERICA_UN_REGIONS:
        return "SA"
    if continent == "America" and un_region in NORTH_AMERICA_UN_REGIONS:
        return "NA"
    raise SystemExit(f"cannot map coco continent {continent!r} / UN region {un_region!r}")


def build_countries(
    converter: coco.CountryConverter,
    sources: Sources,
    continent_ids: dict[int, str],
    who_regions: dict[str, str],
    populations: dict[str, int],
) -> pd.DataFrame:
    """One row per ISO 3166-1 code country_converter knows (plus Kosovo XKX), sorted by ISO3."""
    data = converter.data.dropna(subset=["ISO3"]).sort_values("ISO3")
    iso3 = data["ISO3"].tolist()
    # coco stores some ISO2 cells as regexes ('^GB$|^UK$'); converting from ISO3 yields the clean code.
    iso2 = converter.convert(iso3, src="ISO3", to="ISO2")
    reference_continent = {
        str(c["iso3"]): continent_ids[int(c["continent_id"])]
        for c in read_reference(sources, "countries")
        if int(c["continent_id"]) in continent_ids
    }
    frame = pd.DataFrame(
        {
            "country_iso3": iso3,
            "country_iso2": iso2,
            "country_name": data["name_short"].tolist(),
            "continent_code": [
                reference_continent.get(code) or coco_continent_code(continent, un_region)
                for code, continent, un_region in zip(iso3, data["continent"], data["UNregion"], strict=True)
            ],
            "who_region": [who_regions.get(code) for code in iso3],
            "population": pd.array([populations.get(code) for code in iso3], dtype="Int64"),
        }
    )
    if "XKX" not in set(frame["country_iso3"]):
        raise SystemExit("country_converter no longer lists Kosovo (XKX); add it explicitly")
    return frame


def write_seed(frame: pd.DataFrame, path: Path) -> None:
    """Write a seed CSV: UTF-8, LF, comma, header, empty cell for null."""
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    log.info("wrote %s (%d rows)", path, len(frame))


def main(argv: list[str] | None = None) -> int:
    """Build the seeds; return 1 when a name cannot be placed or a cross-check fails."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("country_converter").setLevel(logging.ERROR)  # it warns on every unresolved name
    args = parse_args(argv)
    sources = resolve_sources(args.data_dir)
    converter = coco.CountryConverter()
    known_iso3 = set(converter.data["ISO3"].dropna())

    names = collect_location_names(sources)
    aliases = load_aliases(args.seeds_dir, known_iso3)
    resolved = resolve_with_coco(converter, sorted(set(names) - set(aliases["location_name"])), known_iso3)
    country_names, unplaced = build_country_names(names, resolved, aliases)

    placed = dict(zip(country_names["location_name"], country_names["country_iso3"], strict=True))
    placed.update(zip(aliases["location_name"], aliases["country_iso3"], strict=True))
    problems = check_expected(resolved) + check_vaccination_iso_codes(sources, placed)
    problems += [f"{name!r} (in {', '.join(sorted(names[name]))}) could not be placed" for name in unplaced]

    lookup = country_lookup(country_names, aliases)
    continents, continent_ids = build_continents(sources)
    countries = build_countries(
        converter,
        sources,
        continent_ids,
        collect_who_regions(sources, lookup),
        collect_populations(sources, lookup),
    )

    if problems:
        print(
            "Names not placed or placed wrongly; fix seeds/country_aliases.csv:",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    write_seed(continents, args.seeds_dir / "continents.csv")
    write_seed(countries, args.seeds_dir / "countries.csv")
    write_seed(country_names, args.seeds_dir / "country_names.csv")
    log.info(
        "%d location names: %d via country_converter %s, %d aliased",
        len(names),
        len(country_names),
        coco.__version__,
        len(names) - len(country_names),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
