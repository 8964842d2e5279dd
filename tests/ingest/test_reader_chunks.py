"""Reading in chunks: whatever the chunk size, the result is the one a single-piece read gives.

A tiny chunk size puts chunk edges everywhere: every check must still count lines and bytes from the start
of the file, and decide what needs the whole file (binary share, line count, the last line) only at its end.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.catalog import catalog
from ingest.reader import BadFileError, identify, read_table

SPEC = catalog().by_file_name["country_vaccinations_by_manufacturer.csv"]
HEADER = b"location,date,vaccine,total_vaccinations"
ONE_PIECE = 1 << 30


def _outcome(folder: Path, data: bytes, chunk_bytes: int) -> tuple:
    """What a read gives: the error (reason, line) or the header, rows and rejected lines."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SPEC.file_name
    path.write_bytes(data)
    try:
        parsed = read_table(identify(path, folder), SPEC, "run-1", folder, chunk_bytes=chunk_bytes)
    except BadFileError as error:
        assert not (folder / f"{SPEC.table}.parquet").exists(), "a failed read leaves no staged file"
        return ("error", error.reason, error.line)
    table = parsed.to_table()
    assert table.num_rows == parsed.rows
    return ("parsed", parsed.header, table.to_pylist(), [(r.line, r.reason, r.text) for r in parsed.rejected])


def _same_in_chunks(tmp_path: Path, data: bytes, sizes=(1, 7, 40, 64)) -> tuple:
    whole = _outcome(tmp_path / "whole", data, ONE_PIECE)
    for size in sizes:
        assert _outcome(tmp_path / f"chunks-{size}", data, size) == whole, f"chunk size {size}"
    return whole


def test_rejected_lines_at_chunk_edges_keep_their_numbers_and_text(tmp_path: Path) -> None:
    data = HEADER + b"\nFrance,2021/1/5,Moderna,1\nFrance,2021/1/6\nFrance,2021/1/7,Moderna,3\nSpain,x\n"
    kind, _, rows, rejected = _same_in_chunks(tmp_path, data)
    assert kind == "parsed"
    assert [r["_source_line"] for r in rows] == [2, 4]
    assert rejected == [
        (3, "expected 4 fields, found 2", "France,2021/1/6"),
        (5, "expected 4 fields, found 2", "Spain,x"),
    ]


def test_a_multibyte_character_at_a_chunk_edge_is_read_whole(tmp_path: Path) -> None:
    line = "Côte d'Ivoire 🙂,2021/1/5,Moderna,1\n".encode()
    data = HEADER + b"\n" + line * 5
    for size in range(1, len(line) + 2):  # every cut position inside the line
        outcome = _outcome(tmp_path / f"c{size}", data, size)
        assert [r["location"] for r in outcome[2]] == ["Côte d'Ivoire 🙂"] * 5


def test_invalid_utf8_in_a_later_chunk_names_the_file_offset_and_line(tmp_path: Path) -> None:
    data = HEADER + b"\n" + "Côte,2021/1/5,Moderna,1\n".encode() * 3 + b"R\xe9union,2021/1/5,Moderna,1\n"
    kind, reason, line = _same_in_chunks(tmp_path, data)
    assert kind == "error" and line == 5
    offset = data.index(b"\xe9")
    assert f"byte 0xe9 at offset {offset}" in reason


def test_a_nul_byte_after_the_first_bad_byte_makes_the_file_binary(tmp_path: Path) -> None:
    data = HEADER + b"\n\xff,a,b,c\n" + b"Spain,2021/1/5,Moderna,1\n" * 4 + b"\x00\n"
    assert _same_in_chunks(tmp_path, data) == ("error", "binary content (NUL byte), not a CSV text file", 7)


