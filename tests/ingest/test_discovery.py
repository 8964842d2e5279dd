"""Files are recognised by name anywhere under the input folder."""

from __future__ import annotations

from pathlib import Path

from ingest.discovery import discover


def test_known_unknown_and_repeated_files(tmp_path: Path) -> None:
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep" / "day_wise.csv").write_text("x")
    (tmp_path / "b" / "full_grouped.csv").write_text("x")
    (tmp_path / "a" / "full_grouped.csv").write_text("x")
    (tmp_path / "notes.csv").write_text("x")
    (tmp_path / "README.md").write_text("x")
    (tmp_path / ".hidden.csv").write_text("x")
    found = discover(tmp_path)
    assert found.found == {"day_wise.csv": tmp_path / "a" / "deep" / "day_wise.csv"}
    assert sorted(found.duplicates["full_grouped.csv"]) == [
        tmp_path / "a" / "full_grouped.csv",
        tmp_path / "b" / "full_grouped.csv",
    ]
    assert found.unknown == [Path("notes.csv")]
