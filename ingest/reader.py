"""Read one CSV file as a stream of text columns, exactly as written; reject bad lines alone.

The file is read in bounded chunks of whole lines (`chunk_bytes`, 16 MiB by default) and its rows are
written, chunk by chunk, to a Parquet file of text columns, so no file is ever held in memory whole.
Values are kept byte for byte (empty cells stay empty strings, never NULL); four provenance columns are
appended. Damage confined to a line (a wrong number of fields, a control character, a repeated header
line, a last line cut short) rejects that line only: it is returned with its number, text and reason, and
every other line loads. Only damage that makes the whole file unreadable (not text, not UTF-8, no or a
wrong header, no rows) raises `BadFileError` naming the file and the line.

Every check is file-global, whatever the chunk size: line numbers and byte offsets count from the start
of the file, a chunk is cut only after a line feed (so a UTF-8 character never straddles a cut), the
binary share, the line count and the "no rows" checks are decided once the whole file is read, and when
several things are wrong the error reported is the one a single-piece read would report first.
Invariant: data lines of the file = rows written + rejected lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ingest.catalog import SourceFile, raw_column

PROVENANCE_COLUMNS = ("_source_file", "_source_hash", "_source_line", "_load_id")
DEFAULT_CHUNK_BYTES = 16 << 20  # a chunk costs ~10 times its size while checked, parsed and written
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
    """An input file and the identity of its bytes (hashed as a stream: the bytes are not kept)."""

    path: Path
    source_file: str
    content_hash: str
    size_bytes: int


@dataclass(frozen=True)
class RejectedLine:
    """A line left out of raw, with why."""

    line: int
    reason: str
    text: str


@dataclass
class ParsedFile:
    """A readable file: its rows as text in a Parquet file, its header as written, and the lines it rejected."""

    path: Path  # Parquet, one row group per chunk read; the caller removes it once loaded
    header: list[str]
    rows: int
    rejected: list[RejectedLine] = field(default_factory=list)

    @property
    def data_lines(self) -> int:
        return self.rows + len(self.rejected)

    def batches(self, batch_size: int = 65_536) -> Iterator[pa.RecordBatch]:
        """The rows in record batches, read from disk as they are consumed."""
        with pq.ParquetFile(self.path) as parquet:
            yield from parquet.iter_batches(batch_size=batch_size)

    def to_table(self) -> pa.Table:
        """All rows in memory at once: for tests and small files."""
        return pq.read_table(self.path)


def identify(path: Path, data_dir: Path) -> FileContent:
    """The file's name under the data folder and the sha256 of its bytes, read as a stream."""
    with path.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256")
        size = stream.tell()
    return FileContent(path, path.relative_to(data_dir).as_posix(), digest.hexdigest(), size)


def _leading_bytes(path: Path, count: int = 32) -> bytes:
    """The first `count` bytes after leading whitespace; empty when the file holds nothing else."""
    found = b""
    with path.open("rb") as stream:
        while len(found) < count and (block := stream.read(1 << 16)):
            found += block if found else block.lstrip()
    return found[:count]


class _RawChunks:
    """The file as read, in chunks of whole lines: hashed, and checked to be UTF-8 with file-global
    positions (a chunk ends after a line feed, which is never inside a multi-byte character)."""

    def __init__(self, content: FileContent, chunk_bytes: int) -> None:
        self.content = content
        self.chunk_bytes = chunk_bytes
        self.digest = hashlib.sha256()
        self.last_byte = b""  # the last byte that is not a space or tab

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        """Yield (chunk, number of its first line)."""
        line, offset, first_nul = 1, 0, None
        with self.content.path.open("rb") as stream:
            while block := stream.read(self.chunk_bytes):
                if not block.endswith(b"\n"):
                    block += stream.readline()
                self.digest.update(block)
                if first_nul is None and (at := block.find(b"\x00")) >= 0:
                    first_nul = line + block.count(b"\n", 0, at)
                try:
                    block.decode("utf-8")
                except UnicodeDecodeError as exc:
                    self._not_utf8(stream, block, exc.start, line, offset, first_nul)
                if stripped := block.rstrip(b" \t"):
                    self.last_byte = stripped[-1:]
                yield block, line
                line += block.count(b"\n")
                offset += len(block)

    def _not_utf8(self, stream: io.BufferedReader, block: bytes, at: int, line: int, offset: int, nul: int | None):
        source_file = self.content.source_file
        bad_line = line + block.count(b"\n", 0, at)
        if nul is None:  # the first NUL byte may come later in the file
            line += block.count(b"\n")
            while nul is None and (more := stream.read(self.chunk_bytes)):
                found = more.find(b"\x00")
                nul = line + more.count(b"\n", 0, found) if found >= 0 else None
                line += more.count(b"\n")
        if nul is not None:  # NUL bytes and no UTF-8: binary data, not a damaged text file
            raise BadFileError(source_file, "binary content (NUL byte), not a CSV text file", nul)
        raise BadFileError(
            source_file,
            f"not valid UTF-8 (byte 0x{block[at]:02x} at offset {offset + at}); re-save the file as UTF-8",
            bad_line,
        )


