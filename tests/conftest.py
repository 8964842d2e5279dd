"""Shared fixtures: input folders, DuckDB and Postgres warehouses built by the real pipeline."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest.elt import run
from ingest.phase_worker import keep_server_between_runs
from ingest.warehouse import PROJECT_ROOT, PostgresSettings, Target
from tests.support import postgres, sample_builds
from tests.support.sample_builds import SAMPLE_DIR
from tests.support.spark import FOLDER_VARIABLE, SAMPLE_RUN_ID, BackgroundBuild, java_missing

_OWNED_FOLDERS = pytest.StashKey[list[str]]()
REAL_DATA_DIR = Path(os.environ.get("REAL_DATA_DIR") or PROJECT_ROOT.parent / "shared" / "data")


def _spark_sample() -> BackgroundBuild:
    return BackgroundBuild(Path(os.environ[FOLDER_VARIABLE]), SAMPLE_DIR)


def pytest_configure(config: pytest.Config) -> None:
    """The controlling process (or the only one) names the folders of the Spark sample build and of the
    DuckDB sample builds (tests/support/sample_builds.py); xdist workers inherit them, so they share the builds."""
    owned = []
    for variable, prefix in ((FOLDER_VARIABLE, "spark-sample-"), (sample_builds.FOLDER_VARIABLE, "sample-builds-")):
        if variable not in os.environ:
            os.environ[variable] = tempfile.mkdtemp(prefix=prefix)
            owned.append(variable)
    config.stash[_OWNED_FOLDERS] = owned
    # This process runs the ELT many times: its read-and-load workers fork from one fork server that keeps
    # pyarrow, DuckDB and dlt imported (ingest/phase_worker.py). ELT runs in subprocesses stop it before dbt.
    keep_server_between_runs()


def pytest_unconfigure(config: pytest.Config) -> None:
    owned = config.stash.get(_OWNED_FOLDERS, [])
    if FOLDER_VARIABLE in owned:
        _spark_sample().stop()
    for variable in owned:
        shutil.rmtree(os.environ.pop(variable), ignore_errors=True)


def _reads_spark_sample(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    callspec = getattr(item, "callspec", None)
    return bool({"sample_spark", "spark_sample_build"} & set(names)) or (
        callspec is not None and callspec.params.get("sample_warehouse") == "spark"
    )


def _xdist_group(item: pytest.Item) -> str | None:
    mark = item.get_closest_marker("xdist_group")
    return None if mark is None else (mark.args[0] if mark.args else mark.kwargs.get("name"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run order, which pytest-xdist keeps (`make test` passes --no-loadscope-reorder): the other groups first
    (each builds a large module fixture on one worker), then the single tests, with the readers of the sample's
    Spark build in their middle, by when its background build (started at collection) has finished, rather than
    first, where one worker would sit waiting for it. Tests that change that build go last."""

    def place(item: pytest.Item) -> str:
        if item.get_closest_marker("changes_spark_sample") is not None:
            return "changes spark"
        group = _xdist_group(item)
        if group == "spark_sample" or _reads_spark_sample(item):
            return "spark"
        return "single" if group is None else "group"

    places = {item.nodeid: place(item) for item in items}
    singles = [item.nodeid for item in items if places[item.nodeid] == "single"]
    for nodeid in singles[len(singles) // 2 :]:
        places[nodeid] = "later single"
    order = ["group", "single", "spark", "later single", "changes spark"]
    items.sort(key=lambda item: order.index(places[item.nodeid]))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the sample's Spark build at once when a selected test reads it: it runs beside the others."""
    if not java_missing() and any(_reads_spark_sample(item) for item in session.items):
        _spark_sample().start()


@pytest.fixture(scope="session", autouse=True)
def _isolated_dbt_artifacts(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the tests' dbt artifacts and logs out of the developer's dbt_project/target."""
    artifacts = tmp_path_factory.mktemp("dbt")
    os.environ["DBT_TARGET_PATH"] = str(artifacts / "target")
    os.environ["DBT_LOG_PATH"] = str(artifacts / "logs")
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped sample, safe to edit."""
    target = tmp_path / "input"
    shutil.copytree(SAMPLE_DIR, target)
    return target


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    if not (REAL_DATA_DIR / "covid19").is_dir():
        pytest.skip(f"real data not found at {REAL_DATA_DIR} (set REAL_DATA_DIR); skipping real-data tests")
    return REAL_DATA_DIR


def duckdb_target(path: Path) -> Target:
    return Target(name="duckdb", duckdb_path=path)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresSettings]:
    with postgres.server_from_env_or_throwaway() as settings:
        yield settings
        sample_builds.drop_templates(settings)


@pytest.fixture
def postgres_target(postgres_server: PostgresSettings) -> Iterator[Target]:
    """A warehouse in a fresh database of the test Postgres server, dropped afterwards."""
    database = postgres.create_database(postgres_server)
    yield Target(name="postgres", postgres=database)
    postgres.drop_database(postgres_server, database.database)


# Warehouses built once per session from the shipped sample (read by tests/dbt, tests/spark, tests/dashboards).
@pytest.fixture(scope="session")
def sample_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Target:
    path = tmp_path_factory.mktemp("duckdb") / "warehouse.duckdb"
    return sample_builds.duckdb_copy(SAMPLE_DIR, path, run_id=SAMPLE_RUN_ID)


@pytest.fixture(scope="session")
def spark_sample_build() -> BackgroundBuild:
    """The Spark build of the sample (ELT_TARGET=spark, local mode), finished; its marts are served from
    `target.duckdb_path`, its dbt artifacts in `dbt_target_path`."""
    reason = java_missing()
    if reason:
        pytest.skip(reason)
    build = _spark_sample()
    code = build.wait()
    assert code == 0, f"ELT_TARGET=spark make elt on the sample must succeed; its log ends:\n{build.log_tail()}"
    return build


@pytest.fixture(scope="session")
def sample_spark(spark_sample_build: BackgroundBuild) -> Target:
    return spark_sample_build.target


@pytest.fixture(scope="session")
def sample_postgres(postgres_server: PostgresSettings) -> Iterator[Target]:
    database = sample_builds.postgres_copy(postgres_server, SAMPLE_DIR, prefix="sample")
    yield Target(name="postgres", postgres=database)
    postgres.drop_database(postgres_server, database.database)


@contextmanager
def built_warehouse(
    request: pytest.FixtureRequest, data_dir: Path, name: str, expected_code: int = 0
) -> Iterator[Target]:
    """A warehouse built from `data_dir` on the engine of a fixture parametrised with "duckdb"/"postgres":
    a DuckDB file in a temporary folder, or a database of the test Postgres server dropped afterwards."""
    if request.param == "duckdb":
        target = duckdb_target(request.getfixturevalue("tmp_path_factory").mktemp(name) / "warehouse.duckdb")
        assert run(data_dir, target) == expected_code
        yield target
        return
    server: PostgresSettings = request.getfixturevalue("postgres_server")
    database = postgres.create_database(server, prefix=name)
    target = Target(name="postgres", postgres=database)
    try:
        assert run(data_dir, target) == expected_code
        yield target
    finally:
        postgres.drop_database(server, database.database)
