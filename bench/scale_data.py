"""Scaled input for the cost curve: every file the catalog knows, made N times longer, formats kept.

    python -m bench.scale_data --factor N --out DIR [--data-dir ../shared/data]

Driven by the catalog (ingest/catalog.yml), not by file names, so a new source scales too. Copy k
(k = 0 .. N-1) of a file shifts every date by k x (the file's date span + 1 day), so the copies follow one
another without a gap or an overlap:

- long files with a date column (daily series, and `feeds: none` files such as day_wise.csv): the data
  lines are written N times, dates shifted. Cumulative columns continue: copy k adds k x the series'
  last value (per the catalog `key` without its date, e.g. per country and province), which is the last
  value of copy k-1, so a non-decreasing series stays non-decreasing; every other value (new/daily
  counts, rates, names) is copied as is.
- line lists: the same, without cumulative columns (one row per case, dates shifted).
- wide files: the id columns once, then N times the date columns (headers shifted, written in the
  file's `date_format`); cumulative cells continue per row as above, other cells are copied.
- snapshots (long files without a date column: worldometer_data.csv, country_wise_latest.csv, ...):
  copied as is. Their key is the location alone, so a repeated row would be quarantined as a duplicate;
  those with `dated_by` are dated by their daily series, whose last date moves with the copies.
- files the catalog does not know (reference/*.json, READMEs): copied as is.

Cumulative columns are the standard columns of type `count` with `min: 0` that the vocabulary describes
as counts "to date" (or whose name ends in `_cumulative`), plus those bounded by one (`at_most`):
cases/deaths/recovered_cumulative, doses_total, people_vaccinated, people_fully_vaccinated.

Formats are kept: copy 0 is the input file byte for byte (so factor 1 is a byte-identical copy); in
later copies only dates and cumulative values are rewritten, every other field keeps its bytes (quotes
included). A date keeps its separator and the file's padding (`2020-9-08`: month unpadded, day padded);
a cumulative value keeps its decimals (`351799.0`); a value that is not a whole number, and a line that
does not split into the header's fields, is copied as is. Copies after the first are written from
Arrow arrays built once from the input, so only one copy of one file is in memory at a time.

Limits, by construction of "N times longer": late copies have dates after today, and the ELT
quarantines them ("after the load date"); with a two-digit year (M/D/YY) dates past 2068 read back as
19xx (before the epidemic). The output folder holds `.scale.json` (rows and bytes per file), which
`bench/bench_curve.py` uses to reuse a generated folder.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import shutil
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.catalog import Catalog, DateFormat, SourceFile, catalog
from ingest.discovery import discover
from ingest.warehouse import PROJECT_ROOT

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data"
MANIFEST = ".scale.json"
# A raw field: quoted (quotes doubled inside) or not; kept with its quotes.
_FIELD = re.compile(r'"(?:[^"]|"")*"|[^,"]*')
_WHOLE = re.compile(r"^(-?[0-9]+)((?:\.0*)?)$")  # 12, 12.0, -3.00: a whole number and its decimals


def cumulative_columns(current: Catalog) -> frozenset[str]:
    """The standard columns whose values are counts to date (see the module docstring)."""
    vocabulary = current.vocabulary

    def cumulative(name: str, seen: tuple[str, ...] = ()) -> bool:
        spec = vocabulary.get(name) or {}
        if spec.get("type") != "count" or spec.get("min") != 0 or name in seen:
            return False
        if name.endswith("_cumulative") or "to date" in str(spec.get("description", "")):
            return True
        bound = spec.get("at_most")
        return bool(bound) and cumulative(str(bound), (*seen, name))

    return frozenset(name for name in vocabulary if cumulative(name))


@dataclass(frozen=True)
class DateStyle:
    """How one file writes its dates: the declared format, plus the padding it uses where the format
    allows either (YYYY-MM-DD accepts 2020-2-15 and 2021/1/5)."""

    format: DateFormat
    pad_month: bool
    pad_day: bool

    @classmethod
    def infer(cls, fmt: DateFormat, texts: Iterable[str]) -> DateStyle:
        seen = {"M": set(), "D": set()}  # "0": written zero-padded, "1": a single digit
        for text in texts:
            parts = _parts(fmt, text.strip())
            for letter in ("M", "D"):
                part = parts.get(letter, "") if parts else ""
                if len(part) == 1:
                    seen[letter].add("1")
                elif part.startswith("0"):
                    seen[letter].add("0")
        # Padded unless only single digits were seen (both seen: padding wins, as a parser reads either).
        return cls(fmt, seen["M"] != {"1"}, seen["D"] != {"1"})

    def write(self, day: date, separator: str) -> str:
        if not self.format.separators:
            return day.strftime("%Y%m%d")
        year = f"{day.year % 100:02d}" if self.format.two_digit_year else f"{day.year:04d}"
        month = f"{day.month:02d}" if self.pad_month else str(day.month)
        dom = f"{day.day:02d}" if self.pad_day else str(day.day)
        values = {"Y": year, "M": month, "D": dom}
        return separator.join(values[letter] for letter in self.format.order)


def _parts(fmt: DateFormat, text: str) -> dict[str, str] | None:
    if fmt.to_date(text) is None:
        return None
    if not fmt.separators:
        return dict(zip(fmt.order, (text[:4], text[4:6], text[6:]), strict=True))
    return dict(zip(fmt.order, re.split("[" + re.escape(fmt.separators) + "]", text), strict=True))


def _separator(text: str) -> str:
    found = re.search(r"[-/.]", text)
    return found.group() if found else ""


class DateShifter:
    """Shifts the dates of one column (or header) by whole days, each written in its file's style."""

    def __init__(self, fmt: DateFormat, texts: Iterable[str]) -> None:
        self.texts = list(dict.fromkeys(texts))
        self.style = DateStyle.infer(fmt, self.texts)
        self.dates = {text: fmt.to_date(text) for text in self.texts}

    def span(self) -> tuple[date, date] | None:
        known = [day for day in self.dates.values() if day is not None]
        return (min(known), max(known)) if known else None

    def shift(self, text: str, days: int) -> str:
        day = self.dates.get(text)
        if day is None:  # not a date in the declared format: copied as is (quarantined, as in the input)
            return text
        stripped = text.strip()
        written = self.style.write(day + timedelta(days=days), _separator(stripped))
        return text.replace(stripped, written)


