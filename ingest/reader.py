"""Read one CSV file into an Arrow table of text columns, exactly as written; reject bad lines alone.

Values are kept byte for byte (empty cells stay empty strings, never NULL); four provenance
columns are appended. Damage confined to a line (a wrong number of fields, a control character, a
repeated header line, a last line cut short) rejects that line only: it is returned with its number,
text and reason, and every other line loads. Only damage that makes the whole file unreadable (not
text, not UTF-8, no or a wrong header, no rows) raises `BadFileError` naming the file and the line.
Invariant: data lines of the file = rows of the table + rejected lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.catalog import SourceFile, raw_column

PROVENANCE_COLUMNS = ("_source_file", "_source_hash", "_source_line", "_load_id")
_UTF8_BOM = b"\xef\xbb\xbf"
# Control characters no value may hold (tab, line feed and carriage return are layout, not content).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A text file has few control characters; past this share of lines, the file is binary, not damaged text.
_BINARY_LINE_SHARE = 0.01
_MAX_LINE_TEXT = 500  # characters of a rejected line kept for the report
_NOT_CSV = (
    (b"\x1f\x8b", "gzip-compressed data, not CSV text: decompress it first"),
    (b"PK\x03\x04", "a ZIP archive, not CSV text: extract the CSV first"),
    (b"version https://git-lfs", "a Git LFS pointer, not the data: fetch the file itself (git lfs pull)"),
    (b"<!doctype html", "an HTML page, not CSV text: download the raw file, not its web page"),
    (b"<html", "an HTML page, not CSV text: download the raw file, not its web page"),
)


class BadFileError(Exception):
    """A file that cannot be loaded; the message names the file and the line."""

    def __init__(self, source_file: str, reason: str, line: int | None = None) -> None:
        self.source_file = source_file
        self.reason = reason
        self.line = line
        where = f"{source_file}, line {line}" if line else source_file
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class FileContent:
    """The bytes of an input file and their identity."""

    path: Path
    source_file: str
    data: bytes

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class RejectedLine:
    """A line left out of raw, with why."""

    line: int
    reason: str
    text: str


@dataclass
class ParsedFile:
    """A readable file: its rows as text, its header as written, and the lines it rejected."""

    table: pa.Table
    header: list[str]
    rejected: list[RejectedLine] = field(default_factory=list)

    @property
    def data_lines(self) -> int:
        return self.table.num_rows + len(self.rejected)


def read_bytes(path: Path, data_dir: Path) -> FileContent:
    return FileContent(path=path, source_file=path.relative_to(data_dir).as_posix(), data=path.read_bytes())


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _check_text(content: FileContent) -> bytes:
    """Return the CSV body without BOM and trailing blank lines, or raise on input that is not CSV text."""
    data = content.data
    if not data.strip():
        raise BadFileError(content.source_file, "file is empty")
    start = data.lstrip()[:32].lower()
    for magic, reason in _NOT_CSV:
        if start.startswith(magic):
            raise BadFileError(content.source_file, reason, 1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        nul = data.find(b"\x00")
        if nul >= 0:  # NUL bytes and no UTF-8: binary data, not a damaged text file
            raise BadFileError(
                content.source_file, "binary content (NUL byte), not a CSV text file", _line_of_offset(data, nul)
            ) from None
        raise BadFileError(
            content.source_file,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save the file as UTF-8",
            _line_of_offset(data, exc.start),
        ) from None
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    return data.rstrip(b"\r\n") + b"\n"


def _parse_header(source_file: str, body: bytes, spec: SourceFile) -> tuple[bytes, list[str]]:
    first_line = body.split(b"\n", 1)[0]
    if _CONTROL.search(first_line):
        raise BadFileError(source_file, "binary content (control characters in the header), not CSV text", 1)
    text = first_line.decode("utf-8").rstrip("\r")
    header = next(csv.reader(io.StringIO(text)))
    if any(not name.strip() for name in header):
        raise BadFileError(source_file, f"header has an empty column name: {text!r}", 1)
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise BadFileError(source_file, f"header repeats column(s) {duplicates}", 1)
    missing = [name for name in spec.required_columns if name not in header]
    if missing:
        hint = ""
        if len(header) == 1 and any(sep in text for sep in (";", "\t", "|")):
            hint = " (the file does not look comma-delimited: wrong delimiter?)"
        raise BadFileError(source_file, f"header lacks required column(s) {missing}; found {header}{hint}", 1)
    raw_names: dict[str, str] = {}
    for name in header:
        clash = raw_names.setdefault(raw_column(name), name)
        if clash != name:
            message = f"headers {clash!r} and {name!r} both become raw column {raw_column(name)!r}"
            raise BadFileError(source_file, message, 1)
    date_format = spec.header_date_format
    if date_format is not None:
        not_dates = [name for name in header if name not in spec.required_columns and date_format.to_date(name) is None]
        if not_dates:
            raise BadFileError(
                source_file,
                f"wide file expects {date_format.text} date columns after its id columns, found {not_dates[:5]}",
                1,
            )
    return first_line.rstrip(b"\r"), header


def header_columns(spec: SourceFile, header: list[str]) -> list[dict[str, str]]:
    """Each header as written with its raw column (and, for a wide file's date headers, the ISO date)."""
    date_format = spec.header_date_format
    mapping = []
    for name in header:
        entry = {"header": name, "column": raw_column(name)}
        day = date_format.to_date(name) if date_format is not None and name not in spec.required_columns else None
        if day is not None:
            entry["date"] = day.isoformat()
        mapping.append(entry)
    return mapping


def _line_starts(body: bytes) -> np.ndarray:
    """Offset of the first byte of every line (line n starts at index n - 1)."""
    newlines = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
    return np.concatenate(([0], newlines[:-1] + 1)).astype(np.int64)


def _line_text(body: bytes, starts: np.ndarray, line: int) -> str:
    end = body.find(b"\n", int(starts[line - 1]))
    raw = body[int(starts[line - 1]) : end].rstrip(b"\r")
    text = raw.decode("utf-8", errors="replace").encode("unicode_escape").decode("ascii")
    return text if len(text) <= _MAX_LINE_TEXT else text[:_MAX_LINE_TEXT] + "..."


def _lines_to_set_aside(source_file: str, body: bytes, header_line: bytes, starts: np.ndarray) -> dict[int, str]:
    """Lines rejected before parsing, by line number: control characters, unbalanced quotes, repeated
    header lines."""
    reasons: dict[int, str] = {}
    for match in _CONTROL.finditer(body):
        line = int(np.searchsorted(starts, match.start(), side="right"))
        reasons.setdefault(line, f"control character 0x{body[match.start()]:02x} in the line")
    if len(reasons) > max(3, _BINARY_LINE_SHARE * len(starts)):
        first = min(reasons)
        raise BadFileError(source_file, f"binary content ({len(reasons)} lines with control characters)", first)
    quotes = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 34)
    if len(quotes):
        per_line = np.bincount(np.searchsorted(starts, quotes, side="right"), minlength=len(starts) + 1)
        for line in np.flatnonzero(per_line % 2 == 1):
            # One record per line: an odd number of quotes would swallow the following lines into one value.
            reasons.setdefault(int(line), 'unbalanced quote (an odd number of " characters)')
    needle = b"\n" + header_line
    at = body.find(needle)
    while at >= 0:
        end = at + len(needle)
        if body[end : end + 1] in (b"\n", b"\r"):
            line = int(np.searchsorted(starts, at + 1, side="right"))
            reasons.setdefault(line, "repeats the header line (two files joined?)")
        at = body.find(needle, end)
    return reasons


