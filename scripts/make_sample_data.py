"""Generate the small, fully synthetic sample data set shipped in ``data/sample/``.

Run from the repository root::

    python scripts/make_sample_data.py

It writes 15 CSV files (plus nothing else) under ``data/sample/covid19/`` and
``data/sample/mpox/``.  The files have exactly the headers, column order, value
formats and quirks of the public source files (JHU/Kaggle "corona-virus-report",
worldometers, Our World in Data vaccinations, Kaggle "Monkeypox dataset 2022"),
but every number in them is invented by this script.  Only the standard library is
used and the random generators are seeded, so two runs give byte-identical files.

An optional argument overrides the output folder::

    python scripts/make_sample_data.py /tmp/sample
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SEED = "epidemic-platform-sample-v1"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.catalog import catalog  # noqa: E402 - after making the project importable


def header(file_name: str) -> list[str]:
    """The publisher's header for a known file, as the ingest catalog declares it."""
    return list(catalog().by_file_name[file_name].required_columns)


DEFAULT_OUT = ROOT / "data" / "sample"

JHU_START = dt.date(2020, 3, 1)
JHU_DAYS = 28  # 2020-03-01 .. 2020-03-28
VAX_START = dt.date(2021, 1, 1)
VAX_DAYS = 28  # 2021-01-01 .. 2021-01-28

Row = list[str]
Series = list[tuple[int, int, int]]  # (confirmed, deaths, recovered) per day


# --------------------------------------------------------------------------- helpers


def rng_for(name: str) -> random.Random:
    """Independent deterministic generator per data set (str seeds are stable)."""
    return random.Random(f"{SEED}:{name}")  # noqa: S311 - reproducible sample data, not secrets


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write UTF-8, LF, minimal quoting (like the published files); return row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def fnum(value: float | None) -> str:
    """Float cell as pandas writes it (``12.0``); ``None`` becomes an empty cell."""
    return "" if value is None else repr(float(value))


def inum(value: int | None) -> str:
    """Integer cell; ``None`` becomes an empty cell."""
    return "" if value is None else str(int(value))


def ratio(num: float, den: float) -> str:
    """``round(num / den * 100, 2)`` as pandas prints it: ``inf`` and ``0.0`` on zero."""
    if den == 0:
        return "inf" if num > 0 else "0.0"
    return str(round(num / den * 100, 2))


def per_million(value: float, population: int) -> float:
    """Worldometer style per-1M figure: integer, one decimal below 1."""
    figure = value / population * 1_000_000
    return round(figure, 1) if figure < 1 else float(round(figure))


def jhu_date(day: dt.date) -> str:
    return day.isoformat()


def wm_date(day: dt.date) -> str:
    """Worldometer daily date: month not zero-padded, day zero-padded (2020-3-08)."""
    return f"{day.year}-{day.month}-{day.day:02d}"


def slash_date(day: dt.date) -> str:
    """By-manufacturer date: neither month nor day padded (2021/1/5)."""
    return f"{day.year}/{day.month}/{day.day}"


def chance_round(rng: random.Random, expected: float) -> int:
    """Round a non-negative expectation up or down at random (integer counts)."""
    base = int(expected)
    return base + (1 if rng.random() < expected - base else 0)


# ------------------------------------------------------------------ JHU (Kaggle) part


@dataclass(frozen=True)
class Location:
    """One row-series of covid_19_clean_complete.csv and its synthetic dynamics."""

    province: str
    country: str
    lat: str
    long: str
    who: str
    start_day: int
    c0: int
    d0: int
    r0: int
    base_new: float
    growth: float
    cfr: float  # share of active cases dying per day
    rec_rate: float  # share of active cases recovering per day
    death_fix_day: int | None = None  # publisher correction: deaths drop by 1


