"""Writes through the API: shown at once, applied by every ELT build, revertible, checked, all-or-nothing.

Each target gets its own warehouse and API database (the other API tests share one and must not see
these edits): a copy of the sample build (tests/support/sample_builds.py) on DuckDB or Postgres.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.core.config import Settings
from api.core.security import Role
from api.main import create_app
from ingest.elt import run
from ingest.warehouse import PostgresSettings, Target, connect
from tests.api.conftest import bearer
from tests.conftest import SAMPLE_DIR
from tests.support import postgres, sample_builds

FRANCE_POPULATION = 65_273_511  # data/sample's dim_country row for FRA


@dataclass
class Setup:
    client: TestClient
    target: Target
    settings: Settings

    def as_role(self, role: Role) -> dict[str, str]:
        return bearer(self.settings, f"{role.value.lower()}-edits", role)

    def mart(self, sql: str) -> list[tuple]:
        with connect(self.target, read_only=self.target.name == "duckdb") as conn:
            return conn.fetch_all(sql)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def setup(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    if request.param == "duckdb":
        path = tmp_path_factory.mktemp("edits") / "warehouse.duckdb"
        target = sample_builds.duckdb_copy(SAMPLE_DIR, path)
        settings = Settings(api_env="test", elt_target="duckdb", duckdb_path=path, rate_limit_enabled=False)
        database = None
    else:
        server: PostgresSettings = request.getfixturevalue("postgres_server")
        database = sample_builds.postgres_copy(server, SAMPLE_DIR, prefix="edits")
        target = Target(name="postgres", postgres=database)
        settings = Settings(api_env="test", elt_target="postgres", database_url=database.url, rate_limit_enabled=False)
    with TestClient(create_app(settings)) as client:
        client.headers.update(bearer(settings, "boss", Role.MANAGER))
        yield Setup(client, target, settings)
    if database is not None:
        postgres.drop_database(request.getfixturevalue("postgres_server"), database.database)


def _elt(setup: Setup) -> None:
    assert run(SAMPLE_DIR, setup.target) == 0, "the ELT must build with the edits applied"


def test_edits_show_at_once_survive_the_elt_and_revert(setup: Setup) -> None:
    client = setup.client
    changed = client.patch("/countries/FRA?reason=census 2026", json={"population": 68_000_000})
    assert changed.status_code == 200, changed.text
    assert changed.json()["population"] == 68_000_000 and changed.json()["country_name"] == "France"
    # At once: read by key, list with a filter, count and CSV all see the edit.
    assert client.get("/countries/FRA").json()["population"] == 68_000_000
    page = client.get("/countries?population=gte.68000000&population=lt.68000001&count=exact").json()
    assert [row["country_iso3"] for row in page["data"]] == ["FRA"] and page["count"] == 1
    exported = client.get("/countries?country_iso3=eq.FRA&select=country_iso3,population&format=csv")
    assert list(csv.reader(io.StringIO(exported.text))) == [["country_iso3", "population"], ["FRA", "68000000"]]

    _elt(setup)
    assert client.get("/countries/FRA").json()["population"] == 68_000_000
    assert setup.mart("select population from marts.dim_country where country_iso3 = 'FRA'") == [(68_000_000,)]
    history = client.get("/countries/FRA/history").json()
    assert [(e["operation"], e["applied"], e["reason"]) for e in history] == [("upsert", True, "census 2026")]
    assert history[0]["before_row"]["population"] == FRANCE_POPULATION

    reverted = client.post(f"/edits/{history[0]['edit_id']}/revert")
    assert reverted.status_code == 201, reverted.text
    assert reverted.json()["operation"] == "revert" and not reverted.json()["applied"]
    assert client.get("/countries/FRA").json()["population"] == FRANCE_POPULATION  # at once, before a build
    _elt(setup)
    assert client.get("/countries/FRA").json()["population"] == FRANCE_POPULATION
    assert setup.mart("select population from marts.dim_country where country_iso3 = 'FRA'") == [(FRANCE_POPULATION,)]
    assert [e["operation"] for e in client.get("/countries/FRA/history").json()] == ["upsert", "revert"]


def test_create_and_delete_are_kept_by_the_build(setup: Setup) -> None:
    client = setup.client
    created = client.post(
        "/vaccines",
        json={"vaccine_name": "Testvax", "manufacturer": "Test Labs", "epidemic_code": "covid19"},
    )
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/vaccines/Testvax"
    assert client.post("/vaccines", json={"vaccine_name": "Testvax", "epidemic_code": "covid19"}).status_code == 409
    deleted_name = client.get("/vaccines?order=vaccine_name&limit=1").json()["data"][0]["vaccine_name"]
    assert client.delete(f"/vaccines/{deleted_name}?reason=duplicate").status_code == 204
    assert client.get(f"/vaccines/{deleted_name}").status_code == 404
    assert client.delete(f"/vaccines/{deleted_name}").status_code == 404

    _elt(setup)  # the source still has the deleted vaccine: the tombstone keeps it out
    assert client.get("/vaccines/Testvax").json()["manufacturer"] == "Test Labs"
    names = {name for (name,) in setup.mart("select vaccine_name from marts.dim_vaccine")}
    assert "Testvax" in names and deleted_name not in names
    assert client.get("/vaccines/Testvax").json()["manufacturer"] == "Test Labs"

    delete_event = client.get(f"/vaccines/{deleted_name}/history").json()[-1]
    assert delete_event["operation"] == "delete" and delete_event["applied"]
    assert client.post(f"/edits/{delete_event['edit_id']}/revert").status_code == 201
    assert client.get(f"/vaccines/{deleted_name}").status_code == 200


def test_fact_rows_are_keyed_by_their_natural_key(setup: Setup) -> None:
    client = setup.client
    row = {"epidemic_code": "covid19", "source_code": "jhu", "location_name": "France", "date": "2020-03-10"}
    existing = client.get(
        "/daily-statistics?epidemic_code=eq.covid19&source_code=eq.jhu&location_name=eq.France&date=eq.2020-03-10"
    ).json()["data"][0]
    imported = client.post("/daily-statistics/import", json=[{**row, "cases_new": 5, "cases_cumulative": 999}])
    assert imported.json() | {"batch_id": None} == {"batch_id": None, "created": 0, "updated": 1, "unchanged": 0}
    edited = client.get(f"/daily-statistics/{existing['epidemic_daily_id']}").json()
    assert (edited["cases_new"], edited["cases_cumulative"], edited["deaths_new"]) == (5, 999, existing["deaths_new"])
    # A wrong surrogate key is refused: the API computes it from the natural key.
    wrong = client.post("/daily-statistics/import", json=[{**row, "epidemic_daily_id": "0" * 32}])
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_key"
    # A negative count sets the flag the pipeline derives from it.
    client.patch(f"/daily-statistics/{existing['epidemic_daily_id']}", json={"cases_new": -3})
    assert client.get(f"/daily-statistics/{existing['epidemic_daily_id']}").json()["is_cases_new_negative"] is True
    # A row the source does not have gets the API as its provenance.
    new = {**row, "epidemic_code": "mpox", "source_code": "mpox", "location_kind": "country", "country_iso3": "FRA"}
    created = client.post("/daily-statistics", json=new)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["epidemic_daily_id"] == hashlib.md5(b"mpox|mpox|France|2020-03-10", usedforsecurity=False).hexdigest()
    assert (body["source_file"], body["source_line"], body["load_id"]) == ("api", 0, created.headers["X-Edit-Batch"])
    # Lists show the pending row with full precision, as a read by key does.
    listed = client.get(f"/daily-statistics?epidemic_daily_id=eq.{existing['epidemic_daily_id']}").json()["data"][0]
    assert listed == client.get(f"/daily-statistics/{existing['epidemic_daily_id']}").json()
    # The build accepts corrections of JHU figures (its world totals then differ from JHU's on that day).
    _elt(setup)
    assert client.get(f"/daily-statistics/{existing['epidemic_daily_id']}").json()["cases_cumulative"] == 999


def test_import_is_all_or_nothing_with_row_errors(setup: Setup) -> None:
    client = setup.client
    before = len(client.get("/edits?limit=10000").json())
    bad = client.post(
        "/countries/import",
        json=[
            {"country_iso3": "DEU", "population": 1},
            {"country_iso3": "ITA", "who_region": "Mars"},
            {"country_iso3": "ESP", "continent_code": "XX"},
        ],
    )
    assert bad.status_code == 422, bad.text
    assert [(d["row"], d["key"]) for d in bad.json()["details"]] == [(1, "ITA"), (2, "ESP")]
    assert len(client.get("/edits?limit=10000").json()) == before
    assert client.get("/countries/DEU").json()["population"] != 1

    not_a_number = client.post(
        "/countries/import", json=[{"country_iso3": "DEU"}, {"country_iso3": "ITA", "population": "x"}]
    )
    assert not_a_number.status_code == 422 and not_a_number.json()["details"][0]["row"] == 1

    csv = "country_iso3,who_region,population\nDEU,Europe,83000000\nITA,Europe,\n"
    ok = client.post("/countries/import?reason=csv", content=csv, headers={"Content-Type": "text/csv"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["updated"] == 2 and ok.json()["created"] == 0
    assert client.get("/countries/ITA").json()["population"] is None  # a blank cell sets NULL
    audited = client.get(
        "/audit", params={"event": "eq.edits.imported", "order": "audit_id.desc", "limit": 1},
        headers=setup.as_role(Role.ADMIN),
    ).json()[0]  # fmt: skip
    assert (audited["actor"], audited["target"]) == ("boss", "dim_country")
    assert audited["details"]["batch_id"] == ok.json()["batch_id"] and audited["details"]["updated"] == 2
    again = client.post("/countries/import", content=csv, headers={"Content-Type": "text/csv"})
    assert again.json()["unchanged"] == 2 and again.json()["updated"] == 0

    bad_csv = "country_iso3,population\nDEU,1\nITA,lots\n"
    failed = client.post("/countries/import", content=bad_csv, headers={"Content-Type": "text/csv"})
    assert failed.status_code == 422 and failed.json()["details"][0]["row"] == 3  # CSV line number
    unknown = client.post(
        "/countries/import", content="country_iso3,colour\nDEU,red\n", headers={"Content-Type": "text/csv"}
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_column"


def test_writes_are_checked_against_the_marts_tests(setup: Setup) -> None:
    client = setup.client
    cases = [
        ("/countries/FRA", {"continent_code": "XX"}, "is not in dim_continent.continent_code"),
        ("/countries/FRA", {"who_region": "Atlantis"}, "must be one of"),
        ("/countries/FRA", {"country_name": None}, "must not be null"),
        ("/countries/FRA", {"population": -1}, "must be within"),
        ("/epidemics/covid19", {"end_date": "2000-01-01"}, "end_date >= start_date"),
    ]
    for path, body, message in cases:
        response = client.patch(path, json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert message in response.json()["message"], response.json()
    # Row-level checks that used to be singular tests: deaths above cases, a country other than OWID's ISO code.
    daily = client.get("/daily-statistics?source_code=eq.jhu&cases_cumulative=gt.10&limit=1").json()["data"][0]
    too_many = {"deaths_cumulative": daily["cases_cumulative"] + 1}
    refused = client.patch(f"/daily-statistics/{daily['epidemic_daily_id']}", json=too_many)
    assert refused.status_code == 422 and "deaths_cumulative <= cases_cumulative" in refused.json()["message"]
    vaccination = client.get("/vaccinations?iso_code_reported=eq.FRA&limit=1").json()["data"][0]
    moved = client.patch(f"/vaccinations/{vaccination['vaccination_id']}", json={"country_iso3": "DEU"})
    assert moved.status_code == 422 and "coalesce(country_iso3 = iso_code_reported" in moved.json()["message"]
    taken = client.patch("/countries/FRA", json={"country_iso2": "DE"})
    assert taken.status_code == 422 and "already used by DEU" in taken.json()["message"]
    for path in ("/epidemics/mpox", "/dates/2020-03-02"):  # facts still point at them
        refused = client.delete(path)
        assert refused.status_code == 422 and "still references it" in refused.json()["message"], refused.text
    for identity in ({"country_iso3": "XXX"}, {"colour": "red"}):
        assert client.patch("/countries/FRA", json=identity).status_code == 422


def test_revert_only_the_latest_edit(setup: Setup) -> None:
    client = setup.client
    original = client.get("/epidemics/mpox").json()
    first = client.patch("/epidemics/mpox?reason=one", json={"description": "first"})
    second = client.patch("/epidemics/mpox?reason=two", json={"epidemic_name": "Mpox (edited)"})
    assert first.status_code == second.status_code == 200
    events = client.get("/epidemics/mpox/history").json()
    refused = client.post(f"/edits/{events[0]['edit_id']}/revert")
    assert refused.status_code == 409 and f"revert edit {events[1]['edit_id']} first" in refused.json()["hint"]
    assert client.post(f"/edits/{events[1]['edit_id']}/revert").status_code == 201
    now = client.get("/epidemics/mpox").json()
    assert now["description"] == "first" and now["epidemic_name"] != "Mpox (edited)"
    log = client.get("/edits?resource=eq.dim_epidemic&row_key=eq.mpox&order=edit_id.desc&limit=1").json()
    assert log[0]["operation"] == "upsert" and log[0]["changes"] == {"description": "first"}
    assert client.post("/edits/999999/revert").status_code == 404
    # Dropping every edit of the row at once brings the source values back.
    restored = client.delete("/epidemics/mpox/edits")
    assert restored.status_code == 200 and restored.json()["operation"] == "revert", restored.text
    assert client.get("/epidemics/mpox").json() == original
    assert client.delete("/epidemics/mpox/edits").status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_writes_need_manager(setup: Setup, role: Role) -> None:
    client, headers = setup.client, setup.as_role(role)
    allowed = role.at_least(Role.MANAGER)
    calls = [
        ("PATCH", "/continents/AF", {"json": {"population": 1_400_000_000}}),
        ("POST", "/continents/import", {"json": [{"continent_code": "AF", "continent_name": "Africa"}]}),
        ("POST", "/continents", {"json": {"continent_code": "AF", "continent_name": "Africa"}}),
        ("DELETE", "/continents/ZZ", {}),
    ]
    for method, path, kwargs in calls:
        status = client.request(method, path, headers=headers, **kwargs).status_code
        assert (status != 403) == allowed, (role, method, path, status)
        assert client.request(method, path, headers={"Authorization": ""}, **kwargs).status_code == 401
    assert (client.get("/edits", headers=headers).status_code == 200) == role.at_least(Role.USER)


def test_keys_may_contain_slashes(setup: Setup) -> None:
    client = setup.client
    changed = client.patch("/vaccines/Oxford/AstraZeneca", json={"doses": "2 doses"})
    assert changed.status_code == 200, changed.text
    assert client.get("/vaccines/Oxford/AstraZeneca").json()["doses"] == "2 doses"
    assert [e["row_key"] for e in client.get("/vaccines/Oxford/AstraZeneca/history").json()] == ["Oxford/AstraZeneca"]
    for name in ("history", "edits"):  # keys, though they end the paths of a row's history and edits
        created = client.post("/vaccines", json={"vaccine_name": name, "epidemic_code": "covid19"})
        assert created.status_code == 201, created.text
        assert client.get(created.headers["Location"]).json()["vaccine_name"] == name
        assert client.delete(f"/vaccines/{name}").status_code == 204


def test_many_pending_edits_keep_lists_working(setup: Setup) -> None:
    rows = [{"vaccine_name": f"Bulkvax {i:05d}", "epidemic_code": "covid19"} for i in range(3000)]
    imported = setup.client.post("/vaccines/import", json=rows)
    assert imported.status_code == 200 and imported.json()["created"] == 3000, imported.text
    page = setup.client.get("/vaccines?vaccine_name=like.Bulkvax*&order=vaccine_name.desc&limit=2&count=exact").json()
    assert page["count"] == 3000 and page["data"][0]["vaccine_name"] == "Bulkvax 02999"


def test_hostile_writes_get_a_4xx_in_the_error_shape(setup: Setup) -> None:
    """A bulk import with one bad row among 10,000 writes nothing; hostile bodies are refused, never a 500."""
    client = setup.client
    before = len(client.get("/edits?limit=10000").json())
    rows = [{"country_iso3": "DEU", "population": 83_000_000 + i} for i in range(10_000)]
    rows[7_000] = {"country_iso3": "DEU", "population": "lots"}
    refused = client.post("/countries/import", json=rows)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_rows" and refused.json()["details"][0]["row"] == 7_000
    assert len(client.get("/edits?limit=10000").json()) == before, "nothing partly written"

    def refused_cleanly(response) -> None:
        assert 400 <= response.status_code < 500, response.text
        assert set(response.json()) >= {"code", "message"}

    json_headers = {"Content-Type": "application/json"}
    refused_cleanly(client.post("/countries/import", content=b"[" * 100_000 + b"]" * 100_000, headers=json_headers))
    refused_cleanly(client.patch("/countries/FRA", content=b'{"population": ' + b"[" * 100_000, headers=json_headers))
    refused_cleanly(client.patch("/countries/FRA", content='{"a":' * 50_000 + "1" + "}" * 50_000, headers=json_headers))
    refused_cleanly(client.patch("/countries/FRA", json={"country_name": "Fra\u0000nce"}))
    refused_cleanly(client.post("/countries/import", json=[{"country_iso3": "FRA", "country_name": "Fra\u0000nce"}]))
    refused_cleanly(client.patch("/countries/FRA", json={"population": "lots"}))
    refused_cleanly(client.patch("/countries/FRA", json=[1, 2, 3]))
    oversized = client.post("/countries/import", content=b" " * (65 * 1024 * 1024), headers=json_headers)
    assert oversized.status_code == 413 and oversized.json()["code"] == "body_too_large"
    assert client.get("/countries/FRA").json()["country_name"] == "France"
    assert len(client.get("/edits?limit=10000").json()) == before