def split_fields(line: str) -> list[str] | None:
    """The line's fields as written (quotes kept), or None when it is not a well-formed CSV record."""
    if '"' not in line:
        return line.split(",")
    fields, position = [], 0
    while True:
        match = _FIELD.match(line, position)
        if match is None:  # pragma: no cover - the pattern matches the empty string
            return None
        fields.append(match.group())
        position = match.end()
        if position == len(line):
            return fields
        if line[position] != ",":
            return None
        position += 1
        if position == len(line):
            fields.append("")
            return fields


def _whole(text: str) -> tuple[int, str] | None:
    """(value, decimals as written) of a whole number such as `12` or `351799.0`, else None."""
    match = _WHOLE.match(text)
    return (int(match.group(1)), match.group(2)) if match else None


@dataclass
class Scaled:
    rows: int
    bytes: int
    how: str


def _decode(path: Path) -> tuple[str, list[str], str]:
    """(header line, data lines, line ending) of a CSV file: the input is a few MB at most."""
    text = path.read_bytes().decode("utf-8")
    newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1] else "\n"
    lines = text.split(newline)
    if lines and lines[-1] == "":
        lines.pop()
    return lines[0], lines[1:], newline


def _header_names(header_line: str) -> list[str]:
    return next(csv.reader([header_line.lstrip("\ufeff")]))


def _series_keys(spec: SourceFile, names: list[str], rows: list[list[str]]) -> list[tuple[str, ...]]:
    """Each row's series: the values of the catalog key without its dates (the whole file when none)."""
    by_name = {column.name: column.header for column in spec.columns}
    dates = {column.name for column in spec.columns if column.type == "date"}
    headers = [by_name[name] for name in spec.key if name not in dates and by_name.get(name) in names]
    if not headers:
        headers = [by_name[n] for n in ("location_name", "province_name") if by_name.get(n) in names]
    indexes = [names.index(header) for header in headers]
    return [tuple(row[i] for i in indexes) for row in rows]


def _copy_bytes(out_path: Path, chunks: Iterable[str | bytes | memoryview]) -> int:
    size = 0
    with out_path.open("wb") as out:
        for chunk in chunks:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
            out.write(data)
            size += len(data)
    return size


