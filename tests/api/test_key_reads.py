"""Reads by key: the fast lane (api.routes.key_reads) answers exactly as the documented route would,
falls through to it for everything else, and stays under the rate limits, metrics and access logs;
on DuckDB the rows come from tables held in memory, which must equal what SQL returns."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.core import mapped_keys
from api.core.config import Settings
from api.core.mapped_keys import MappedKeyedTable
from api.core.security import Role, create_token
from api.core.warehouse import KeyedTable, Warehouse
from api.main import create_app
from api.resources import RESOURCES
from api.routes.key_reads import KEY_READABLE, KeyReads
from tests.api.conftest import auth, bearer

KEYED = [resource for resource in RESOURCES if len(resource.key) == 1]


def _without_fast_lane(settings: Settings) -> FastAPI:
    app = create_app(settings)
    app.user_middleware = [middleware for middleware in app.user_middleware if middleware.cls is not KeyReads]
    return app


def _some_keys(client: TestClient, headers: dict[str, str], path: str, key: str) -> list[str]:
    response = client.get(f"/{path}", params={"select": key, "limit": 15, "order": f"{key}.desc"}, headers=headers)
    assert response.status_code == 200, response.text
    return [str(row[key]) for row in response.json()["data"]]


def test_fast_lane_answers_as_the_route_does(
    api_settings: Settings, client: TestClient, tokens: dict[Role, str]
) -> None:
    headers = auth(tokens, Role.ADMIN)
    compared = 0
    with TestClient(_without_fast_lane(api_settings)) as route_only:
        for resource in KEYED:
            key = resource.key[0]
            keys = _some_keys(client, headers, resource.path, key)
            # rows, a missing one, a key of the wrong type, an edit history path
            paths = [f"/{resource.path}/{value}" for value in keys]
            paths += [f"/{resource.path}/no-such-row-0000", f"/{resource.path}/x/history", f"/{resource.path}/x/edits"]
            paths += [f"/{resource.path}/history", f"/{resource.path}/edits"]  # keys, not edit log paths
            for path in paths:
                fast, slow = client.get(path, headers=headers), route_only.get(path, headers=headers)
                assert fast.status_code == slow.status_code, path
                assert fast.content == slow.content, path
                for header in ("content-type", "x-data-as-of"):
                    assert fast.headers.get(header) == slow.headers.get(header), (path, header)
                compared += 1
    assert compared > 60


def test_fast_lane_only_answers_what_it_may(client: TestClient, tokens: dict[Role, str]) -> None:
    """`_answer` returns None (so the route answers) for every request it must not serve itself."""
    app = client.app
    settings: Settings = app.state.settings

    def answer(path: str, token: str | None) -> tuple[bytes, str] | None:
        headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": headers, "app": app}
        return KeyReads._answer(scope)

    row_key = _some_keys(client, auth(tokens, Role.USER), "daily-statistics", "epidemic_daily_id")[0]
    assert answer("/countries/FRA", tokens[Role.GUEST]) is not None
    assert answer(f"/daily-statistics/{row_key}", tokens[Role.USER]) is not None
    assert answer(f"/daily-statistics/{row_key}", tokens[Role.GUEST]) is None, "GUEST may not read facts"
    assert answer("/countries/FRA", None) is None, "anonymous"
    assert answer("/countries/FRA", "not-a-token") is None, "forged"
    expired = create_token(settings, "user", Role.USER, "some-session", now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert answer("/countries/FRA", expired) is None, "expired"
    assert answer("/countries/NOWHERE", tokens[Role.USER]) is None, "no such row"
    assert answer("/dates/not-a-date", tokens[Role.USER]) is None, "a key of the wrong type"
    assert answer("/countries/FRA/history", tokens[Role.USER]) is None, "an edit history"
    assert answer("/countries/history", tokens[Role.USER]) is None, "a key named history, not found"
    assert answer("/countries", tokens[Role.USER]) is None, "a list"
    assert set(KEY_READABLE) == {resource.path for resource in KEYED}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_fast_lane_is_rate_limited_measured_and_logged(api_settings: Settings, tokens: dict[Role, str]) -> None:
    limits = {**api_settings.rate_limits, "GUEST": "3/minute"}
    limited = api_settings.model_copy(update={"rate_limit_enabled": True, "rate_limits": limits})
    access_log, records = logging.getLogger("api.access"), _Records()
    access_log.addHandler(records)
    try:
        with TestClient(create_app(limited)) as client:
            statuses = [client.get("/countries/FRA", headers=auth(tokens, Role.GUEST)).status_code for _ in range(4)]
            metrics = client.get("/metrics").text
    finally:
        access_log.removeHandler(records)
    assert statuses == [200, 200, 200, 429]
    counted = [line for line in metrics.splitlines() if line.startswith("http_requests_total{")]
    assert any('handler="/countries/{key_value' in line and 'status="2xx"' in line for line in counted), counted
    users = [record.fields["user"] for record in records.records if record.fields["path"] == "/countries/FRA"]
    assert users == ["guest"] * 3 + [None], "each read by key is logged, with its user once it got through"


def test_keyed_tables_equal_sql(api_warehouse: Path) -> None:
    """Every row served from memory (DuckDB only) equals the row SQL returns, value and type."""
    warehouse = Warehouse(Settings(api_env="test", elt_target="duckdb", duckdb_path=api_warehouse))
    loaded = _served_rows_equal_sql(warehouse)
    assert all(isinstance(table, KeyedTable) for table in loaded.values()), "every mart of the sample fits in memory"


def test_large_marts_are_read_by_key_from_a_sorted_mapped_copy(
    api_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mart over KEYED_TABLE_MAX_ROWS (the daily fact at 100x) is written sorted by key and mapped: its
    rows equal SQL's too, across batch boundaries and for keys between two stored ones; a second worker
    maps the file the first wrote, and a replaced warehouse file's copies are removed."""
    monkeypatch.setattr(Warehouse, "KEYED_TABLE_MAX_ROWS", -1)  # even an empty mart
    monkeypatch.setattr(mapped_keys, "BATCH_ROWS", 7)  # many batches, even on the sample
    settings = Settings(api_env="test", elt_target="duckdb", duckdb_path=api_warehouse, key_cache_dir=tmp_path)
    stale = mapped_keys.cache_folder(api_warehouse, (1, 1), tmp_path)
    stale.mkdir(parents=True)
    loaded = _served_rows_equal_sql(Warehouse(settings))
    assert loaded and all(isinstance(table, MappedKeyedTable) for table in loaded.values())
    assert not stale.exists(), "the copies of an older warehouse file are removed"
    written = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*.arrow")}
    assert len(written) == len(loaded)
    second = Warehouse(settings)
    assert _served_rows_equal_sql(second).keys() == loaded.keys()
    assert {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*.arrow")} == written, "mapped, not rewritten"
    daily = next(resource for resource in KEYED if resource.path == "daily-statistics")
    key = daily.key[0]
    for row in second.select_rows(daily.table.select().limit(50)):
        assert second.fetch_by_key(daily.table, key, row[key] + "0") is None  # sorts between two stored keys
        assert second.fetch_by_key(daily.table, key, row[key][:-1]) is None
    assert second.fetch_by_key(daily.table, key, "") is None
    assert second.fetch_by_key(daily.table, key, "~") is None  # after the last key


def _served_rows_equal_sql(warehouse: Warehouse) -> dict[str, object]:
    """Read up to 200 rows of every mart by key, as served and with SQL; the tables the worker loaded."""
    samples = {}
    for resource in KEYED:  # the first read by key starts loading the table, meanwhile SQL answers
        table, key = resource.table, resource.key[0]
        samples[resource.path] = rows = warehouse.select_rows(table.select().order_by(table.c[key]).limit(200))
        if rows:  # a quality mart may be empty on the sample
            assert warehouse.fetch_by_key(table, key, rows[0][key]) == rows[0]
    warehouse.wait_for_keyed_tables(timeout=120)
    loaded = warehouse._generation.keyed
    assert {f"marts.{resource.table.name}" for resource in KEYED if samples[resource.path]} <= set(loaded)
    assert all(loaded.values()), "every table read by key was loaded"
    checked = 0
    for resource in KEYED:
        table, key = resource.table, resource.key[0]
        with warehouse.connect() as connection:
            for row in samples[resource.path]:
                served = warehouse.fetch_by_key(table, key, row[key])
                expected = warehouse._select_by_key(connection, table, key, row[key])
                assert served == expected == row, (resource.path, row[key])
                assert [type(value) for value in served.values()] == [type(value) for value in expected.values()]
                checked += 1
        assert warehouse.fetch_by_key(table, key, "no-such-key" if key != "date" else dt.date(1900, 1, 1)) is None
    assert checked > 300
    return {name: table for name, table in loaded.items() if table is not None}


def test_reads_by_key_never_block_the_event_loop_during_a_swap(api_warehouse: Path, tmp_path: Path) -> None:
    """While a new warehouse file replaces one still being read (e.g. by a long CSV export), a read by key
    waits for the old file to drain in a worker thread: the event loop, and so every other request, goes on."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(api_warehouse, path)
    settings = Settings(api_env="test", elt_target="duckdb", duckdb_path=path, rate_limit_enabled=False)
    headers = bearer(settings, "guest", Role.GUEST)
    with TestClient(create_app(settings)) as client:
        assert client.get("/countries/FRA", headers=headers).status_code == 200
        warehouse = client.app.state.warehouse
        reader = warehouse._acquire_duckdb()  # a request still reading the current file
        shutil.copyfile(api_warehouse, tmp_path / "next.duckdb")
        os.replace(tmp_path / "next.duckdb", path)  # the ELT swaps in a new file
        assert not warehouse.opens_without_waiting()
        waiting: dict[str, int] = {}
        thread = threading.Thread(
            target=lambda: waiting.update(status=client.get("/countries/FRA", headers=headers).status_code)
        )
        thread.start()
        started = time.monotonic()
        assert client.get("/openapi.json").status_code == 200, "the event loop serves other requests"
        assert time.monotonic() - started < 5
        assert thread.is_alive(), "the read by key waits for the old file to drain"
        warehouse._release(reader)
        thread.join(timeout=30)
        assert waiting == {"status": 200}
        assert warehouse.opens_without_waiting()
