"""The scaled input for the cost curve (bench/scale_data.py), on the shipped sample: no ELT run here."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from bench.scale_data import cumulative_columns, read_manifest, scale, split_fields
from ingest.catalog import DateFormat, SourceFile, catalog
from ingest.reader import identify, read_table
from tests.conftest import SAMPLE_DIR

FACTOR = 3
CATALOG = catalog()
CUMULATIVE = cumulative_columns(CATALOG)
SAMPLE_FILES = sorted(p for p in SAMPLE_DIR.rglob("*.csv") if p.name in CATALOG.by_file_name)


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scaled")
    scale(SAMPLE_DIR, out, FACTOR)
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _spec(path: Path) -> SourceFile:
    return CATALOG.by_file_name[path.name]


def test_cumulative_columns_come_from_the_vocabulary() -> None:
    assert {"cases_cumulative", "deaths_cumulative", "recovered_cumulative", "doses_total"} <= CUMULATIVE
    assert {"people_vaccinated", "people_fully_vaccinated"} <= CUMULATIVE
    assert not {"cases_new", "doses_daily_smoothed", "countries_reporting", "active_cases"} & CUMULATIVE


def test_factor_one_is_a_byte_identical_copy(tmp_path: Path) -> None:
    scale(SAMPLE_DIR, tmp_path, 1)
    for source in sorted(p for p in SAMPLE_DIR.rglob("*") if p.is_file()):
        assert (tmp_path / source.relative_to(SAMPLE_DIR)).read_bytes() == source.read_bytes(), source.name


def test_every_file_is_written_and_the_manifest_counts_rows(scaled: Path) -> None:
    manifest = read_manifest(scaled)
    assert manifest is not None and manifest["factor"] == FACTOR
    for source in SAMPLE_FILES:
        relative = source.relative_to(SAMPLE_DIR).as_posix()
        output = scaled / relative
        spec = _spec(source)
        rows_in, rows_out = len(_rows(source)), len(_rows(output))
        dated = spec.layout != "wide" and any(c.type == "date" for c in spec.columns)
        assert rows_out == rows_in * (FACTOR if dated else 1), relative
        assert manifest["files"][relative]["rows"] == rows_out
        if spec.layout != "wide":  # (a wide file's lines grow: checked below)
            assert output.read_bytes().startswith(source.read_bytes()), f"{relative}: copy 0 is the input as is"
    assert (scaled / "README.md").read_bytes() == (SAMPLE_DIR / "README.md").read_bytes()


@pytest.mark.parametrize("source", [p for p in SAMPLE_FILES if _spec(p).layout != "wide"], ids=lambda p: p.name)
def test_long_files_dates_continue_in_their_format(scaled: Path, source: Path) -> None:
    spec = _spec(source)
    date_columns = [c for c in spec.columns if c.type == "date"]
    if not date_columns:
        assert (scaled / source.relative_to(SAMPLE_DIR)).read_bytes() == source.read_bytes(), "snapshots are copied"
        return
    column = date_columns[0]
    fmt = DateFormat.parse(column.date_format)
    original, output = _rows(source), _rows(scaled / source.relative_to(SAMPLE_DIR))
    days = [fmt.to_date(row[column.header]) for row in original]
    assert None not in days
    step = (max(days) - min(days)).days + 1
    separators = {text[4:5] for text in (row[column.header] for row in original)}
    for k in range(FACTOR):
        copy = output[k * len(original) : (k + 1) * len(original)]
        for before, after in zip(original, copy, strict=True):
            written = after[column.header]
            assert fmt.to_date(written) == fmt.to_date(before[column.header]) + timedelta(days=k * step), written
            assert len(written) - len(before[column.header]) in (-1, 0, 1)  # padding kept (10 vs 9, ...)
            assert written[4:5] in separators
            for name in after:  # every field that is neither a date nor cumulative is copied as is
                standard = next((c.name for c in spec.columns if c.header == name), None)
                if standard not in CUMULATIVE and name != column.header:
                    assert after[name] == before[name], name
    all_days = [fmt.to_date(row[column.header]) for row in output]
    keys = [c.header for c in spec.columns if c.name in spec.key]
    if keys:  # the key (with its date) stays unique: copies never overlap
        assert len({tuple(row[h] for h in keys) for row in output}) == len(output)
    assert max(all_days) - min(all_days) == timedelta(days=FACTOR * step - 1)


def test_worldometer_dates_keep_their_padding(scaled: Path) -> None:
    rows = _rows(scaled / "covid19" / "worldometer_coronavirus_daily_data.csv")
    assert "2020-4-05" in {row["date"] for row in rows}, "month unpadded, day padded, as the publisher writes"
    rows = _rows(scaled / "covid19" / "country_vaccinations_by_manufacturer.csv")
    assert all(row["date"].count("/") == 2 and "/0" not in row["date"] for row in rows)


@pytest.mark.parametrize("source", [p for p in SAMPLE_FILES if _spec(p).layout == "long"], ids=lambda p: p.name)
def test_cumulative_series_continue(scaled: Path, source: Path) -> None:
    spec = _spec(source)
    headers = [c.header for c in spec.columns if c.name in CUMULATIVE]
    dates = [c for c in spec.columns if c.type == "date"]
    if not headers or not dates:
        return
    fmt, day = DateFormat.parse(dates[0].date_format), dates[0].header
    series = [c.header for c in spec.columns if c.name in spec.key and c.type != "date"]
    output = _rows(scaled / source.relative_to(SAMPLE_DIR))
    original = _rows(source)
    for header in headers:
        by_series: dict[tuple, list[tuple]] = defaultdict(list)
        for row in output:
            if row[header].strip():
                by_series[tuple(row[h] for h in series)].append((fmt.to_date(row[day]), float(row[header])))
        for points in by_series.values():
            points.sort()
            assert points[-1][1] >= points[0][1]
        # The first value of copy 1 is the first of copy 0 plus the last of copy 0 (per series).
        first_in, first_out = original[0], output[len(original)]
        if first_in[header].strip():
            key = tuple(first_in[h] for h in series)
            last = max(
                ((fmt.to_date(r[day]), float(r[header])) for r in original if r[header].strip() and
                 tuple(r[h] for h in series) == key),
            )[1]  # fmt: skip
            assert float(first_out[header]) == float(first_in[header]) + last
            decimals = first_in[header].partition(".")[2]
            assert first_out[header].partition(".")[2] == decimals, "decimals as written"


@pytest.mark.parametrize("source", [p for p in SAMPLE_FILES if _spec(p).layout == "wide"], ids=lambda p: p.name)
def test_wide_files_get_n_times_the_date_columns(scaled: Path, source: Path) -> None:
    spec = _spec(source)
    fmt = spec.header_date_format
    assert fmt is not None
    with source.open(encoding="utf-8") as handle:
        header_in = next(csv.reader(handle))
    output = list(csv.reader((scaled / source.relative_to(SAMPLE_DIR)).open(encoding="utf-8")))
    header_out, rows = output[0], output[1:]
    ids = [h for h in header_in if h in spec.required_columns]
    dates_in = [h for h in header_in if h not in ids]
    dates_out = [fmt.to_date(h) for h in header_out[len(ids) :]]
    assert header_out[: len(header_in)] == header_in
    assert len(dates_out) == FACTOR * len(dates_in) and None not in dates_out
    assert dates_out == sorted(dates_out) and len(set(dates_out)) == len(dates_out)
    assert all(len(row) == len(header_out) for row in rows)
    if spec.values in CUMULATIVE:
        for row in rows:
            values = [int(v) for v in row[len(ids) :] if v]
            assert values == sorted(values) or values[-1] >= values[len(dates_in) - 1]
            last = int(row[len(header_in) - 1] or 0)
            assert int(row[len(header_in)]) == int(row[len(ids)]) + last


@pytest.mark.parametrize("source", SAMPLE_FILES, ids=lambda p: p.name)
def test_the_elt_reader_accepts_every_scaled_file(scaled: Path, source: Path, tmp_path: Path) -> None:
    path = scaled / source.relative_to(SAMPLE_DIR)
    parsed = read_table(identify(path, scaled), _spec(source), "bench-test", tmp_path)
    assert not parsed.rejected
    assert parsed.rows == len(_rows(path))


def test_split_fields_keeps_quotes() -> None:
    assert split_fields('a,"b, c",,"d ""e"""') == ["a", '"b, c"', "", '"d ""e"""']
    assert split_fields('a,"b') is None
