"""Read one CSV file into an Arrow table of text columns, exactly as written, or fail clearly.

Values are kept byte for byte (empty cells stay empty strings, never NULL); four provenance
columns are appended. Every failure raises `BadFileError` naming the file and, where there is
one, the line.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.catalog import SourceFile, raw_column

PROVENANCE_COLUMNS = ("_source_file", "_source_hash", "_source_line", "_load_id")
_UTF8_BOM = b"\xef\xbb\xbf"


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


def read_bytes(path: Path, data_dir: Path) -> FileContent:
    return FileContent(path=path, source_file=path.relative_to(data_dir).as_posix(), data=path.read_bytes())


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _check_text(content: FileContent) -> bytes:
    """Return the CSV body without BOM and trailing blank lines, or raise on non-text input."""
    data = content.data
    if not data.strip():
        raise BadFileError(content.source_file, "file is empty")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BadFileError(
            content.source_file, "binary content (NUL byte), not a CSV text file", _line_of_offset(data, nul)
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadFileError(
            content.source_file,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save the file as UTF-8",
            _line_of_offset(data, exc.start),
        ) from None
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    return data.rstrip(b"\r\n") + b"\n"


def _parse_header(source_file: str, body: bytes, spec: SourceFile) -> list[str]:
    first_line = body.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    header = next(csv.reader(io.StringIO(first_line)))
    if any(not name.strip() for name in header):
        raise BadFileError(source_file, f"header has an empty column name: {first_line!r}", 1)
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise BadFileError(source_file, f"header repeats column(s) {duplicates}", 1)
    missing = [name for name in spec.required_columns if name not in header]
    if missing:
        hint = ""
        if len(header) == 1 and any(sep in first_line for sep in (";", "\t", "|")):
            hint = " (the file does not look comma-delimited: wrong delimiter?)"
        raise BadFileError(source_file, f"header lacks required column(s) {missing}; found {header}{hint}", 1)
    raw_names: dict[str, str] = {}
    for name in header:
        clash = raw_names.setdefault(raw_column(name), name)
        if clash != name:
            raise BadFileError(
                source_file, f"headers {clash!r} and {name!r} both become raw column {raw_column(name)!r}", 1
            )
    date_format = spec.header_date_format
    if date_format is not None:
        not_dates = [name for name in header if name not in spec.required_columns and date_format.to_date(name) is None]
        if not_dates:
            raise BadFileError(
                source_file,
                f"wide file expects {date_format.text} date columns after its id columns, found {not_dates[:5]}",
                1,
            )
    return header


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


def _locate_bad_row(
    source_file: str, body: bytes, parse: dict[str, bool], convert: pacsv.ConvertOptions
) -> BadFileError:
    """Re-parse single-threaded to learn the line of the first malformed row."""
    bad_rows: list[pacsv.InvalidRow] = []

    def remember(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "error"

    try:
        pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=remember, **parse),
            convert_options=convert,
        )
    except pa.ArrowInvalid as exc:
        if bad_rows:
            row = bad_rows[0]
            return BadFileError(
                source_file,
                f"expected {row.expected_columns} fields, found {row.actual_columns}: {row.text[:120]!r}",
                row.number,
            )
        return BadFileError(source_file, str(exc))
    return BadFileError(source_file, "the CSV parser rejected the file")


def read_table(content: FileContent, spec: SourceFile, load_id: str) -> tuple[pa.Table, list[str]]:
    """Parse the file into text columns plus provenance; return the table and the original header."""
    body = _check_text(content)
    header = _parse_header(content.source_file, body, spec)
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    parse = {"ignore_empty_lines": False}
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            parse_options=pacsv.ParseOptions(**parse),
            convert_options=convert,
        )
    except pa.ArrowInvalid:
        raise _locate_bad_row(content.source_file, body, parse, convert) from None
    rows = table.num_rows
    if rows == 0:
        raise BadFileError(content.source_file, "header only, no data rows", 1)
    table = (
        table.append_column("_source_file", pa.array([content.source_file] * rows, pa.string()))
        .append_column("_source_hash", pa.array([content.content_hash] * rows, pa.string()))
        .append_column("_source_line", pa.array(range(2, rows + 2), pa.int64()))
        .append_column("_load_id", pa.array([load_id] * rows, pa.string()))
    )
    return table, header