# Order inside a country follows the publisher (UK '' row sits between provinces).
# Coordinates are rounded public geography; one carries float-repr noise on purpose.
# fmt: off
LOCATIONS: tuple[Location, ...] = (
    #        province     country                lat      long     WHO region
    #        start c0 d0 r0  base growth cfr rec_rate
    Location("Beijing", "China", "40.18", "116.41", "Western Pacific",
             0, 397, 7, 251, 3, 0.97, 0.0004, 0.05),
    Location("Guangdong", "China", "23.34", "113.42", "Western Pacific",
             0, 1322, 6, 984, 4, 0.95, 0.0002, 0.05),
    Location("Hubei", "China", "30.98", "112.27", "Western Pacific",
             0, 65840, 2710, 31620, 160, 0.88, 0.0012, 0.04),
    Location("", "Congo (Brazzaville)", "-0.23", "15.83", "Africa",
             13, 0, 0, 0, 1, 1.12, 0.002, 0.0),
    Location("", "Congo (Kinshasa)", "-4.04", "21.76", "Africa",
             8, 0, 0, 0, 1, 1.16, 0.03, 0.0),
    Location("", "Dominica", "15.42", "-61.37", "Americas",
             17, 0, 0, 0, 1, 1.1, 0.0, 0.0),
    Location("", "Dominican Republic", "18.74", "-70.16", "Americas",
             0, 2, 0, 0, 2, 1.2, 0.01, 0.005),
    Location("", "France", "46.23", "2.21", "Europe",
             0, 117, 2, 9, 40, 1.17, 0.004, 0.01, death_fix_day=16),
    Location("Reunion", "France", "-21.12", "55.54", "Europe",
             10, 0, 0, 0, 1, 1.15, 0.0, 0.01),
    Location("", "Niger", "17.61", "8.08", "Africa",
             16, 0, 0, 0, 1, 1.2, 0.02, 0.0),
    Location("", "Nigeria", "9.08", "8.68", "Africa",
             0, 2, 0, 0, 1, 1.12, 0.003, 0.01),
    Location("", "South Korea", "36.50000000000001", "127.77", "Western Pacific",
             0, 3512, 16, 27, 600, 0.9, 0.0008, 0.01),
    Location("", "US", "39.5", "-98.35", "Americas",
             0, 26, 1, 5, 15, 1.3, 0.001, 0.002),
    Location("Bermuda", "United Kingdom", "32.31", "-64.75", "Europe",
             17, 0, 0, 0, 1, 1.1, 0.0, 0.0),
    Location("Gibraltar", "United Kingdom", "36.14", "-5.35", "Europe",
             2, 0, 0, 0, 1, 1.05, 0.0, 0.02),
    Location("", "United Kingdom", "55.38", "-3.44", "Europe",
             0, 31, 0, 6, 12, 1.22, 0.004, 0.001),
)
# fmt: on


def simulate(loc: Location, rng: random.Random, days: int) -> Series:
    """Cumulative (confirmed, deaths, recovered); deaths + recovered <= confirmed."""
    conf, dead, rec = loc.c0, loc.d0, loc.r0
    out: Series = [(conf, dead, rec)]
    for t in range(1, days):
        new_c = 0
        if t >= loc.start_day:
            k = t - loc.start_day
            new_c = int(loc.base_new * loc.growth**k * rng.uniform(0.6, 1.4))
            if conf == 0:
                new_c = max(1, new_c)
        active = conf - dead - rec
        new_d = chance_round(rng, active * loc.cfr * rng.uniform(0.5, 1.5))
        if loc.death_fix_day == t and dead >= 1:
            new_d = -1
        new_r = chance_round(rng, active * loc.rec_rate * rng.uniform(0.5, 1.5))
        conf += new_c
        dead += new_d
        new_r = max(0, min(new_r, conf - dead - rec))
        rec += new_r
        out.append((conf, dead, rec))
    return out


def jhu_days() -> list[dt.date]:
    return [JHU_START + dt.timedelta(days=i) for i in range(JHU_DAYS)]


def build_jhu() -> dict[tuple[str, str], Series]:
    """Series per (province, country)."""
    rng = rng_for("jhu")
    return {(loc.province, loc.country): simulate(loc, rng, JHU_DAYS) for loc in LOCATIONS}


def clean_complete_rows(series: dict[tuple[str, str], Series]) -> list[Row]:
    """One row per location per day, ordered by date then country (then publisher order)."""
    ordered = sorted(LOCATIONS, key=lambda loc: loc.country)  # stable: keeps province order
    rows: list[Row] = []
    for i, day in enumerate(jhu_days()):
        for loc in ordered:
            conf, dead, rec = series[(loc.province, loc.country)][i]
            rows.append(
                [
                    loc.province,
                    loc.country,
                    loc.lat,
                    loc.long,
                    jhu_date(day),
                    str(conf),
                    str(dead),
                    str(rec),
                    str(conf - dead - rec),
                    loc.who,
                ]
            )
    return rows


# The JHU CSSE time series is a later revision of the Kaggle files: a few days are corrected, and it has
# the cruise ships that reported under Canada as province rows. (country, day index, confirmed added)
TIME_SERIES_REVISIONS = (("US", JHU_DAYS - 1, 3), ("France", JHU_DAYS - 2, -2))
TIME_SERIES_SHIP = Location("Grand Princess", "Canada", "37.6489", "-122.6655", "", 0, 21, 0, 0, 0, 1.0, 0.0, 0.0)


def time_series_date(day: dt.date) -> str:
    """JHU CSSE's date header: M/D/YY, month and day not padded (1/22/20)."""
    return f"{day.month}/{day.day}/{day.year % 100:02d}"