def _body_pieces(raw: Iterator[tuple[bytes, int]]) -> Iterator[tuple[bytes, int]]:
    """The CSV body without BOM and trailing blank lines, in pieces of whole lines ending with a line feed:
    (piece, number of its first line). The last line holding a value is kept back until the next chunk
    shows whether only blank lines follow it (then they are dropped, and its line ending normalised)."""
    tail, tail_line = b"", 1
    for block, line in raw:
        if line == 1 and block.startswith(_UTF8_BOM):
            block = block[len(_UTF8_BOM) :]
        text = tail + block
        kept = len(text.rstrip(b"\r\n"))
        cut = text.rfind(b"\n", 0, kept) + 1 if kept else 0
        if cut:
            yield text[:cut], tail_line
            tail_line += text.count(b"\n", 0, cut)
        tail = text[cut:]
    if tail.rstrip(b"\r\n"):
        yield tail.rstrip(b"\r\n") + b"\n", tail_line


def _parse_header(source_file: str, first_line: bytes, spec: SourceFile) -> tuple[bytes, list[str]]:
    if _CONTROL.search(first_line):
        raise BadFileError(source_file, "binary content (control characters in the header), not CSV text", 1)
    text = first_line.decode("utf-8").rstrip("\r")
    header = next(csv.reader(io.StringIO(text)), [])
    if not header:
        raise BadFileError(source_file, "the first line is empty: expected the header", 1)
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
    """Offset of the first byte of every line (line n starts at index n - 1) of text ending with a line feed."""
    newlines = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
    return np.concatenate(([0], newlines[:-1] + 1)).astype(np.int64)


def _line_text(body: bytes, starts: np.ndarray, line: int) -> str:
    end = body.find(b"\n", int(starts[line - 1]))
    raw = body[int(starts[line - 1]) : end].rstrip(b"\r")
    text = raw.decode("utf-8", errors="replace").encode("unicode_escape").decode("ascii")
    return text if len(text) <= _MAX_LINE_TEXT else text[:_MAX_LINE_TEXT] + "..."


def _blank_out(body: bytes, starts: np.ndarray, lines: list[int], columns: int) -> bytes:
    """Replace each set-aside line with a row of the wrong width, so the parser reports it at its number."""
    marker = b"," * columns  # columns + 1 fields: never a valid row
    pieces, position = [], 0
    for line in lines:
        start = int(starts[line - 1])
        end = body.find(b"\n", start)
        pieces += [body[position:start], marker]
        position = end
    pieces.append(body[position:])
    return b"".join(pieces)


def _ends_inside_quotes(line: bytes) -> bool:
    """Whether the CSV parser is inside a quoted value at the end of this line (it then reads on into the
    next one). A quote opens a value only at its start; inside, a doubled quote is a quote."""
    if b'"' not in line:
        return False
    quoted, field_start, after_quote = False, True, False
    for byte in line.rstrip(b"\n"):
        if quoted:
            if byte == 34:
                quoted, after_quote = False, True
        elif after_quote and byte == 34:  # "" inside a quoted value
            quoted, after_quote = True, False
        elif byte == 44 or byte == 13:  # comma; a lone carriage return ends the record
            field_start, after_quote = True, False
        else:
            quoted, field_start, after_quote = field_start and byte == 34, False, False
    return quoted


