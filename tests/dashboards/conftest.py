"""Fixtures for the dashboards: a dbt manifest, and a fake Metabase serving on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.dbt_runner import run_dbt
from ingest.warehouse import Target
from tests.dashboards.fake_metabase import FakeMetabase, serve

WAREHOUSE_IN_METABASE = "Epidemic warehouse"


@pytest.fixture(scope="session")
def dbt_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`dbt parse` of the project (no database needed): the manifest, with its path under `_path`."""
    folder = tmp_path_factory.mktemp("dbt-parse")
    target = Target(name="duckdb", duckdb_path=folder / "unused.duckdb")
    assert run_dbt(target, "parse", "--target-path", str(folder / "target")) == 0, "dbt parse must succeed"
    path = folder / "target" / "manifest.json"
    return {**json.loads(path.read_text()), "_path": str(path)}


@pytest.fixture
def metabase() -> Iterator[tuple[FakeMetabase, str]]:
    """A fake Metabase that knows the warehouse (id 7) and its demo database; yields (state, URL)."""
    state = FakeMetabase(
        databases=[
            {"id": 1, "name": "Sample Database", "engine": "h2"},
            {"id": 7, "name": WAREHOUSE_IN_METABASE, "engine": "postgres"},
        ]
    )
    with serve(state) as url:
        yield state, url


def manifest_path(manifest: dict[str, Any]) -> Path:
    return Path(manifest["_path"])