def time_series_rows(series: dict[tuple[str, str], Series], measure: int) -> list[Row]:
    """One row per province or country (publisher order: by country), one column per day; cumulative."""
    ship = {
        (TIME_SERIES_SHIP.province, TIME_SERIES_SHIP.country): simulate(TIME_SERIES_SHIP, rng_for("ship"), JHU_DAYS)
    }
    locations = sorted((*LOCATIONS, TIME_SERIES_SHIP), key=lambda loc: loc.country)
    rows: list[Row] = []
    for loc in locations:
        values = [day[measure] for day in (series | ship)[(loc.province, loc.country)]]
        if measure == 0:
            for country, index, added in TIME_SERIES_REVISIONS:
                if loc.country == country and not loc.province:
                    values[index] += added
        rows.append([loc.province, loc.country, loc.lat, loc.long, *map(str, values)])
    return rows


def group_by_country(
    series: dict[tuple[str, str], Series],
) -> dict[str, list[tuple[int, int, int]]]:
    """Sum provinces per country and day."""
    grouped: dict[str, list[tuple[int, int, int]]] = {}
    for (_, country), values in series.items():
        acc = grouped.setdefault(country, [(0, 0, 0)] * JHU_DAYS)
        grouped[country] = [(a[0] + b[0], a[1] + b[1], a[2] + b[2]) for a, b in zip(acc, values, strict=True)]
    return grouped


def who_region(country: str) -> str:
    return next(loc.who for loc in LOCATIONS if loc.country == country)


def new_values(values: list[tuple[int, int, int]], i: int) -> tuple[int, int, int]:
    """Day-over-day differences like the Kaggle file: 0 on the first day, and
    New cases clipped at 0 (New deaths / New recovered may go negative)."""
    if i == 0:
        return (0, 0, 0)
    (c, d, r), (pc, pd, pr) = values[i], values[i - 1]
    return (max(0, c - pc), d - pd, r - pr)


def full_grouped_rows(grouped: dict[str, list[tuple[int, int, int]]]) -> list[Row]:
    rows: list[Row] = []
    for i, day in enumerate(jhu_days()):
        for country in sorted(grouped):
            conf, dead, rec = grouped[country][i]
            nc, nd, nr = new_values(grouped[country], i)
            rows.append(
                [
                    jhu_date(day),
                    country,
                    str(conf),
                    str(dead),
                    str(rec),
                    str(conf - dead - rec),
                    str(nc),
                    str(nd),
                    str(nr),
                    who_region(country),
                ]
            )
    return rows


def day_wise_rows(grouped: dict[str, list[tuple[int, int, int]]]) -> list[Row]:
    """World totals per day; 'No. of countries' counts countries with Confirmed > 0."""
    rows: list[Row] = []
    for i, day in enumerate(jhu_days()):
        conf = sum(v[i][0] for v in grouped.values())
        dead = sum(v[i][1] for v in grouped.values())
        rec = sum(v[i][2] for v in grouped.values())
        news = [new_values(v, i) for v in grouped.values()]
        countries = sum(1 for v in grouped.values() if v[i][0] > 0)
        rows.append(
            [
                jhu_date(day),
                str(conf),
                str(dead),
                str(rec),
                str(conf - dead - rec),
                str(sum(n[0] for n in news)),
                str(sum(n[1] for n in news)),
                str(sum(n[2] for n in news)),
                ratio(dead, conf),
                ratio(rec, conf),
                ratio(dead, rec),
                str(countries),
            ]
        )
    return rows


def country_wise_rows(grouped: dict[str, list[tuple[int, int, int]]]) -> list[Row]:
    """Last day per country with the 1-week columns (last day vs. 7 days before)."""
    last, week = JHU_DAYS - 1, JHU_DAYS - 8
    rows: list[Row] = []
    for country in sorted(grouped):
        conf, dead, rec = grouped[country][last]
        nc, nd, nr = new_values(grouped[country], last)
        conf_week = grouped[country][week][0]
        change = conf - conf_week
        rows.append(
            [
                country,
                str(conf),
                str(dead),
                str(rec),
                str(conf - dead - rec),
                str(nc),
                str(nd),
                str(nr),
                ratio(dead, conf),
                ratio(rec, conf),
                ratio(dead, rec),
                str(conf_week),
                str(change),
                ratio(change, conf_week),
                who_region(country),
            ]
        )
    return rows


# ------------------------------------------------------------------- worldometers


