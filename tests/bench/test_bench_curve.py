"""The cost-curve harness's own parts (bench/bench_curve.py, bench/report.py); no ELT run here."""

from __future__ import annotations

import sys
import xml.dom.minidom
from pathlib import Path

import pytest

from bench import report
from bench.bench_curve import Measured, Row, chart, failure_cause, remove_warehouses, run_measured, verdicts
from ingest.atomic import previous_version


def test_a_run_is_timed_and_its_tree_sampled(tmp_path: Path) -> None:
    grandchild = "x = bytearray(64 << 20); import time; time.sleep(1)"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"
    measured = run_measured([sys.executable, "-c", child], {}, tmp_path / "log", timeout=30, max_rss=1 << 40)
    assert measured.error is None and measured.seconds is not None
    assert measured.peak_rss > 64 << 20, "the grandchild's memory counts"


def test_a_failing_run_is_recorded_not_raised(tmp_path: Path) -> None:
    measured = run_measured([sys.executable, "-c", "raise SystemExit(1)"], {}, tmp_path / "log", 30, 1 << 40)
    assert measured.seconds is None and measured.error is not None and measured.error.startswith("exit 1")


def test_a_failed_run_says_why_in_its_own_words(tmp_path: Path) -> None:
    """The cause a failed ELT run printed (the database's message under dbt's summary), not its last line,
    and only from this run's part of a log its engine's runs share."""
    log = tmp_path / "elt.log"
    log.write_text("\x1b[0m05:00:00    Database Error in model old_run\n  an earlier run's error\n")
    script = (
        "print('\\x1b[0m05:23:00    Database Error in model qa_publisher_discrepancies (models/x.sql)');"
        "print('  could not write to file \"base/pgsql_tmp/1.3\": No space left on device');"
        "print('ELT run failed: dbt build failed (exit 1)');"
        "print('seconds: read 3.81, raw load 3.10, dbt 203.90, total 421.20; status failed');"
        "raise SystemExit(1)"
    )
    measured = run_measured([sys.executable, "-c", script], {}, log, 30, 1 << 40)
    assert measured.error == 'exit 1 (could not write to file "base/pgsql_tmp/1.3": No space left on device)'
    only_failed = [sys.executable, "-c", "print('ELT run failed: x'); raise SystemExit(1)"]
    again = run_measured(only_failed, {}, log, 30, 1 << 40)
    assert again.error == "exit 1 (ELT run failed: x)", "not the earlier run's error"
    other = tmp_path / "other.log"
    other.write_text("loading\nELT run failed: no input files\nseconds: total 0.1; status failed\n")
    assert failure_cause(other) == "ELT run failed: no input files"


@pytest.mark.parametrize(("timeout", "max_rss", "reason"), [(0.5, 1 << 40, "timeout"), (30, 1 << 20, "RSS")])
def test_a_run_over_its_limits_is_killed(tmp_path: Path, timeout: float, max_rss: int, reason: str) -> None:
    command = [sys.executable, "-c", "x = bytearray(32 << 20); import time; time.sleep(30)"]
    measured = run_measured(command, {}, tmp_path / "log", timeout, max_rss)
    assert measured.seconds is None and measured.error is not None and reason in measured.error


def test_sections_are_replaced_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "REPORT", tmp_path / "BENCHMARKS.md")
    report.write_section("## API", ["api"])
    report.write_section("## ELT on the real files", ["old"])
    report.write_section("## ELT cost curve", ["one"], first=True)
    report.write_section("## ELT cost curve", ["two"], first=True)
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert text == "# Benchmarks\n\n## ELT cost curve\n\ntwo\n\n## ELT on the real files\n\nold\n\n## API\n\napi\n"


def test_report_and_chart() -> None:
    rows = [
        Row(1, "duckdb", 10, 1.0, floor=2.0, full=Measured(50.0), no_op=Measured(1.0), change=Measured(4.0)),
        Row(10, "duckdb", 100, 10.0, floor=20.0, full=Measured(None, error="killed: over the 1 s timeout")),
    ]
    lines = verdicts(rows)
    assert "- DuckDB 1x, no-op <= 3% of full: 2.0% -> met" in lines
    assert "- DuckDB 10x, full <= 3x floor: not measured (failed or not run)" in lines
    xml.dom.minidom.parseString(chart(rows))  # noqa: S318 - parses the SVG this test just wrote


def test_a_measurements_warehouses_are_removed_its_logs_kept(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    kept = previous_version(warehouse)  # what the last swap kept for the next run
    kept.parent.mkdir()
    for path in (warehouse, Path(f"{warehouse}.wal"), kept, tmp_path / "dbt-target" / "manifest.json"):
        path.parent.mkdir(exist_ok=True)
        path.write_text("x")
    (tmp_path / "elt.log").write_text("log")
    (tmp_path / "run_results-full.json").write_text("{}")
    remove_warehouses(tmp_path, warehouse)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["elt.log", "run_results-full.json"]