def _array_bytes(array: pa.Array) -> memoryview:
    """The concatenated values of a string array without nulls, without copying them."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + len(array) + 1]
    return memoryview(array.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def scale_long(spec: SourceFile, source: Path, out_path: Path, factor: int, cumulative: frozenset[str]) -> Scaled:
    """A long file or line list: the data lines N times, dates shifted, cumulative columns continued."""
    header_line, lines, newline = _decode(source)
    names = _header_names(header_line)
    date_columns = [c for c in spec.columns if c.type == "date" and c.header in names]
    if not date_columns or factor == 1:
        shutil.copyfile(source, out_path)
        return Scaled(len(lines) * (factor if date_columns else 1), out_path.stat().st_size, "copied")
    split = [split_fields(line) for line in lines]
    regular = [fields is not None and len(fields) == len(names) for fields in split]
    rows = [fields if ok else [""] * len(names) for fields, ok in zip(split, regular, strict=True)]
    columns = [pa.array([row[i] for row in rows], pa.string()) for i in range(len(names))]
    whole_lines = pa.array(lines, pa.string())
    is_regular = pa.array(regular, pa.bool_())

    shifters, first, last = {}, None, None
    for column in date_columns:
        index = names.index(column.header)
        shifter = DateShifter(DateFormat.parse(column.date_format), columns[index].unique().to_pylist())
        shifters[index] = shifter
        if (span := shifter.span()) is not None:
            first = min(first or span[0], span[0])
            last = max(last or span[1], span[1])
    step = (last - first).days + 1 if first and last else 1

    # Cumulative columns: value, decimals as written, and the series' last value (at its latest date).
    continued = {}
    day_index = names.index(date_columns[0].header)
    day_of = shifters[day_index].dates
    series = _series_keys(spec, names, rows)
    for column in spec.columns:
        if column.name not in cumulative or column.header not in names:
            continue
        index = names.index(column.header)
        parsed = [_whole(row[index]) if ok else None for row, ok in zip(rows, regular, strict=True)]
        latest: dict[tuple[str, ...], tuple[date, int]] = {}
        for key, row, value in zip(series, rows, parsed, strict=True):
            day = day_of.get(row[day_index])
            if value is not None and day is not None and (key not in latest or day >= latest[key][0]):
                latest[key] = (day, value[0])
        continued[index] = (
            pa.array([value[0] if value else 0 for value in parsed], pa.int64()),
            pa.array([value[1] if value else "" for value in parsed], pa.string()),
            pa.array([key in latest for key in series], pa.bool_()),
            pa.array([latest[key][1] if key in latest else 0 for key in series], pa.int64()),
            pa.array([value is not None for value in parsed], pa.bool_()),
        )

    encoded = {index: columns[index].dictionary_encode() for index in shifters}

    def copy(k: int) -> memoryview:
        fields = list(columns)
        for index, shifter in shifters.items():
            dictionary = encoded[index]
            shifted = pa.array([shifter.shift(text, k * step) for text in dictionary.dictionary.to_pylist()])
            fields[index] = pc.take(shifted, dictionary.indices)
        for index, (values, decimals, has_last, last_value, whole) in continued.items():
            total = pc.add(values, pc.multiply(last_value, pa.scalar(k, pa.int64())))
            text = pc.binary_join_element_wise(pc.cast(total, pa.string()), decimals, "")
            fields[index] = pc.if_else(pc.and_(whole, has_last), text, columns[index])
        joined = pc.if_else(is_regular, pc.binary_join_element_wise(*fields, ","), whole_lines)
        return _array_bytes(pc.binary_join_element_wise(joined, pa.scalar(""), newline))

    original = source.read_bytes()
    if not original.endswith(b"\n"):
        original += newline.encode()
    size = _copy_bytes(out_path, [original, *(copy(k) for k in range(1, factor))])
    return Scaled(len(lines) * factor, size, "scaled")


def scale_wide(spec: SourceFile, source: Path, out_path: Path, factor: int, cumulative: frozenset[str]) -> Scaled:
    """A wide file: the id columns once, the date columns N times (headers shifted, cumulative continued)."""
    fmt = spec.header_date_format
    assert fmt is not None  # noqa: S101 - a wide entry always has one (ingest/catalog.py checks it)
    header_line, lines, newline = _decode(source)
    names = _header_names(header_line)
    dated = [i for i, name in enumerate(names) if name not in spec.required_columns and fmt.to_date(name)]
    if factor == 1 or not dated:
        shutil.copyfile(source, out_path)
        return Scaled(len(lines), out_path.stat().st_size, "copied")
    raw_header = split_fields(header_line) or names
    shifter = DateShifter(fmt, [names[i] for i in dated])
    span = shifter.span()
    step = (span[1] - span[0]).days + 1 if span else 1
    order = sorted(dated, key=lambda i: shifter.dates[names[i]])  # the last value is the latest date's
    continues = spec.values in cumulative

    def header() -> str:
        shifted = [shifter.shift(names[i], k * step) for k in range(1, factor) for i in dated]
        return ",".join([header_line, *shifted]) + newline

    def body() -> Iterable[str]:
        for line in lines:
            fields = split_fields(line)
            if fields is None or len(fields) != len(raw_header):  # rejected by the reader, as in the input
                yield line + newline
                continue
            parsed = {i: _whole(fields[i]) for i in dated}
            last_value = next((parsed[i][0] for i in reversed(order) if parsed[i] is not None), None)
            extra = []
            for k in range(1, factor):
                for i in dated:
                    value = parsed[i]
                    if continues and value is not None and last_value is not None:
                        extra.append(f"{value[0] + k * last_value}{value[1]}")
                    else:
                        extra.append(fields[i])
            yield ",".join([line, *extra]) + newline

    size = _copy_bytes(out_path, [header(), *body()])
    return Scaled(len(lines), size, "scaled")


def append_day(spec: SourceFile, path: Path) -> None:
    """Add one day after the file's last date, in its format (the bench's one-small-file change): a wide
    file gets a date column repeating its last one; a long file or line list, its last day's lines again."""
    header_line, lines, newline = _decode(path)
    names = _header_names(header_line)
    fmt = spec.header_date_format
    if spec.layout == "wide" and fmt is not None:
        dated = [i for i, name in enumerate(names) if name not in spec.required_columns and fmt.to_date(name)]
        shifter = DateShifter(fmt, [names[i] for i in dated])
        latest = max(dated, key=lambda i: shifter.dates[names[i]])
        added = [f"{header_line},{shifter.shift(names[latest], 1)}"]
        for line in lines:
            fields = split_fields(line) or []
            added.append(f"{line},{fields[latest] if len(fields) == len(names) else ''}")
        path.write_text(newline.join(added) + newline, encoding="utf-8")
        return
    column = next(c for c in spec.columns if c.type == "date" and c.header in names)
    index = names.index(column.header)
    rows = [fields for fields in map(split_fields, lines) if fields is not None and len(fields) == len(names)]
    shifter = DateShifter(DateFormat.parse(column.date_format), [row[index] for row in rows])
    last = max(day for day in shifter.dates.values() if day is not None)
    extra = []
    for row in rows:
        if shifter.dates.get(row[index]) == last:
            extra.append(",".join([*row[:index], shifter.shift(row[index], 1), *row[index + 1 :]]))
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(newline.join(extra) + newline)