@dataclass(frozen=True)
class WmCountry:
    """A worldometer country; ``jhu`` names its JHU source series (or None)."""

    daily_name: str  # spelling in the daily and summary files
    snapshot_name: str | None  # spelling in worldometer_data.csv (None: absent)
    jhu: str | None
    continent: str
    who: str  # worldometer_data spelling (no spaces: 'WesternPacific')
    population: int
    tests: int | None
    serious: int | None
    reports_deaths: bool = True
    reports_recovered: bool = True  # in worldometer_data.csv


# fmt: off
WM_COUNTRIES: tuple[WmCountry, ...] = (
    WmCountry("Brunei Darussalam", "Brunei ", None, "Asia", "", 437_000, 9_850, None),
    WmCountry("China", None, "China", "Asia", "WesternPacific",
              1_439_000_000, 4_100_000, 2_310),
    WmCountry("Congo", "Congo", "Congo (Brazzaville)", "Africa", "Africa",
              5_520_000, 910, None),
    WmCountry("Democratic Republic Of The Congo", "DRC", "Congo (Kinshasa)", "Africa",
              "Africa", 89_600_000, None, None),
    WmCountry("Dominica", "Dominica", "Dominica", "North America", "Americas",
              72_000, 610, None, reports_deaths=False),
    WmCountry("Dominican Republic", "Dominican Republic", "Dominican Republic",
              "North America", "Americas", 10_850_000, 9_400, 41),
    WmCountry("France", "France", "France", "Europe", "Europe",
              65_270_000, 101_000, 1_530),
    WmCountry("Niger", "Niger", "Niger", "Africa", "Africa", 24_210_000, 370, None),
    WmCountry("Nigeria", "Nigeria", "Nigeria", "Africa", "Africa",
              206_100_000, 2_980, 2),
    WmCountry("South Korea", "S. Korea", "South Korea", "Asia", "WesternPacific",
              51_270_000, 357_000, 59),
    WmCountry("UK", "UK", "United Kingdom", "Europe", "Europe",
              67_890_000, 118_000, 163, reports_recovered=False),
    WmCountry("USA", "USA", "US", "North America", "Americas",
              331_000_000, 552_000, 2_700),
)
# fmt: on
WM_CASE_FIX = ("France", 20, 35)  # (country, day index, drop): negative daily_new_cases


def brunei_series() -> Series:
    loc = Location("", "Brunei", "", "", "", 6, 0, 0, 0, 2, 1.12, 0.0, 0.005)
    return simulate(loc, rng_for("brunei"), JHU_DAYS)


def wm_series(grouped: dict[str, list[tuple[int, int, int]]]) -> dict[str, Series]:
    """Worldometer cumulative series: JHU totals plus a few % of extra reporting,
    deaths never decreasing, and one downward case correction."""
    rng = rng_for("worldometer")
    out: dict[str, Series] = {}
    for wm in WM_COUNTRIES:
        base = grouped[wm.jhu] if wm.jhu else brunei_series()
        extra = rng.uniform(0.0, 0.04)
        series: Series = []
        max_dead = 0
        for conf, dead, rec in base:
            max_dead = max(max_dead, dead)
            series.append((conf + round(conf * extra), max_dead, rec))
        if wm.daily_name == WM_CASE_FIX[0]:
            day, drop = WM_CASE_FIX[1], WM_CASE_FIX[2]
            conf, dead, rec = series[day]
            series[day] = (series[day - 1][0] - drop, dead, rec)
        out[wm.daily_name] = series
    return out


def wm_daily_rows(series: dict[str, Series]) -> list[Row]:
    """daily_new_* are differences, empty on the first row and while the previous
    cumulative is 0; countries that never report deaths have empty death cells."""
    rows: list[Row] = []
    for wm in sorted(WM_COUNTRIES, key=lambda w: w.daily_name.lower()):
        values = series[wm.daily_name]
        for i, day in enumerate(jhu_days()):
            conf, dead, rec = values[i]
            prev = values[i - 1] if i else None
            new_c = None if prev is None or prev[0] == 0 else conf - prev[0]
            new_d = None if prev is None or prev[1] == 0 else dead - prev[1]
            cum_d: int | None = dead
            if not wm.reports_deaths:
                cum_d, new_d = None, None
            rows.append(
                [
                    wm_date(day),
                    wm.daily_name,
                    fnum(conf),
                    fnum(new_c),
                    fnum(conf - dead - rec),
                    fnum(cum_d),
                    fnum(new_d),
                ]
            )
    return rows


