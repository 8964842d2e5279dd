"""Crash safety: `kill -9` of the ELT at any point, then a normal run, gives the marts of a clean run;
and two runs never write one warehouse at once.

The warehouse starts with the sample loaded; the crashed run and the recovery run load a changed sample.
Each crash point (ingest/failpoints.py) kills the run process with SIGKILL. Marts are compared by
checksums of their rows (run-specific columns, load ids and load times, left out).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.elt import run
from ingest.failpoints import POINTS
from ingest.run_lock import ADVISORY_KEY
from ingest.warehouse import PROJECT_ROOT, PostgresSettings, Target, connect
from tests.conftest import SAMPLE_DIR, duckdb_target
from tests.support import postgres
from tests.support.warehouse import scalar

RUN_SPECIFIC = {"load_id", "last_loaded_at"}
# Where Postgres differs: raw_build loaded, run logged at the swap.
POSTGRES_POINTS = ("during_load", "after_load", "before_swap")


def changed_sample(folder: Path) -> Path:
    """The sample with one file edited and one file gone: the run has real work to do."""
    shutil.copytree(SAMPLE_DIR, folder)
    path = folder / "covid19" / "country_vaccinations_by_manufacturer.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-3]) + "\nFrance,2021/1/30,Moderna,999\n")
    (folder / "mpox" / "Worldwide_Case_Detection_Timeline.csv").write_text(
        "Date_confirmation,Country,City,Age,Gender,Symptoms,Hospitalised (Y/N/NA),Isolated (Y/N/NA),"
        "Travel_history (Y/N/NA)\n2022-05-06,Spain,,,,,,,\n"
    )
    return folder


def mart_checksums(target: Target) -> dict[str, str]:
    with connect(target, read_only=target.name == "duckdb") as conn:
        tables = [
            name
            for (name,) in conn.fetch_all(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            )
        ]
        sums = {}
        for table in tables:
            columns = [
                name
                for (name,) in conn.fetch_all(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [table],
                )
                if name not in RUN_SPECIFIC
            ]
            listed = ", ".join(f'"{name}"' for name in columns)
            found = conn.fetch_all(f"select {listed} from marts.{table}")
            text = "\n".join(sorted(repr(tuple(str(value) for value in row)) for row in found))
            sums[table] = f"{len(found)}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    return sums


def crash(data_dir: Path, point: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ingest.elt", "--data-dir", str(data_dir)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env, "ELT_CRASH_AT": point, "ELT_CRASH_AFTER_SECONDS": "6"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == -signal.SIGKILL, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return changed_sample(tmp_path_factory.mktemp("changed") / "input")


@pytest.fixture(scope="module")
def duckdb_states(tmp_path_factory: pytest.TempPathFactory, changed: Path, sample_duckdb: Target):
    """A warehouse file holding the sample, and the checksums of a clean run on the changed sample."""
    assert sample_duckdb.duckdb_path is not None
    clean = tmp_path_factory.mktemp("crash") / "clean.duckdb"
    shutil.copyfile(sample_duckdb.duckdb_path, clean)
    assert run(changed, duckdb_target(clean)) == 0
    return sample_duckdb.duckdb_path, mart_checksums(duckdb_target(clean))


# Crashes before the swap leave the live marts as they were, so they are chained: each is checked, then one
# normal run must give the marts of a clean run. A crash after the swap is followed by its own normal run.
CHAINED = ("after_read", "during_load", "after_load", "during_dbt", "before_swap")


@pytest.mark.parametrize("points", [CHAINED, ("after_swap",)], ids=["before_the_swap", "after_the_swap"])
def test_duckdb_recovers_from_kill_9(points: tuple[str, ...], duckdb_states, changed: Path, tmp_path: Path) -> None:
    before, expected = duckdb_states
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(before, warehouse)
    unchanged = mart_checksums(duckdb_target(warehouse))
    for point in points:
        crash(changed, point, {"ELT_TARGET": "duckdb", "DUCKDB_PATH": str(warehouse)})
        if point != "after_swap":
            assert mart_checksums(duckdb_target(warehouse)) == unchanged, f"{point}: previous marts kept"
    assert run(changed, duckdb_target(warehouse)) == 0
    assert mart_checksums(duckdb_target(warehouse)) == expected


@pytest.fixture(scope="module")
def postgres_states(postgres_server: PostgresSettings, changed: Path, sample_postgres: Target):
    assert sample_postgres.postgres is not None
    clean = postgres.clone_database(postgres_server, sample_postgres.postgres.database)
    assert run(changed, Target(name="postgres", postgres=clean)) == 0
    yield sample_postgres.postgres, mart_checksums(Target(name="postgres", postgres=clean))
    postgres.drop_database(postgres_server, clean.database)


def test_postgres_recovers_from_kill_9(postgres_states, postgres_server, changed: Path) -> None:
    """Killed while loading raw (raw_build), after loading it and after building everything, each before the
    swap."""
    before, expected = postgres_states
    database = postgres.clone_database(postgres_server, before.database)
    target = Target(name="postgres", postgres=database)
    try:
        raw_before = scalar(target, "select count(*) from raw.country_vaccinations_by_manufacturer")
        for point in POSTGRES_POINTS:
            crash(changed, point, {"ELT_TARGET": "postgres", "DATABASE_URL": database.url})
            assert scalar(target, "select count(*) from raw.country_vaccinations_by_manufacturer") == raw_before, (
                "raw becomes visible with the marts, at the swap: a run killed before it leaves raw as it was"
            )
        assert run(changed, target) == 0
        assert mart_checksums(target) == expected
    finally:
        postgres.drop_database(postgres_server, database.database)


def test_a_second_run_on_duckdb_is_refused_while_one_writes(tmp_path: Path, capsys) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with open(tmp_path / "warehouse.duckdb.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert run(SAMPLE_DIR, duckdb_target(warehouse)) == 3
    assert "another ELT run" in capsys.readouterr().err
    assert not warehouse.exists(), "nothing was written"


def test_a_second_run_on_postgres_is_refused_while_one_writes(postgres_target: Target, capsys) -> None:
    import psycopg

    assert postgres_target.postgres is not None
    with psycopg.connect(postgres_target.postgres.url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", [ADVISORY_KEY])
        assert run(SAMPLE_DIR, postgres_target) == 3
    assert "another ELT run" in capsys.readouterr().err


def test_every_crash_point_is_tested() -> None:
    assert {*CHAINED, "after_swap"} == set(POINTS)
