"""The raw load (ingest/pipeline.py): dlt's settings apply in the process that loads, whatever the process
that imported ingest.pipeline set, and a value the user set wins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest import registry, rejects
from ingest.pipeline import DLT_DEFAULTS, load_raw
from tests.conftest import duckdb_target


def test_the_load_sets_dlts_defaults_and_keeps_the_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in DLT_DEFAULTS:
        monkeypatch.delenv(name, raising=False)  # as in a worker whose ELT process never imported the module
    monkeypatch.setenv("DATA_WRITER__FILE_MAX_ITEMS", "5000")
    load_raw(duckdb_target(tmp_path / "warehouse.duckdb"), {}, registry.to_arrow([]), rejects.to_arrow({}))
    assert os.environ["EXTRACT__NEXT_ITEM_MODE"] == "fifo"
    assert os.environ["RUNTIME__DLTHUB_TELEMETRY"] == "false"
    assert os.environ["DATA_WRITER__FILE_MAX_ITEMS"] == "5000"