def wm_summary_rows(series: dict[str, Series]) -> list[Row]:
    """One row per country = last daily row, plus tests, serious cases, population."""
    rows: list[Row] = []
    for wm in sorted(WM_COUNTRIES, key=lambda w: w.daily_name.lower()):
        conf, dead, rec = series[wm.daily_name][-1]
        deaths = dead if wm.reports_deaths else None
        rows.append(
            [
                wm.daily_name,
                wm.continent,
                str(conf),
                fnum(deaths),
                fnum(rec),
                fnum(conf - dead - rec),
                fnum(wm.serious),
                str(round(conf / wm.population * 1_000_000)),
                fnum(None if deaths is None else per_million(deaths, wm.population)),
                fnum(wm.tests),
                fnum(None if wm.tests is None else per_million(wm.tests, wm.population)),
                str(wm.population),
            ]
        )
    return rows


def wm_snapshot_rows(series: dict[str, Series]) -> list[Row]:
    """worldometer_data.csv: sorted by TotalCases desc; New* mostly empty; a cruise
    ship with empty population/continent/WHO Region; China absent as in the source."""
    table: list[tuple[int, Row]] = []
    for wm in WM_COUNTRIES:
        if wm.snapshot_name is None:
            continue
        values = series[wm.daily_name]
        conf, dead, rec = values[-1]
        pconf, pdead, prec = values[-2]
        is_korea = wm.daily_name == "South Korea"  # the one row with New* filled
        deaths = dead if wm.reports_deaths else None
        recovered = rec if wm.reports_recovered else None
        active = conf - dead - rec if wm.reports_recovered else None
        table.append(
            (
                conf,
                [
                    wm.snapshot_name,
                    wm.continent,
                    str(wm.population),
                    str(conf),
                    inum(conf - pconf if is_korea else None),
                    inum(deaths),
                    inum(dead - pdead if is_korea else None),
                    inum(recovered),
                    inum(rec - prec if is_korea else None),
                    inum(active),
                    inum(wm.serious),
                    str(round(conf / wm.population * 1_000_000)),
                    "" if deaths is None else f"{per_million(deaths, wm.population):g}",
                    inum(wm.tests),
                    "" if wm.tests is None else str(round(wm.tests / wm.population * 1e6)),
                    wm.who,
                ],
            )
        )
    table.append(
        (
            705,
            [
                "Diamond Princess",
                "",
                "",
                "705",
                "",
                "12",
                "",
                "640",
                "",
                "53",
                "4",
                "",
                "",
                "",
                "",
                "",
            ],
        )
    )
    table.sort(key=lambda item: -item[0])
    return [row for _, row in table]


# ---------------------------------------------------------------- OWID vaccinations


@dataclass(frozen=True)
class VaxCountry:
    name: str
    iso: str
    population: int
    start: int  # first day index with a row
    first_base: float  # first doses per day at start
    first_growth: float
    second_base: float  # second doses per day
    fully_from: int  # people_fully_vaccinated empty before this day index
    gaps: tuple[int, ...]  # day indexes with no reported totals
    vaccines: str
    source_name: str
    source_website: str


UK_SOURCE = ("Government of the United Kingdom", "https://coronavirus.data.gov.uk/")
# fmt: off
VAX_COUNTRIES: tuple[VaxCountry, ...] = (
    # name, iso, population, start, first_base, first_growth, second_base,
    # fully_from, gaps, vaccines, source_name, source_website
    VaxCountry("England", "OWID_ENG", 56_290_000, 2, 95_000, 1.06, 2_600, 2,
               (3, 4, 5, 6), "Oxford/AstraZeneca, Pfizer/BioNTech", *UK_SOURCE),
    VaxCountry("France", "FRA", 67_420_000, 0, 350, 1.33, 40, 14, (),
               "Moderna, Pfizer/BioNTech", "Ministry of Health",
               "https://www.data.gouv.fr/"),
    VaxCountry("Portugal", "PRT", 10_190_000, 3, 4_000, 1.03, 150, 20, (),
               "Moderna, Pfizer/BioNTech", "Ministry of Health",
               "https://covid19.min-saude.pt/"),
    VaxCountry("Scotland", "OWID_SCT", 5_460_000, 2, 6_500, 1.05, 150, 2,
               (9, 10), "Oxford/AstraZeneca, Pfizer/BioNTech", *UK_SOURCE),
    VaxCountry("Spain", "ESP", 47_330_000, 3, 20_000, 1.05, 900, 16, (),
               "Moderna, Pfizer/BioNTech", "Ministry of Health",
               "https://www.sanidad.gob.es/"),
    VaxCountry("United States", "USA", 331_000_000, 0, 180_000, 1.06, 20_000, 0, (),
               "Moderna, Pfizer/BioNTech", "Centers for Disease Control and Prevention",
               "https://covid.cdc.gov/covid-data-tracker/"),
)
UK_REST = VaxCountry("rest of UK", "", 5_020_000, 2, 5_500, 1.05, 100, 2, (), "",
                     "", "")