def test_bom_crlf_and_trailing_blank_lines_over_many_chunks(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + (HEADER + b"\nSpain,2021/1/5,Moderna,1\nSpain,2021/1/6,Moderna,2").replace(b"\n", b"\r\n")
    _, header, rows, rejected = _same_in_chunks(tmp_path, data + b"\r\n" * 50)
    assert header[0] == "location" and len(rows) == 2 and rejected == []


def test_a_repeated_header_and_control_characters_in_later_chunks(tmp_path: Path) -> None:
    good = b"Spain,2021/1/5,Moderna,1\n"
    data = HEADER + b"\n" + good * 200 + HEADER + b"\n" + good * 200 + b"Spa\x07in,2021/1/5,Moderna,1\n" + good
    _, _, rows, rejected = _same_in_chunks(tmp_path, data, sizes=(1, 100, 1000))
    assert len(rows) == 401
    assert rejected == [
        (202, "repeats the header line (two files joined?)", HEADER.decode()),
        (403, "control character 0x07 in the line", "Spa\\x07in,2021/1/5,Moderna,1"),
    ]


def test_the_binary_share_counts_control_lines_over_the_whole_file(tmp_path: Path) -> None:
    good, bad = b"Spain,2021/1/5,Moderna,1\n", b"Spa\x01in,2021/1/5,Moderna,1\n"
    assert _same_in_chunks(tmp_path / "a", HEADER + b"\n" + (good * 99 + bad) * 4)[0] == "parsed"
    kind, reason, line = _same_in_chunks(tmp_path / "b", HEADER + b"\n" + good * 10 + bad * 5)
    assert (kind, line) == ("error", 12) and "5 lines with control characters" in reason


def test_only_the_true_last_line_is_cut_short(tmp_path: Path) -> None:
    data = HEADER + b"\nSpain,2021/1/5\nSpain,2021/1/6,Moderna,2\nSpain,2021/1/7"
    *_, rejected = _same_in_chunks(tmp_path, data)
    assert [r[1] for r in rejected] == ["expected 4 fields, found 2", "last line cut short: expected 4 fields, found 2"]


def test_a_quoted_value_running_past_a_chunk_edge_fails_the_file(tmp_path: Path) -> None:
    data = HEADER + b'\nSpain,2021/1/5,Mod"erna,"1\nx",2021/1/6,Moderna,2\nSpain,2021/1/7,Moderna,3\n'
    assert _outcome(tmp_path / "whole", data, ONE_PIECE)[0] == "error"
    for size in (1, 20, 40):
        kind, reason, _ = _outcome(tmp_path / f"c{size}", data, size)
        assert kind == "error" and "a value spans lines" in reason


def test_header_errors_give_way_to_a_later_encoding_error(tmp_path: Path) -> None:
    data = b"place,day\n" + b"Spain,1\n" * 20 + b"R\xe9union,1\n"
    kind, reason, line = _same_in_chunks(tmp_path, data)
    assert kind == "error" and "UTF-8" in reason and line == 22


# Lines a CSV file may hold, damaged or not; quotes open values only at their start (a quote inside an
# unquoted value can make a record run on past its line, which fails the file with or without chunks).
_LINES = st.sampled_from(
    [
        b"Spain,2021/1/5,Moderna,1",
        b'"Korea, South",2021/1/5,"Pfizer/BioNTech",2',
        "Côte d'Ivoire,2021/1/5,Moderna,🙂".encode(),
        b"Spain,2021/1/5",
        b"Spain,2021/1/5,Moderna,1,extra",
        b'Spain,"2021/1/5,Moderna,1',
        b"Spa\x07in,2021/1/5,Moderna,1",
        b"Spain,2021/1/5,Mod\x00erna,1",
        HEADER,
        b"",
        b" ,\t, , ",
        b"Fran\xe7a,2021/1/5,Moderna,1",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(_LINES, max_size=25),
    bom=st.booleans(),
    crlf=st.booleans(),
    ending=st.sampled_from([b"", b"\n", b"\n\n\n", b"\r\n \t"]),
    chunk_bytes=st.integers(min_value=1, max_value=120),
)
def test_any_chunk_size_reads_like_one_piece(
    tmp_path: Path, lines: list[bytes], bom: bool, crlf: bool, ending: bytes, chunk_bytes: int
) -> None:
    newline = b"\r\n" if crlf else b"\n"
    data = (b"\xef\xbb\xbf" if bom else b"") + newline.join([HEADER, *lines]) + ending
    folder = tmp_path / f"case-{abs(hash((data, chunk_bytes)))}"
    assert _outcome(folder / "chunks", data, chunk_bytes) == _outcome(folder / "whole", data, ONE_PIECE)
