"""The API keeps serving while `make elt` rebuilds the DuckDB warehouse, and then serves the new data."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from api.core.accounts import create_user
from api.core.config import Settings
from api.core.security import Role
from ingest.elt import run
from tests.support import sample_builds
from tests.support.net import serving

PASSWORD = "serving-while-building-password"


def test_elt_runs_while_api_serves(sample_copy: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    target = sample_builds.duckdb_copy(sample_copy, warehouse)
    settings = Settings(api_env="test", duckdb_path=warehouse)
    create_user(settings, "reader", PASSWORD, Role.USER)
    with serving({"ELT_TARGET": "duckdb", "DUCKDB_PATH": str(warehouse)}) as base:
        token = httpx.post(f"{base}/auth/token", data={"username": "reader", "password": PASSWORD}).json()[
            "access_token"
        ]
        headers = {"Authorization": f"Bearer {token}"}
        query = {"select": "doses_total", "location_name": "eq.France", "date": "eq.2021-01-30"}
        statuses: list[int] = []
        stop = threading.Event()

        def keep_reading() -> None:
            with httpx.Client(base_url=base, headers=headers) as client:
                while not stop.is_set():
                    statuses.append(client.get("/vaccinations-by-manufacturer", params=query).status_code)

        reader = threading.Thread(target=keep_reading)
        reader.start()
        path = sample_copy / "covid19" / "country_vaccinations_by_manufacturer.csv"
        path.write_text(path.read_text() + "France,2021/1/30,Moderna,777\n")
        try:
            assert run(sample_copy, target) == 0, "the ELT must not be blocked by the API's readers"
        finally:
            stop.set()
            reader.join()
        assert statuses and set(statuses) == {200}, f"every request during the rebuild succeeded: {set(statuses)}"
        after = httpx.get(f"{base}/vaccinations-by-manufacturer", params=query, headers=headers).json()["data"]
        assert after == [{"doses_total": 777}], "the API serves the new warehouse once it is swapped in"