UK_ROW = VaxCountry("United Kingdom", "GBR", 66_770_000, 2, 0, 1.0, 0, 2, (),
                    "Oxford/AstraZeneca, Pfizer/BioNTech", *UK_SOURCE)
# fmt: on


@dataclass
class Doses:
    first: list[int]  # cumulative people_vaccinated per day (from start)
    second: list[int]  # cumulative people_fully_vaccinated per day


def simulate_doses(country: VaxCountry, rng: random.Random) -> Doses:
    first: list[int] = []
    second: list[int] = []
    pv = round(country.first_base * rng.uniform(2, 4))  # doses given before day 1
    pf = round(country.second_base * rng.uniform(1, 3))
    for k in range(VAX_DAYS - country.start):
        if k:
            pv += int(country.first_base * country.first_growth**k * rng.uniform(0.7, 1.3))
            pf += int(country.second_base * rng.uniform(0.7, 1.3))
        first.append(pv)
        second.append(pf)
    return Doses(first, second)


def interpolate(values: list[int | None]) -> list[float]:
    """Linear interpolation over interior gaps (first and last are always known)."""
    known = {i: value for i, value in enumerate(values) if value is not None}
    out: list[float] = []
    for i, value in enumerate(values):
        if value is not None:
            out.append(float(value))
            continue
        lo = max(j for j in known if j < i)
        hi = min(j for j in known if j > i)
        out.append(known[lo] + (known[hi] - known[lo]) * (i - lo) / (hi - lo))
    return out


def vax_rows_for(country: VaxCountry, doses: Doses) -> list[Row]:
    """OWID logic: raw daily = difference of consecutive reported totals; smoothed
    daily = 7-day mean of the linearly interpolated daily differences, rounded."""
    totals: list[int | None] = []
    for k in range(len(doses.first)):
        reported = (country.start + k) not in country.gaps
        totals.append(doses.first[k] + doses.second[k] if reported else None)
    filled = interpolate(totals)
    diffs = [filled[k] - filled[k - 1] for k in range(1, len(filled))]
    pop = country.population
    rows: list[Row] = []
    for k, total in enumerate(totals):
        day = VAX_START + dt.timedelta(days=country.start + k)
        reported = total is not None
        prev = totals[k - 1] if k else None
        raw = total - prev if total is not None and prev is not None else None
        smooth: int | None = None
        if k:
            window = diffs[max(0, k - 7) : k]
            smooth = int(sum(window) / len(window) + 0.5)
        fully_known = reported and country.start + k >= country.fully_from
        pv = doses.first[k] if reported else None
        pf = doses.second[k] if fully_known else None
        rows.append(
            [
                country.name,
                country.iso,
                day.isoformat(),
                fnum(total),
                fnum(pv),
                fnum(pf),
                fnum(raw),
                fnum(smooth),
                fnum(None if total is None else round(total / pop * 100, 2)),
                fnum(None if pv is None else round(pv / pop * 100, 2)),
                fnum(None if pf is None else round(pf / pop * 100, 2)),
                fnum(None if smooth is None else round(smooth / pop * 1_000_000)),
                country.vaccines,
                country.source_name,
                country.source_website,
            ]
        )
    return rows


def build_vaccinations() -> tuple[list[Row], dict[str, dict[dt.date, int]]]:
    """Rows of country_vaccinations.csv and reported totals per country and date.

    United Kingdom = England + Scotland + (Wales and Northern Ireland, not emitted)."""
    rng = rng_for("vaccinations")
    doses = {c.name: simulate_doses(c, rng) for c in VAX_COUNTRIES}
    rest = simulate_doses(UK_REST, rng)
    parts = [doses["England"], doses["Scotland"], rest]
    doses[UK_ROW.name] = Doses(
        [sum(p.first[k] for p in parts) for k in range(len(rest.first))],
        [sum(p.second[k] for p in parts) for k in range(len(rest.second))],
    )
    rows: list[Row] = []
    totals: dict[str, dict[dt.date, int]] = {}
    for country in sorted((*VAX_COUNTRIES, UK_ROW), key=lambda c: c.name):
        country_rows = vax_rows_for(country, doses[country.name])
        rows.extend(country_rows)
        totals[country.name] = {dt.date.fromisoformat(r[2]): int(float(r[3])) for r in country_rows if r[3]}
    return rows, totals


# vaccine -> (share at first date, share at last date); None: Pfizer gets the rest
MANUFACTURER_PLAN: dict[str, tuple[tuple[int, ...], dict[str, tuple[float, float]]]] = {
    "France": ((5, 12, 19, 26), {"Moderna": (0.0, 0.02)}),
    "Portugal": ((5, 12, 19, 26), {"Moderna": (0.0, 0.03)}),
    "Spain": (
        (5, 12, 19, 26),
        {"Moderna": (0.0, 0.04), "Oxford/AstraZeneca": (0.0, 0.0)},
    ),
    "United States": ((5, 8, 12, 15, 19, 22, 26), {"Moderna": (0.40, 0.45)}),
}


