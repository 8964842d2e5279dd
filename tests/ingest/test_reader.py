"""Reading one file: values kept exactly as written, and each kind of bad file fails clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.catalog import catalog
from ingest.reader import BadFileError, ParsedFile, identify, read_table

BY_FILE_NAME = catalog().by_file_name
DAY_WISE = BY_FILE_NAME["day_wise.csv"]
HEADER = (
    b"Date,Confirmed,Deaths,Recovered,Active,New cases,New deaths,New recovered,"
    b"Deaths / 100 Cases,Recovered / 100 Cases,Deaths / 100 Recovered,No. of countries\n"
)
GOOD_ROW = b"2020-01-22,555,17,28,510,0,0,0,3.06,5.05,60.71,6\n"


def _parse(tmp_path: Path, data: bytes, name: str = "day_wise.csv") -> ParsedFile:
    path = tmp_path / name
    path.write_bytes(data)
    return read_table(identify(path, tmp_path), BY_FILE_NAME[name], "run-1", tmp_path)


def _read(tmp_path: Path, data: bytes, name: str = "day_wise.csv"):
    parsed = _parse(tmp_path, data, name)
    return parsed.to_table(), parsed.header


def _error(tmp_path: Path, data: bytes, name: str = "day_wise.csv") -> BadFileError:
    with pytest.raises(BadFileError) as caught:
        _read(tmp_path, data, name)
    assert name in str(caught.value), "the error must name the file"
    return caught.value


def test_values_are_kept_exactly_with_provenance(tmp_path: Path) -> None:
    table, header = _read(tmp_path, HEADER + GOOD_ROW + b"2020-1-23, 654 ,,30.0,606,99,1,2,2.75,4.59,60.0,8\n")
    assert header[0] == "Date" and header[-1] == "No. of countries"
    rows = table.to_pylist()
    assert rows[1]["Date"] == "2020-1-23"
    assert rows[1]["Confirmed"] == " 654 ", "whitespace is kept: raw means untouched"
    assert rows[1]["Deaths"] == "", "empty cells stay empty strings, not NULL"
    assert rows[1]["Recovered"] == "30.0"
    assert [r["_source_line"] for r in rows] == [2, 3]
    assert {r["_source_file"] for r in rows} == {"day_wise.csv"}
    assert {r["_load_id"] for r in rows} == {"run-1"}
    assert len(rows[0]["_source_hash"]) == 64


def test_quoted_header_and_values(tmp_path: Path) -> None:
    header = (
        b"Country/Region,Continent,Population,TotalCases,NewCases,TotalDeaths,NewDeaths,TotalRecovered,"
        b'NewRecovered,ActiveCases,"Serious,Critical",Tot Cases/1M pop,Deaths/1M pop,TotalTests,Tests/1M pop,'
        b"WHO Region\n"
    )
    row = b'"Korea, South",Asia,51269185,14305,,299,,13475,,531,"18",279,6,1,2,Western Pacific\n'
    table, names = _read(tmp_path, header + row, "worldometer_data.csv")
    assert "Serious,Critical" in names
    assert table.to_pylist()[0]["Country/Region"] == "Korea, South"


def test_crlf_and_bom_and_trailing_blank_lines_are_accepted(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + (HEADER + GOOD_ROW).replace(b"\n", b"\r\n") + b"\r\n\r\n"
    table, header = _read(tmp_path, data)
    assert header[0] == "Date" and table.num_rows == 1


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in _error(tmp_path, b"").reason


def test_header_only(tmp_path: Path) -> None:
    error = _error(tmp_path, HEADER)
    assert "no data rows" in error.reason and error.line == 1


def test_binary_junk(tmp_path: Path) -> None:
    error = _error(tmp_path, HEADER + GOOD_ROW + b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "binary" in error.reason and error.line == 5  # the NUL byte sits after two line breaks


def test_ragged_row_is_rejected_alone_with_its_line(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, HEADER + GOOD_ROW + GOOD_ROW + b"2020-01-24,1,2,3\n" + GOOD_ROW)
    assert [(r.line, r.reason, r.text) for r in parsed.rejected] == [
        (4, "expected 12 fields, found 4", "2020-01-24,1,2,3")
    ]
    assert parsed.to_table().column("_source_line").to_pylist() == [2, 3, 5], "the other lines keep their numbers"
    assert parsed.data_lines == 4


def test_blank_line_inside_the_file_keeps_line_numbers(tmp_path: Path) -> None:
    """A blank line is kept as a row of empty cells (staging quarantines it); later lines keep their numbers."""
    table, _ = _read(tmp_path, HEADER + GOOD_ROW + b"\n" + GOOD_ROW)
    rows = table.to_pylist()
    assert [r["_source_line"] for r in rows] == [2, 3, 4]
    assert rows[1]["Date"] == "" and rows[2]["Date"] == "2020-01-22"


def test_wrong_delimiter(tmp_path: Path) -> None:
    error = _error(tmp_path, HEADER.replace(b",", b";") + GOOD_ROW.replace(b",", b";"))
    assert "wrong delimiter" in error.reason and error.line == 1


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    latin1 = "2020-01-23,1,2,3,4,5,6,7,Côte\n".encode("latin-1")
    error = _error(tmp_path, HEADER + GOOD_ROW + latin1)
    assert "UTF-8" in error.reason and error.line == 3


def test_missing_required_column(tmp_path: Path) -> None:
    error = _error(tmp_path, HEADER.replace(b"Deaths,", b"") + b"2020-01-22,555,28,510,0,0,0,3.06,5.05,60.71,6\n")
    assert "Deaths" in error.reason


def test_wide_file_needs_date_columns(tmp_path: Path) -> None:
    name = "Daily_Country_Wise_Confirmed_Cases.csv"
    error = _error(tmp_path, b"Country,2022-05-06,total\nSpain,1,2\n", name)
    assert "total" in error.reason
    table, _ = _read(tmp_path, b"Country,2022-05-06,2022-05-07\nSpain,1,\n", name)
    assert table.to_pylist()[0]["2022-05-07"] == ""


def test_every_catalog_entry_has_a_unique_table() -> None:
    tables = [spec.table for spec in BY_FILE_NAME.values()]
    assert len(tables) == len(set(tables)) == len(catalog().sources)
    assert DAY_WISE.table == "day_wise"