def source_signature(data_dir: Path) -> str:
    """What a scaled folder was made from: this generator, the catalog, and the input files' sizes and times."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(catalog().path.read_bytes())
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(data_dir)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def scale(data_dir: Path, out: Path, factor: int) -> dict[str, Scaled]:
    """Write every file of `data_dir` into `out`, catalog files N times longer; returns what was written."""
    if factor < 1:
        raise ValueError("the factor is a whole number >= 1")
    data_dir, out = data_dir.resolve(), out.resolve()
    current = catalog()
    cumulative = cumulative_columns(current)
    found = {path: current.by_file_name[name] for name, path in discover(data_dir).found.items()}
    (out / MANIFEST).unlink(missing_ok=True)
    written: dict[str, Scaled] = {}
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(data_dir)
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        spec = found.get(path)
        if spec is None:
            shutil.copyfile(path, target)
            written[relative.as_posix()] = Scaled(0, target.stat().st_size, "copied")
            continue
        scaler = scale_wide if spec.layout == "wide" else scale_long
        written[relative.as_posix()] = scaler(spec, path, target, factor, cumulative)
    manifest = {
        "factor": factor,
        "source": str(data_dir),
        "signature": source_signature(data_dir),
        "files": {name: vars(item) for name, item in written.items()},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return written


def read_manifest(out: Path) -> dict | None:
    try:
        return json.loads((out / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    written = scale(args.data_dir, args.out, args.factor)
    seconds = time.perf_counter() - started
    for name, item in written.items():
        print(f"  {name}: {item.how}, {item.rows:,} rows, {item.bytes / 1e6:.1f} MB")
    total = sum(item.bytes for item in written.values())
    print(f"{args.factor}x of {args.data_dir} -> {args.out}: {total / 1e6:.1f} MB in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
