"""CSV export and health."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.core.security import Role
from api.models.marts import EpidemicDaily
from api.query.csv_export import stream_csv
from tests.api.conftest import auth


def test_csv_export_selects_columns_and_matches_json(client: TestClient, tokens: dict[Role, str]) -> None:
    params = {"country_iso3": "eq.FRA", "select": "date,source_code,cases_new", "order": "date,source_code"}
    response = client.get(
        "/daily-statistics", params=params, headers={**auth(tokens, Role.ANALYST), "Accept": "text/csv"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    as_json = client.get("/daily-statistics", params={**params, "limit": "10000"}, headers=auth(tokens, Role.ANALYST))
    expected = as_json.json()["data"]
    assert len(rows) == len(expected) > 0
    assert list(rows[0]) == ["date", "source_code", "cases_new"]
    as_text = [(r["date"], "" if r["cases_new"] is None else str(r["cases_new"])) for r in expected]
    assert [(r["date"], r["cases_new"]) for r in rows] == as_text


def test_csv_streams_in_large_blocks_not_rows(client: TestClient) -> None:
    """The export of the whole daily fact comes in a few large blocks (never a message per row)."""
    table = EpidemicDaily.__table__
    blocks = list(stream_csv(client.app.state.warehouse, sa.select(table), [column.name for column in table.c]))
    lines = sum(block.count(b"\n") for block in blocks)
    assert lines > 500
    assert len(blocks) <= 1 + sum(len(block) for block in blocks) // 65_536, (len(blocks), lines)


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_openapi_has_dbt_descriptions(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    daily = schema["components"]["schemas"]["EpidemicDaily"]["properties"]
    assert "7" in daily["cases_new_7d_avg"]["description"]


def test_as_of_and_provenance(client: TestClient, tokens: dict[Role, str]) -> None:
    response = client.get(
        "/daily-statistics",
        params={"select": "epidemic_daily_id,source_file,source_line,load_id", "limit": "1"},
        headers=auth(tokens, Role.USER),
    )
    assert response.headers["X-Data-As-Of"].startswith("20")
    row = response.json()["data"][0]
    assert row["source_file"].endswith(".csv") and row["source_line"] >= 2 and row["load_id"]