class _FileParser:
    """The state of one file's read: counts and findings over every chunk so far."""

    def __init__(self, content: FileContent, spec: SourceFile, load_id: str, output: Path) -> None:
        self.content, self.spec, self.load_id, self.output = content, spec, load_id, output
        self.header: list[str] = []
        self.header_line = b""
        self.lines = 0  # lines of the body, the header included
        self.rows = 0
        self.records = 0  # rows + lines the parser rejected
        self.rejected: list[RejectedLine] = []
        self.control_count = 0  # lines with a control character
        self.first_control_line: int | None = None
        self.parse_error: str | None = None
        self.open_quote_line: int | None = None  # a line whose quoted value runs on past a chunk's end
        self.last_invalid: tuple[int, int, int] | None = None  # (line, expected, actual) of a parser rejection
        self.writer: pq.ParquetWriter | None = None

    def add(self, piece: bytes, first_line: int) -> None:
        """Check and parse a piece of whole data lines starting at `first_line`."""
        starts = _line_starts(piece)
        count = len(starts)
        self.lines += count
        reasons: dict[int, str] = {}  # by line number within the piece
        for match in _CONTROL.finditer(piece):
            line = int(np.searchsorted(starts, match.start(), side="right"))
            if line not in reasons:
                reasons[line] = f"control character 0x{piece[match.start()]:02x} in the line"
                self.control_count += 1
                self.first_control_line = self.first_control_line or first_line + line - 1
        if self.parse_error is not None:
            return  # the file fails: only the share of control characters still matters
        quotes = np.flatnonzero(np.frombuffer(piece, dtype=np.uint8) == 34)
        if len(quotes):
            per_line = np.bincount(np.searchsorted(starts, quotes, side="right"), minlength=count + 1)
            for line in np.flatnonzero(per_line % 2 == 1):
                # One record per line: an odd number of quotes would swallow the following lines into one value.
                reasons.setdefault(int(line), 'unbalanced quote (an odd number of " characters)')
        for start in self._header_repeats(piece):
            line = int(np.searchsorted(starts, start, side="right"))
            reasons.setdefault(line, "repeats the header line (two files joined?)")
        self._parse(piece, starts, first_line, reasons)

    def _parse(self, as_written: bytes, starts: np.ndarray, first_line: int, reasons: dict[int, str]) -> None:
        body = _blank_out(as_written, starts, sorted(reasons), len(self.header)) if reasons else as_written
        invalid: list[pacsv.InvalidRow] = []

        def remember(row: pacsv.InvalidRow) -> str:
            invalid.append(row)
            return "skip"

        longest = int(np.diff(np.append(starts, len(body))).max())
        try:
            table = pacsv.read_csv(
                pa.BufferReader(body),
                # Single-threaded, so each rejected row has its number; blocks hold the longest line.
                read_options=pacsv.ReadOptions(
                    use_threads=False, block_size=max(1 << 20, 2 * longest), column_names=self.header
                ),
                parse_options=pacsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=remember),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in self.header},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            self.parse_error = f"the CSV parser cannot read the file: {exc}"
            return
        last = len(starts)
        self.records += table.num_rows + len(invalid)
        if table.num_rows + len(invalid) != last:
            return  # a value spans lines: the file fails once it is read (line numbers would be wrong)
        if _ends_inside_quotes(body[int(starts[-1]) :]):
            self.open_quote_line = self.open_quote_line or first_line + last - 1
        for row in invalid:
            line = first_line + row.number - 1
            if row.number in reasons:
                reason = reasons[row.number]
            else:
                reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
                self.last_invalid = (line, row.expected_columns, row.actual_columns)
            self.rejected.append(RejectedLine(line, reason, _line_text(as_written, starts, row.number)))
        rows = table.num_rows
        if not rows:
            return
        lines = np.arange(first_line, first_line + last, dtype=np.int64)
        if invalid:
            skipped = np.array([first_line + row.number - 1 for row in invalid], dtype=np.int64)
            lines = np.setdiff1d(lines, skipped, assume_unique=True)
        table = (
            table.append_column("_source_file", pa.array([self.content.source_file] * rows, pa.string()))
            .append_column("_source_hash", pa.array([self.content.content_hash] * rows, pa.string()))
            .append_column("_source_line", pa.array(lines, pa.int64()))
            .append_column("_load_id", pa.array([self.load_id] * rows, pa.string()))
        )
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.output, table.schema)
        self.writer.write_table(table, row_group_size=max(rows, 1))
        self.rows += rows

    def set_header(self, first_line: bytes) -> None:
        self.header_line, self.header = _parse_header(self.content.source_file, first_line, self.spec)

    def _header_repeats(self, piece: bytes) -> Iterator[int]:
        """Offsets of the lines of the piece that are the header line again."""
        needle = b"\n" + self.header_line
        starts = [0] if piece.startswith(self.header_line) else []
        at = piece.find(needle)
        while at >= 0:
            starts.append(at + 1)
            at = piece.find(needle, at + len(needle))
        for start in starts:
            end = start + len(self.header_line)
            if piece[end : end + 1] in (b"\n", b"\r"):
                yield start

    def finish(self, raw: _RawChunks) -> ParsedFile:
        """Decide what only the whole file can tell, in the order a single-piece read would."""
        name = self.content.source_file
        if raw.digest.hexdigest() != self.content.content_hash:
            raise BadFileError(name, "the file changed while it was read; run again")
        data_lines, last_line = self.lines, self.lines + 1
        if self.control_count > max(3, _BINARY_LINE_SHARE * (data_lines + 1)):
            message = f"binary content ({self.control_count} lines with control characters)"
            raise BadFileError(name, message, self.first_control_line)
        if self.parse_error is not None:
            raise BadFileError(name, self.parse_error)
        if self.records != data_lines:  # a record spanning lines: line numbers would be wrong
            raise BadFileError(name, f"{data_lines} data lines but {self.records} records: a value spans lines")
        if self.open_quote_line is not None and self.open_quote_line != last_line:
            message = "a quoted value runs on into the next line: a value spans lines"
            raise BadFileError(name, message, self.open_quote_line)
        if self.last_invalid is not None and raw.last_byte not in (b"\n", b"\r"):
            line, expected, actual = self.last_invalid
            if line == last_line and actual < expected:
                reason = f"last line cut short: expected {expected} fields, found {actual}"
                self.rejected[-1] = RejectedLine(line, reason, self.rejected[-1].text)
        if self.rows == 0 and self.rejected:
            first = self.rejected[0]
            message = f"no usable rows: all {len(self.rejected)} data line(s) rejected, the first: {first.reason}"
            raise BadFileError(name, message, first.line)
        if self.rows == 0:
            raise BadFileError(name, "header only, no data rows", 1)
        return ParsedFile(self.output, self.header, self.rows, self.rejected)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def read_table(
    content: FileContent, spec: SourceFile, load_id: str, staging_dir: Path, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> ParsedFile:
    """Parse the file into text columns plus provenance, written to `<staging_dir>/<table>.parquet`,
    setting bad lines aside; `chunk_bytes` bounds the bytes read at once (whole lines: at least one)."""
    name = content.source_file
    start = _leading_bytes(content.path).lower()
    if not start:
        raise BadFileError(name, "file is empty")
    for magic, reason in _NOT_CSV:
        if start.startswith(magic):
            raise BadFileError(name, reason, 1)
    raw = _RawChunks(content, chunk_bytes)
    parser = _FileParser(content, spec, load_id, staging_dir / f"{spec.table}.parquet")
    header_error: BadFileError | None = None
    try:
        for piece, first_line in _body_pieces(iter(raw)):
            if header_error is not None:
                continue  # read on: a file that is not UTF-8 further down reports that first
            data, line = piece, first_line
            if not parser.header:
                end = piece.find(b"\n")
                try:
                    parser.set_header(piece[:end])
                except BadFileError as exc:
                    header_error = exc
                    continue
                data, line = piece[end + 1 :], first_line + 1
            if data:
                parser.add(data, line)
        if header_error is not None:
            raise header_error
        parsed = parser.finish(raw)
    except BaseException:
        parser.close()
        parser.output.unlink(missing_ok=True)
        raise
    parser.close()
    pa.default_memory_pool().release_unused()  # hand the chunks' buffers back before the next file
    return parsed
