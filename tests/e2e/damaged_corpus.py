"""A corpus of damaged input files, each with the outcome it must have and the rows that must survive.

Every case is a small file in the format of a known publisher file (the catalog entry it copies), with
one kind of damage. `Expected` says what the run must do with it: reject the whole file (only when it
cannot be read at all) or load it with some lines rejected, some rows quarantined or held back, and the
good rows published.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass

FULL_GROUPED = "full_grouped.csv"
TIME_SERIES = "time_series_covid19_confirmed_global.csv"
LINE_LIST = "Worldwide_Case_Detection_Timeline.csv"
BY_MANUFACTURER = "country_vaccinations_by_manufacturer.csv"
SNAPSHOT = "worldometer_data.csv"
MPOX_WIDE = "Daily_Country_Wise_Confirmed_Cases.csv"

FG_HEADER = b"Date,Country/Region,Confirmed,Deaths,Recovered,Active,New cases,New deaths,New recovered,WHO Region\n"
FG_ROWS = [
    b"2020-03-01,France,10,1,0,9,10,1,0,Europe\n",
    b"2020-03-02,France,20,2,0,18,10,1,0,Europe\n",
    b"2020-03-03,France,30,3,1,26,10,1,1,Europe\n",
]
FG_GOOD = FG_HEADER + b"".join(FG_ROWS)


def fg(*rows: bytes) -> bytes:
    """The good full_grouped file with extra rows appended."""
    return FG_GOOD + b"".join(rows)


def fg_row(
    date: bytes = b"2020-03-04", country: bytes = b"France", confirmed: bytes = b"40", deaths: bytes = b"4"
) -> bytes:
    return b"%s,%s,%s,%s,1,35,10,1,0,Europe\n" % (date, country, confirmed, deaths)


TS_HEADER = b"Province/State,Country/Region,Lat,Long,3/1/20,3/2/20,3/3/20\n"
LL_HEADER = (
    b"Date_confirmation,Country,City,Age,Gender,Symptoms,"
    b"Hospitalised (Y/N/NA),Isolated (Y/N/NA),Travel_history (Y/N/NA)\n"
)
LL_GOOD = LL_HEADER + b"2022-05-06,Spain,,,,,,,\n2022-05-06,Spain,,,,,,,\n2022-05-07,Portugal,,,,,,,\n"
VM_HEADER = b"location,date,vaccine,total_vaccinations\n"


def vm_good(country: bytes) -> bytes:
    """Two good rows; each case uses its own country (the vaccination facts are keyed by place and day)."""
    return VM_HEADER + b"%s,2021/1/5,Moderna,10\n%s,2021/1/6,Moderna,20\n" % (country, country)


WM_HEADER = (
    b"Country/Region,Continent,Population,TotalCases,NewCases,TotalDeaths,NewDeaths,TotalRecovered,NewRecovered,"
    b'ActiveCases,"Serious,Critical",Tot Cases/1M pop,Deaths/1M pop,TotalTests,Tests/1M pop,WHO Region\n'
)


def wm_row(country: bytes, cases: bytes, deaths: bytes = b"10") -> bytes:
    return b"%s,Europe,1000000,%s,,%s,,5,,0,1,1,1,100,100,Europe\n" % (country, cases, deaths)


@dataclass(frozen=True)
class Case:
    name: str
    damage: str  # the class of damage
    base: str  # the catalog entry whose format the file has
    content: bytes
    rejected_file: str | None = None  # the whole file is refused: this text is in the error
    raw_rows: int | None = None
    rejected_lines: int = 0
    quarantined_rows: int = 0
    reason: str | None = None  # in qa_quarantine for this file (line, row, cell or series level)
    published: int | None = None  # rows of fct_epidemic_daily (daily files) or of the fact the file feeds


CASES: tuple[Case, ...] = (
    Case("clean", "control", FULL_GROUPED, FG_GOOD, raw_rows=3, published=3),
    # ---- ragged rows and structure: the line alone is rejected
    Case(
        "too_few_fields",
        "ragged",
        FULL_GROUPED,
        fg(b"2020-03-04,France,40\n"),
        raw_rows=3,
        rejected_lines=1,
        reason="expected 10 fields, found 3",
        published=3,
    ),
    Case(
        "too_many_fields",
        "ragged",
        FULL_GROUPED,
        fg(fg_row().replace(b"Europe", b"Europe,extra")),
        raw_rows=3,
        rejected_lines=1,
        reason="expected 10 fields, found 11",
        published=3,
    ),
    Case(
        "last_line_cut",
        "ragged",
        FULL_GROUPED,
        fg(b"2020-03-04,France,4"),
        raw_rows=3,
        rejected_lines=1,
        reason="last line cut short",
        published=3,
    ),
    Case(
        "repeated_header",
        "header damage",
        FULL_GROUPED,
        FG_GOOD + FG_HEADER + fg_row(),
        raw_rows=4,
        rejected_lines=1,
        reason="repeats the header line",
        published=4,
    ),
    Case(
        "unbalanced_quote",
        "quoting",
        FULL_GROUPED,
        fg(b'2020-03-04,"France,40,4,1,35,10,1,0,Europe\n', fg_row(b"2020-03-05")),
        raw_rows=4,
        rejected_lines=1,
        reason="unbalanced quote",
        published=4,
    ),
    Case("quoted_comma", "quoting", FULL_GROUPED, fg(fg_row(country=b'"Korea, South"')), raw_rows=4, published=4),
    Case(
        "nul_byte",
        "control characters",
        FULL_GROUPED,
        fg(fg_row(country=b"Fra\x00nce")),
        raw_rows=3,
        rejected_lines=1,
        reason="control character 0x00",
        published=3,
    ),
    Case(
        "bell_character",
        "control characters",
        FULL_GROUPED,
        fg(fg_row(country=b"Fra\x07nce")),
        raw_rows=3,
        rejected_lines=1,
        reason="control character 0x07",
        published=3,
    ),
    Case(
        "tab_around_name",
        "control characters",
        FULL_GROUPED,
        fg(fg_row(country=b"\tFrance\t", date=b"2020-03-04")),
        raw_rows=4,
        published=4,
    ),
    Case(
        "no_break_space",
        "encoding",
        FULL_GROUPED,
        fg(fg_row(country="\u00a0France\u00a0".encode())),
        raw_rows=4,
        published=4,
    ),
    Case(
        "crlf_and_bom",
        "encoding",
        FULL_GROUPED,
        b"\xef\xbb\xbf" + FG_GOOD.replace(b"\n", b"\r\n"),
        raw_rows=3,
        published=3,
    ),
    Case("trailing_blank_lines", "trailing blank lines", FULL_GROUPED, FG_GOOD + b"\n\n\n", raw_rows=3, published=3),
    Case(
        "blank_line_inside",
        "trailing blank lines",
        FULL_GROUPED,
        FG_HEADER + FG_ROWS[0] + b"\n" + FG_ROWS[1],
        raw_rows=3,
        quarantined_rows=1,
        reason="required value is empty",
        published=2,
    ),
    Case(
        "huge_line",
        "huge lines",
        FULL_GROUPED,
        fg(fg_row().replace(b"Europe", b"E" * 3_000_000)),
        raw_rows=4,
        quarantined_rows=1,
        reason="characters, more than 200",
        published=3,
    ),
    # ---- values: the row is quarantined with the reason, the others publish
    Case(
        "negative_total",
        "negative values",
        FULL_GROUPED,
        fg(fg_row(confirmed=b"-5", deaths=b"0")),
        raw_rows=4,
        quarantined_rows=1,
        reason="'-5' is below 0",
        published=3,
    ),
    Case(
        "not_a_number",
        "non-numeric values",
        FULL_GROUPED,
        fg(fg_row(confirmed=b"12x")),
        raw_rows=4,
        quarantined_rows=1,
        reason="'12x' is not a whole number",
        published=3,
    ),
    Case(
        "fractional_count",
        "non-numeric values",
        FULL_GROUPED,
        fg(fg_row(confirmed=b"40.5")),
        raw_rows=4,
        quarantined_rows=1,
        reason="is not a whole number",
        published=3,
    ),
    Case(
        "scientific_notation",
        "non-numeric values",
        FULL_GROUPED,
        fg(fg_row(confirmed=b"4.0e+01")),
        raw_rows=4,
        published=4,
    ),
    Case(
        "future_date",
        "impossible and future dates",
        FULL_GROUPED,
        fg(fg_row(date=b"2099-01-01")),
        raw_rows=4,
        quarantined_rows=1,
        reason="after the load date",
        published=3,
    ),
    Case(
        "before_the_epidemic",
        "impossible and future dates",
        FULL_GROUPED,
        fg(fg_row(date=b"2019-06-01")),
        raw_rows=4,
        quarantined_rows=1,
        reason="before covid19 began",
        published=3,
    ),
    Case(
        "impossible_date",
        "impossible and future dates",
        FULL_GROUPED,
        fg(fg_row(date=b"2020-02-30")),
        raw_rows=4,
        quarantined_rows=1,
        reason="is not a date",
        published=3,
    ),
    Case(
        "ambiguous_date",
        "impossible and future dates",
        FULL_GROUPED,
        fg(fg_row(date=b"03/04/2020")),
        raw_rows=4,
        quarantined_rows=1,
        reason="is not a date (YYYY-MM-DD)",
        published=3,
    ),
    Case(
        "duplicate_line",
        "duplicates",
        FULL_GROUPED,
        fg(FG_ROWS[0]),
        raw_rows=4,
        quarantined_rows=1,
        reason="repeats the key",
        published=3,
    ),
    Case(
        "conflicting_key",
        "conflicting keys",
        FULL_GROUPED,
        fg(fg_row(date=b"2020-03-01", confirmed=b"99")),
        raw_rows=4,
        quarantined_rows=1,
        reason="repeats the key",
        published=3,
    ),
    Case(
        "deaths_above_cases",
        "conflicting keys",
        FULL_GROUPED,
        fg(fg_row(confirmed=b"40", deaths=b"50")),
        raw_rows=4,
        quarantined_rows=1,
        reason="is above Confirmed",
        published=3,
    ),
    Case(
        "empty_required",
        "non-numeric values",
        FULL_GROUPED,
        fg(fg_row(country=b"")),
        raw_rows=4,
        quarantined_rows=1,
        reason="Country/Region: required value is empty",
        published=3,
    ),
    Case(
        "unknown_name",
        "unknown names",
        FULL_GROUPED,
        fg(fg_row(country=b"Atlantis")),
        raw_rows=4,
        quarantined_rows=1,
        reason="unresolved location: Atlantis",
        published=3,
    ),
    # ---- whole file unreadable: refused, the previous rows (none here) stay
    Case("empty_file", "header damage", FULL_GROUPED, b"", rejected_file="file is empty"),
    Case("header_only", "header damage", FULL_GROUPED, FG_HEADER, rejected_file="header only"),
    Case(
        "missing_column",
        "header damage",
        FULL_GROUPED,
        FG_GOOD.replace(b",WHO Region", b""),
        rejected_file="lacks required column",
    ),
    Case(
        "repeated_column",
        "header damage",
        FULL_GROUPED,
        FG_HEADER.replace(b"\n", b",Date\n") + b"".join(r.replace(b"\n", b",x\n") for r in FG_ROWS),
        rejected_file="repeats column",
    ),
    Case("semicolons", "delimiter", FULL_GROUPED, FG_GOOD.replace(b",", b";"), rejected_file="wrong delimiter"),
    Case("tabs", "delimiter", FULL_GROUPED, FG_GOOD.replace(b",", b"\t"), rejected_file="wrong delimiter"),
    Case("latin1", "encoding", FULL_GROUPED, fg(fg_row(country="Réunion".encode("latin-1"))), rejected_file="UTF-8"),
    Case("utf16", "encoding", FULL_GROUPED, FG_GOOD.decode().encode("utf-16"), rejected_file="binary content"),
    Case("gzip", "gzip under a .csv name", FULL_GROUPED, gzip.compress(FG_GOOD), rejected_file="gzip"),
    Case(
        "html_page",
        "HTML instead of CSV",
        FULL_GROUPED,
        b"<!DOCTYPE html>\n<html><body>Not found</body></html>\n",
        rejected_file="HTML page",
    ),
    Case(
        "lfs_pointer",
        "LFS pointer instead of CSV",
        FULL_GROUPED,
        b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 1234\n",
        rejected_file="Git LFS pointer",
    ),
    Case("every_line_bad", "ragged", FULL_GROUPED, FG_HEADER + b"1,2\n3,4\n", rejected_file="no usable rows"),
    # ---- other layouts
    Case(
        "wide_bad_cell",
        "non-numeric values",
        TIME_SERIES,
        TS_HEADER + b",France,46.2,2.2,1,x,3\n,Spain,40.4,-3.7,1,2,3\n",
        raw_rows=2,
        reason="column 3/2/20: 'x' is not a whole number",
        published=5,
    ),
    Case(
        "wide_negative_cell",
        "negative values",
        TIME_SERIES,
        TS_HEADER + b",France,46.2,2.2,1,-2,3\n",
        raw_rows=1,
        reason="'-2' is below 0",
        published=2,
    ),
    Case(
        "wide_header_not_a_date",
        "header damage",
        TIME_SERIES,
        TS_HEADER.replace(b"3/3/20", b"total") + b",France,1,2,1,2,3\n",
        rejected_file="expects M/D/YY date columns",
    ),
    Case(
        "wide_date_in_last_century",
        "impossible and future dates",
        TIME_SERIES,
        TS_HEADER.replace(b"3/3/20", b"12/31/99") + b",France,46.2,2.2,1,2,3\n",
        raw_rows=1,
        reason="before covid19 began",
        published=2,
    ),
    Case(
        "wide_unknown_name",
        "unknown names",
        TIME_SERIES,
        TS_HEADER + b",France,1,2,1,2,3\n,Narnia,1,2,1,2,3\n",
        raw_rows=2,
        quarantined_rows=1,
        reason="unresolved location: Narnia",
        published=3,
    ),
    Case(
        "line_list_future_case",
        "impossible and future dates",
        LINE_LIST,
        LL_GOOD + b"2099-05-06,Spain,,,,,,,\n",
        raw_rows=4,
        quarantined_rows=1,
        reason="after the load date",
        published=2,
    ),
    Case(
        "line_list_unknown_name",
        "unknown names",
        LINE_LIST,
        LL_GOOD + b"2022-05-07,Lilliput,,,,,,,\n",
        raw_rows=4,
        quarantined_rows=1,
        reason="unresolved location: Lilliput",
        published=2,
    ),
    Case(
        "unknown_vaccine",
        "unknown names",
        BY_MANUFACTURER,
        vm_good(b"France") + b"France,2021/1/7,Elixir,30\n",
        raw_rows=3,
        quarantined_rows=1,
        reason="unknown vaccine: Elixir",
        published=2,
    ),
    Case(
        "absurd_vaccine_name",
        "huge lines",
        BY_MANUFACTURER,
        vm_good(b"Spain") + b"Spain,2021/1/7," + b"Moderna" * 100 + b",30\n",
        raw_rows=3,
        quarantined_rows=1,
        reason="characters, more than 200",
        published=2,
    ),
    Case(
        "snapshot_negative_total",
        "negative values",
        SNAPSHOT,
        WM_HEADER + wm_row(b"France", b"100") + wm_row(b"Spain", b"-1", b"0"),
        raw_rows=2,
        quarantined_rows=1,
        reason="'-1' is below 0",
        published=1,
    ),
)