def _blank_out(body: bytes, starts: np.ndarray, lines: dict[int, str], columns: int) -> bytes:
    """Replace each set-aside line with a row of the wrong width, so the parser reports it at its number."""
    marker = b"," * columns  # columns + 1 fields: never a valid row
    pieces, position = [], 0
    for line in sorted(lines):
        start = int(starts[line - 1])
        end = body.find(b"\n", start)
        pieces += [body[position:start], marker]
        position = end
    pieces.append(body[position:])
    return b"".join(pieces)


def read_table(content: FileContent, spec: SourceFile, load_id: str) -> ParsedFile:
    """Parse the file into text columns plus provenance, setting bad lines aside."""
    body = _check_text(content)
    header_line, header = _parse_header(content.source_file, body, spec)
    starts = _line_starts(body)
    set_aside = _lines_to_set_aside(content.source_file, body, header_line, starts)
    as_written = body
    if set_aside:
        body = _blank_out(body, starts, set_aside, len(header))
    invalid: list[pacsv.InvalidRow] = []

    def remember(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "skip"

    longest = int(np.diff(np.append(starts, len(body))).max()) if len(starts) else 0
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            # Single-threaded, so each rejected row has its number; blocks hold the longest line.
            read_options=pacsv.ReadOptions(use_threads=False, block_size=max(1 << 20, 2 * longest)),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=remember),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise BadFileError(content.source_file, f"the CSV parser cannot read the file: {exc}") from None
    ends_with_newline = content.data.rstrip(b" \t")[-1:] in (b"\n", b"\r")
    last_record = table.num_rows + len(invalid) + 1
    rejected = []
    for row in invalid:
        if row.number in set_aside:
            reason = set_aside[row.number]
        elif row.number == last_record and not ends_with_newline and row.actual_columns < row.expected_columns:
            reason = f"last line cut short: expected {row.expected_columns} fields, found {row.actual_columns}"
        else:
            reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        rejected.append(RejectedLine(int(row.number), reason, _line_text(as_written, starts, row.number)))
    rows = table.num_rows
    if rows + len(rejected) != len(starts) - 1:  # a record spanning lines: line numbers would be wrong
        raise BadFileError(
            content.source_file,
            f"{len(starts) - 1} data lines but {rows + len(rejected)} records: a value spans lines",
        )
    if rows == 0 and rejected:
        first = min(rejected, key=lambda r: r.line)
        message = f"no usable rows: all {len(rejected)} data line(s) rejected, the first: {first.reason}"
        raise BadFileError(content.source_file, message, first.line)
    if rows == 0:
        raise BadFileError(content.source_file, "header only, no data rows", 1)
    lines = np.arange(2, last_record + 1, dtype=np.int64)
    if rejected:
        lines = np.setdiff1d(lines, np.array([r.line for r in rejected], dtype=np.int64), assume_unique=True)
    table = (
        table.append_column("_source_file", pa.array([content.source_file] * rows, pa.string()))
        .append_column("_source_hash", pa.array([content.content_hash] * rows, pa.string()))
        .append_column("_source_line", pa.array(lines, pa.int64()))
        .append_column("_load_id", pa.array([load_id] * rows, pa.string()))
    )
    return ParsedFile(table, header, rejected)
