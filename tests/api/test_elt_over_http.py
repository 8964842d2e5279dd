"""ADMIN starts the ELT over HTTP: one run at a time, followed to its recorded outcome."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.core.config import Settings
from api.core.security import Role
from api.main import create_app
from ingest.catalog import catalog
from tests.api.conftest import bearer


@pytest.fixture
def elt_client(tmp_path: Path) -> TestClient:
    settings = Settings(
        api_env="test",
        duckdb_path=tmp_path / "warehouse.duckdb",
        elt_state_dir=tmp_path / "runs",
        rate_limit_enabled=False,
    )
    client = TestClient(create_app(settings))
    client.headers.update(bearer(settings, "root", Role.ADMIN))
    client.manager_headers = bearer(settings, "boss", Role.MANAGER)
    return client


def test_start_follow_and_refuse_a_second_run(elt_client: TestClient) -> None:
    assert elt_client.post("/elt/runs", headers=elt_client.manager_headers).status_code == 403
    started = elt_client.post("/elt/runs")
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    second = elt_client.post("/elt/runs")
    assert second.status_code == 409 and second.json()["code"] == "elt_running"
    audited = elt_client.get("/audit", params={"event": "eq.elt.started"}).json()
    assert [(e["actor"], e["target"]) for e in audited] == [("root", run_id)]

    run = _wait(elt_client, run_id)
    assert run["status"] == "success", run
    assert run["requested_by"] == "root" and run["files_loaded"] == len(catalog().sources) and run["rows_loaded"] > 1000
    assert run["seconds_dbt"] > 0 and any("status success" in line for line in run["log_tail"])
    listed = elt_client.get("/elt/runs").json()
    assert listed[0]["run_id"] == run_id
    assert elt_client.get("/elt/runs/nope").status_code == 404
    again = elt_client.post("/elt/runs")
    assert again.status_code == 202, "the lock is released when the run ends"
    assert _wait(elt_client, again.json()["run_id"])["status"] == "no_op", "nothing changed since the first run"


def _wait(client: TestClient, run_id: str, seconds: float = 240) -> dict:
    deadline = time.monotonic() + seconds
    while (run := client.get(f"/elt/runs/{run_id}").json())["status"] == "running":
        assert time.monotonic() < deadline, "the run did not finish in time"
        time.sleep(0.5)
    return run