def manufacturer_rows(totals: dict[str, dict[dt.date, int]]) -> list[Row]:
    """Split each reported country total across vaccines; per-vaccine totals rise and
    sum to the country's total_vaccinations on the same date."""
    rows: list[Row] = []
    for location in sorted(MANUFACTURER_PLAN):
        days, shares = MANUFACTURER_PLAN[location]
        previous: dict[str, int] = {}
        for n, day_of_month in enumerate(days):
            day = dt.date(2021, 1, day_of_month)
            total = totals[location][day]
            frac = n / (len(days) - 1)
            split = {name: round(total * (lo + (hi - lo) * frac)) for name, (lo, hi) in shares.items()}
            split["Pfizer/BioNTech"] = total - sum(split.values())
            for vaccine in sorted(split):
                value = split[vaccine]
                if value < previous.get(vaccine, 0):
                    raise ValueError(f"{location} {vaccine} decreases on {day}")
                previous[vaccine] = value
                rows.append([location, slash_date(day), vaccine, str(value)])
    return rows


# ------------------------------------------------------------------------- mpox

MPOX_DATES = (
    "2022-05-06",
    "2022-05-08",
    "2022-05-12",
    "2022-05-13",
    "2022-05-15",
    "2022-05-17",
    "2022-05-18",
    "2022-05-19",
    "2022-05-20",
    "2022-05-23",
    "2022-05-25",
    "2022-05-27",
    "2022-05-30",
    "2022-06-01",
    "2022-06-03",
    "2022-06-06",
    "2022-06-10",
)


@dataclass(frozen=True)
class MpoxCountry:
    name: str
    first_col: int  # first date column with cases (-1: never in the wide file)
    rate: float
    report_prob: float
    suspected: int
    hospitalized: int
    travel_yes: int
    travel_no: int


# Wide-file order: by first reported date (publisher order), UK nations separate.
MPOX_COUNTRIES: tuple[MpoxCountry, ...] = (
    MpoxCountry("Nigeria", 0, 3, 0.3, 41, 0, 0, 0),
    MpoxCountry("England", 0, 4, 0.7, 0, 3, 2, 4),
    MpoxCountry("Democratic Republic Of The Congo", 1, 6, 0.25, 380, 0, 0, 0),
    MpoxCountry("Portugal", 4, 5, 0.6, 0, 0, 0, 9),
    MpoxCountry("Spain", 4, 8, 0.6, 0, 4, 1, 0),
    MpoxCountry("United States", 6, 3, 0.6, 0, 1, 6, 2),
    MpoxCountry("Scotland", 10, 1, 0.4, 0, 1, 1, 0),
    MpoxCountry("Republic of Congo", 11, 1, 0.3, 5, 0, 0, 0),
    MpoxCountry("Northern Ireland", 13, 1, 0.4, 0, 0, 0, 0),
    MpoxCountry("Wales", 14, 1, 0.5, 0, 0, 0, 0),
    MpoxCountry("Sierra Leone", -1, 0, 0.0, 3, 0, 0, 0),  # worldwide file only
)
# Worldwide-file order (publisher style: Europe and Americas first, Africa last).
MPOX_WORLDWIDE_ORDER = (
    "England",
    "Portugal",
    "Spain",
    "United States",
    "Scotland",
    "Wales",
    "Northern Ireland",
    "Nigeria",
    "Democratic Republic Of The Congo",
    "Republic of Congo",
    "Sierra Leone",
)


def mpox_daily() -> dict[str, list[int]]:
    """Daily new confirmed cases per date column (many zero, reporting is lumpy)."""
    rng = rng_for("mpox")
    out: dict[str, list[int]] = {}
    for country in MPOX_COUNTRIES:
        values: list[int] = []
        for col in range(len(MPOX_DATES)):
            value = 0
            if country.first_col >= 0 and col >= country.first_col:
                k = col - country.first_col
                if k == 0:
                    value = max(1, round(country.rate))
                elif rng.random() < country.report_prob:
                    value = int(country.rate * 1.15**k * rng.uniform(0.5, 1.5))
            values.append(value)
        out[country.name] = values
    return out


def mpox_wide_rows(daily: dict[str, list[int]]) -> list[Row]:
    return [[c.name, *map(str, daily[c.name])] for c in MPOX_COUNTRIES if c.first_col >= 0]


# Line-list details, cycled through the cases (the real file is mostly empty besides date and country).
MPOX_CASE_DETAILS = (
    ("", "", "", "", "", "", ""),
    ("London", "20-69", "male", "rash", "Y", "Y", "Y"),
    ("", "0-39", "", "", "NA", "", "N"),
)


