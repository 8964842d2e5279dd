"""CSV export and health."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from api.core.security import Role
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
