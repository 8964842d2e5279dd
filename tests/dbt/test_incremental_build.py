"""Incremental builds (ingest/build_scope.py, dbt_project/macros/incremental.sql) on DuckDB and Postgres: a
run after some files changed rebuilds only their rows, and its marts equal a whole build of the same files."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bench.scale_data import append_day
from ingest import elt
from ingest.catalog import catalog
from ingest.elt import run
from ingest.warehouse import Target, connect
from scripts.compare_marts import compare
from tests.conftest import duckdb_target
from tests.support import postgres, sample_builds
from tests.support.warehouse import mart_sums, rows, scalar

# One file of each layout that feeds the daily fact, and a snapshot-less long file of another source.
CHANGED = (
    "covid19/time_series_covid19_deaths_global.csv",  # wide, one of the three JHU time series
    "covid19/full_grouped.csv",  # long
    "mpox/Worldwide_Case_Detection_Timeline.csv",  # line list
    "covid19/country_vaccinations.csv",  # long, not in the daily fact
)


def _table(path: str) -> str:
    return catalog().by_file_name[Path(path).name].table


def _change(data_dir: Path, path: str) -> None:
    append_day(catalog().by_file_name[Path(path).name], data_dir / path)


def _model_inputs(target: Target) -> dict[str, str | None]:
    return dict(rows(target, "select table_name, load_id from ops.model_inputs"))


@pytest.fixture
def built(sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Target:
    monkeypatch.setenv("ELT_LATEST_VALID_DATE", "2199-12-31")  # the added days may be after today
    return sample_builds.duckdb_copy(sample_copy, tmp_path / "incremental.duckdb")


def test_a_changed_file_rebuilds_only_its_rows_and_the_marts_equal_a_whole_build(
    built: Target, sample_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _model_inputs(built)
    assert set(before) == {spec.table for spec in catalog().sources}, "every raw table is recorded"
    untouched = scalar(built, "select max(_load_id) from staging.stg_sources__long where _source_table = 'day_wise'")
    for name in CHANGED:
        _change(sample_copy, name)
    capsys.readouterr()

    assert run(sample_copy, built) == 0

    output = capsys.readouterr().out
    changed_tables = sorted(_table(name) for name in CHANGED)
    assert f"rebuilding the rows of {len(CHANGED)} changed raw table(s): {', '.join(changed_tables)}" in output
    after = _model_inputs(built)
    assert sorted(t for t in after if after[t] != before[t]) == changed_tables
    # rows of an unchanged file are kept as built, not rebuilt (their load id is the first run's)
    kept = scalar(built, "select max(_load_id) from staging.stg_sources__long where _source_table = 'day_wise'")
    assert kept == untouched
    whole = duckdb_target(tmp_path / "whole.duckdb")
    assert run(sample_copy, whole) == 0
    assert compare(built.duckdb_file, whole.duckdb_file, ignore=frozenset({"load_id"})) == {}
    for model in ("stg_sources__long", "int_epidemic_daily_completed"):
        schema = "staging" if model.startswith("stg") else "intermediate"
        keys = "_source_table, _source_line" if schema == "staging" else "source_code, location_name, reported_date"
        duplicates = scalar(built, f"select count(*) - count(distinct ({keys})) from {schema}.{model}")
        assert duplicates == 0, f"{model}: rows of a changed file are replaced, not added twice"


def test_another_project_or_setting_rebuilds_everything(
    built: Target, sample_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _change(sample_copy, CHANGED[1])
    monkeypatch.setenv("ELT_LATEST_VALID_DATE", "2199-12-30")  # the rules changed: rows kept may be wrong
    capsys.readouterr()
    assert run(sample_copy, built) == 0
    assert "Building models with dbt (full rebuild)" in capsys.readouterr().out
    loads = {load for (load,) in rows(built, "select distinct _load_id from staging.stg_sources__long")}
    registry = {load for (load,) in rows(built, "select distinct load_id from raw.file_registry")}
    assert loads <= registry


def test_dbt_run_by_hand_without_the_var_rebuilds_every_table(built: Target) -> None:
    from ingest.dbt_runner import run_dbt

    counts = dict(rows(built, "select _source_table, count(*) from staging.stg_sources__long group by 1"))
    assert run_dbt(built, "run", "--select", "stg_sources__long") == 0
    assert dict(rows(built, "select _source_table, count(*) from staging.stg_sources__long group by 1")) == counts


def test_a_run_builds_in_the_previous_version_not_a_copy_and_a_reader_of_it_forces_the_copy(
    built: Target, sample_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ingest.atomic import previous_version

    assert run(sample_copy, built) == 0  # a no-op: its run log is swapped in, the built version kept aside
    previous = previous_version(built.duckdb_file)
    assert previous.exists()
    _change(sample_copy, CHANGED[0])
    capsys.readouterr()
    assert run(sample_copy, built) == 0
    assert "build file: the previous version" in capsys.readouterr().out
    whole = duckdb_target(tmp_path / "whole.duckdb")
    assert run(sample_copy, whole) == 0
    assert compare(built.duckdb_file, whole.duckdb_file, ignore=frozenset({"load_id"})) == {}

    _change(sample_copy, CHANGED[1])
    # an API worker (another process: file locks are per process) still reading that version
    holding = (
        f"import duckdb, time; c = duckdb.connect({str(previous)!r}, read_only=True); "
        "print('open', flush=True); time.sleep(600)"
    )
    reader = subprocess.Popen([sys.executable, "-c", holding], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        assert run(sample_copy, built) == 0
    finally:
        reader.kill()
        reader.wait()
    assert "not reusable" in capsys.readouterr().out
    assert run(sample_copy, whole) == 0
    assert compare(built.duckdb_file, whole.duckdb_file, ignore=frozenset({"load_id"})) == {}


def test_a_previous_version_that_is_the_live_file_itself_is_not_built_in(built: Target, sample_copy: Path) -> None:
    """A crash between keeping the live version aside and the swap leaves both names on one file: building
    in it would write to the live file under its readers."""
    import os

    from ingest.atomic import previous_version

    previous = previous_version(built.duckdb_file)
    previous.parent.mkdir(parents=True, exist_ok=True)
    previous.unlink(missing_ok=True)
    os.link(built.duckdb_file, previous)
    live_inode = built.duckdb_file.stat().st_ino
    before = scalar(built, "select count(*) from marts.fct_epidemic_daily")
    _change(sample_copy, CHANGED[1])
    assert run(sample_copy, built) == 0
    assert built.duckdb_file.stat().st_ino != live_inode, "a new file was swapped in"
    assert scalar(built, "select count(*) from marts.fct_epidemic_daily") > before


def test_a_change_to_a_daily_file_keeps_the_vaccination_marts_as_built(built: Target, sample_copy: Path) -> None:
    """The vaccination marts are made from their own files only: a daily file's change leaves them as the
    last build made them (a mark put on one row of the live file is still there), not rebuilt."""
    marked = "update marts.fct_vaccinations set reporting_source_name = 'kept as built' where rowid = 0"
    with connect(built) as conn:
        conn.execute(marked)
    _change(sample_copy, "covid19/full_grouped.csv")

    assert run(sample_copy, built) == 0

    kept = "select count(*) from marts.fct_vaccinations where reporting_source_name = 'kept as built'"
    assert scalar(built, kept) == 1


def test_a_change_run_tests_the_rows_it_rebuilt_and_a_whole_test_reads_every_row(
    built: Target, sample_copy: Path
) -> None:
    """The tests of the models rebuilt by source read the rebuilt sources' rows only (get_where_subquery in
    macros/incremental.sql): the other rows are those the last build made and tested. A row of an unchanged
    source broken by hand is not read by a change run (it passes, the row stays as it was); `dbt test` outside
    the ELT reads every row and fails on it."""
    broken = (
        "update marts.fct_epidemic_daily set deaths_cumulative = cases_cumulative + 1 where epidemic_daily_id = "
        "(select min(epidemic_daily_id) from marts.fct_epidemic_daily "
        "where source_code = 'worldometer' and cases_cumulative is not null)"
    )
    with connect(built) as conn:
        conn.execute(broken)
    _change(sample_copy, "covid19/full_grouped.csv")  # source jhu

    assert run(sample_copy, built) == 0

    found = "select count(*) from marts.fct_epidemic_daily where deaths_cumulative > cases_cumulative"
    assert scalar(built, found) == 1
    from ingest.dbt_runner import run_dbt

    assert run_dbt(built, "test", "--select", "fct_epidemic_daily") != 0


def _fail_after_a_partial_build(work: Target, *_args: str, **_kwargs: object) -> int:
    """Build part of the project into the work target, then fail like a broken model would."""
    from ingest.dbt_runner import run_dbt

    assert run_dbt(work, "build", "--select", "+staging", "--indirect-selection", "cautious") == 0
    return 1


def test_postgres_builds_in_its_previous_schemas_and_the_marts_equal_a_whole_build(
    postgres_server: postgres.PostgresSettings,
    sample_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Postgres keeps the schemas a swap replaces (`<schema>__previous`) and the next run builds in them: the
    rows of the files that changed since those models were built (two runs' changes) are rebuilt, the others
    kept; the marts equal a whole build. With no kept version (the second build, or after a failed one) a run
    builds in a copy of the live schemas, with their keys, indexes and descriptions. No role but the owner
    can read the kept version, and a reader role no longer set does not get its access back through it.
    A build that fails leaves the live marts as they were."""
    monkeypatch.setenv("ELT_LATEST_VALID_DATE", "2199-12-31")
    import psycopg

    reader = f"reader_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(f"create role {reader}")
    monkeypatch.setenv("DBT_READER_ROLE", reader)
    built = Target(name="postgres", postgres=postgres.create_database(postgres_server, prefix="incremental"))
    whole = Target(name="postgres", postgres=postgres.create_database(postgres_server, prefix="whole"))
    day_wise = "select max(_load_id) from staging.stg_sources__long where _source_table = 'day_wise'"
    ignore = frozenset({"load_id", "last_loaded_at"})
    try:
        assert run(sample_copy, built) == 0
        first_load = scalar(built, day_wise)
        _change(sample_copy, CHANGED[0])
        capsys.readouterr()
        assert run(sample_copy, built) == 0  # nothing kept yet: it builds in a copy of the live schemas
        output = capsys.readouterr().out
        assert "build schemas: a copy of the live ones" in output
        assert f"rebuilding the rows of 1 changed raw table(s): {_table(CHANGED[0])}" in output
        _change(sample_copy, CHANGED[1])

        assert run(sample_copy, built) == 0

        output = capsys.readouterr().out
        assert "build schemas: the version replaced at the last swap" in output
        changed = sorted(_table(name) for name in CHANGED[:2])  # since the first build, whose models it builds in
        assert f"rebuilding the rows of 2 changed raw table(s): {', '.join(changed)}" in output
        assert scalar(built, day_wise) == first_load, "rows of an unchanged file are kept as built"
        duplicates = "select count(*) - count(distinct (_source_table, _source_line)) from staging.stg_sources__long"
        assert scalar(built, duplicates) == 0
        assert run(sample_copy, whole) == 0
        assert mart_sums(built, ignore) == mart_sums(whole, ignore)
        privileges = (
            f"select has_schema_privilege('{reader}', 'marts', 'usage'), "
            f"has_schema_privilege('{reader}', 'marts__previous', 'usage')"
        )
        assert rows(built, privileges) == [(True, False)], "the reader reads the live marts only"
        monkeypatch.delenv("DBT_READER_ROLE")  # no reader any more: no kept version may bring it back
        _change(sample_copy, CHANGED[3])
        assert run(sample_copy, built) == 0  # the marts readable by the role are kept aside
        assert rows(built, privileges) == [(False, False)]
        _change(sample_copy, CHANGED[0])
        assert run(sample_copy, built) == 0  # and built in again
        assert rows(built, privileges) == [(False, False)]

        live = mart_sums(built, ignore)
        _change(sample_copy, CHANGED[2])
        monkeypatch.setattr(elt, "run_dbt", _fail_after_a_partial_build)
        assert run(sample_copy, built) == 1
        assert mart_sums(built, ignore) == live, "the live marts are untouched"
        monkeypatch.undo()
        monkeypatch.setenv("ELT_LATEST_VALID_DATE", "2199-12-31")
        capsys.readouterr()
        assert run(sample_copy, built) == 0  # the kept version was spent on the failed build: a copy again
        output = capsys.readouterr().out
        assert "build schemas: a copy of the live ones" in output
        assert f"rebuilding the rows of 1 changed raw table(s): {_table(CHANGED[2])}" in output
        assert run(sample_copy, whole) == 0
        assert mart_sums(built, ignore) == mart_sums(whole, ignore)
        keys = (  # the copy has the keys and indexes of the live tables (their names aside)
            "select tablename, regexp_replace(indexdef, '^(CREATE (UNIQUE )?INDEX )\\S+', '\\1') from pg_indexes "
            "where schemaname = 'marts' order by 1, 2"
        )
        assert rows(built, keys) == rows(whole, keys)
        comments = (  # and their descriptions
            "select class.relname, obj_description(class.oid, 'pg_class') from pg_class as class "
            "join pg_namespace as namespace on namespace.oid = class.relnamespace "
            "where namespace.nspname = 'marts' and class.relkind = 'r' order by 1"
        )
        assert rows(built, comments) == rows(whole, comments)
        assert any(comment for _, comment in rows(built, comments))
    finally:
        for target in (built, whole):
            postgres.drop_database(postgres_server, target.postgres_settings.database)
        with psycopg.connect(postgres_server.url, autocommit=True) as conn:
            conn.execute(f"drop role {reader}")


def test_postgres_another_setting_rebuilds_from_empty_schemas_without_copying(
    postgres_target: Target, sample_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Models built under other rules cannot be built on: the run builds whole from empty schemas, and does
    not first copy the live ones (nor keep a table of a model that is gone)."""
    monkeypatch.setenv("ELT_LATEST_VALID_DATE", "2199-12-31")
    assert run(sample_copy, postgres_target) == 0
    with connect(postgres_target) as conn:
        conn.execute("create table marts.fct_gone (id int)")  # a model the project no longer has
    _change(sample_copy, CHANGED[1])
    monkeypatch.setenv("ELT_LATEST_VALID_DATE", "2199-12-30")
    capsys.readouterr()

    assert run(sample_copy, postgres_target) == 0

    output = capsys.readouterr().out
    assert "Building models with dbt (full rebuild)" in output
    assert "build schemas:" not in output
    with connect(postgres_target) as conn:
        assert not conn.table_exists("marts", "fct_gone")
    loads = {load for (load,) in rows(postgres_target, "select distinct _load_id from staging.stg_sources__long")}
    registry = {load for (load,) in rows(postgres_target, "select distinct load_id from raw.file_registry")}
    assert loads <= registry