def mpox_line_list_rows(daily: dict[str, list[int]]) -> list[Row]:
    """One row per confirmed case, by date then wide-file country order. A later extraction than the wide
    file: the last date has one case more for Spain, so the two series differ where they should."""
    rows: list[Row] = []
    for col, day in enumerate(MPOX_DATES):
        for country in MPOX_COUNTRIES:
            cases = daily[country.name][col] + (1 if country.name == "Spain" and col == len(MPOX_DATES) - 1 else 0)
            for case in range(cases):
                city, age, gender, symptoms, hospitalised, isolated, travel = MPOX_CASE_DETAILS[case % 3]
                rows.append([day, country.name, city, age, gender, symptoms, hospitalised, isolated, travel])
    return rows


def mpox_worldwide_rows(daily: dict[str, list[int]]) -> list[Row]:
    """Confirmed_Cases = sum of the wide file's row; all counts written as floats."""
    by_name = {c.name: c for c in MPOX_COUNTRIES}
    rows: list[Row] = []
    for name in MPOX_WORLDWIDE_ORDER:
        c = by_name[name]
        rows.append(
            [
                name,
                fnum(sum(daily[name])),
                fnum(c.suspected),
                fnum(c.hospitalized),
                fnum(c.travel_yes),
                fnum(c.travel_no),
            ]
        )
    return rows


# ------------------------------------------------------------------------- headers
# The publishers' headers, from the ingest catalog (one source of truth for both).

H_CLEAN = header("covid_19_clean_complete.csv")
H_FULL = header("full_grouped.csv")
H_DAY = header("day_wise.csv")
H_LATEST = header("country_wise_latest.csv")
H_WM_DATA = header("worldometer_data.csv")
H_WM_DAILY = header("worldometer_coronavirus_daily_data.csv")
H_WM_SUMMARY = header("worldometer_coronavirus_summary_data.csv")
H_VAX = header("country_vaccinations.csv")
H_MANUFACTURER = header("country_vaccinations_by_manufacturer.csv")
H_MPOX_WORLD = header("Monkey_Pox_Cases_Worldwide.csv")
H_MPOX_CASES = header("Worldwide_Case_Detection_Timeline.csv")
H_TIME_SERIES = [*header("time_series_covid19_confirmed_global.csv"), *map(time_series_date, jhu_days())]


# ---------------------------------------------------------------------------- main


def main(out: Path) -> None:
    covid, mpox = out / "covid19", out / "mpox"
    series = build_jhu()
    grouped = group_by_country(series)
    wm = wm_series(grouped)
    vax_rows, vax_totals = build_vaccinations()
    daily = mpox_daily()
    outputs: list[tuple[Path, Sequence[str], list[Row]]] = [
        (covid / "covid_19_clean_complete.csv", H_CLEAN, clean_complete_rows(series)),
        (covid / "full_grouped.csv", H_FULL, full_grouped_rows(grouped)),
        (covid / "day_wise.csv", H_DAY, day_wise_rows(grouped)),
        (covid / "country_wise_latest.csv", H_LATEST, country_wise_rows(grouped)),
        (covid / "worldometer_data.csv", H_WM_DATA, wm_snapshot_rows(wm)),
        (
            covid / "worldometer_coronavirus_daily_data.csv",
            H_WM_DAILY,
            wm_daily_rows(wm),
        ),
        (
            covid / "worldometer_coronavirus_summary_data.csv",
            H_WM_SUMMARY,
            wm_summary_rows(wm),
        ),
        (covid / "country_vaccinations.csv", H_VAX, vax_rows),
        (
            covid / "country_vaccinations_by_manufacturer.csv",
            H_MANUFACTURER,
            manufacturer_rows(vax_totals),
        ),
        (
            mpox / "Daily_Country_Wise_Confirmed_Cases.csv",
            ["Country", *MPOX_DATES],
            mpox_wide_rows(daily),
        ),
        (
            mpox / "Monkey_Pox_Cases_Worldwide.csv",
            H_MPOX_WORLD,
            mpox_worldwide_rows(daily),
        ),
        (mpox / "Worldwide_Case_Detection_Timeline.csv", H_MPOX_CASES, mpox_line_list_rows(daily)),
    ]
    for measure, name in enumerate(("confirmed", "deaths", "recovered")):
        path = covid / f"time_series_covid19_{name}_global.csv"
        outputs.append((path, H_TIME_SERIES, time_series_rows(series, measure)))
    for path, header, rows in outputs:
        count = write_csv(path, header, rows)
        print(f"{path.relative_to(out)}: {count} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
