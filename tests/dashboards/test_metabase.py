"""Provisioning into Metabase, against the in-process fake (tests/dashboards/fake_metabase.py).

Not tested here: a real Metabase. The fake answers the endpoints we call the way Metabase's API documents them.
"""

from __future__ import annotations

from typing import Any

import pytest

from dashboards import metabase as mb_provisioning
from dashboards.metabase import Metabase, MetabaseError, provision, spec_key
from dashboards.spec import Dashboard, load_specs
from ingest.warehouse import Target
from tests.dashboards.conftest import WAREHOUSE_IN_METABASE, manifest_path
from tests.dashboards.fake_metabase import API_KEY, PASSWORD, USER, FakeMetabase

COLLECTION = "Epidemic data platform"


def run(url: str, dashboards: list[Dashboard], **auth: str) -> mb_provisioning.Outcome:
    client = Metabase(url, **(auth or {"api_key": API_KEY}))
    try:
        return provision(client, dashboards, WAREHOUSE_IN_METABASE, COLLECTION)
    finally:
        client.close()


def live(store: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {item_id: item for item_id, item in store.items() if not item["archived"]}


def test_provisioning_twice_updates_in_place(metabase: tuple[FakeMetabase, str]) -> None:
    state, url = metabase
    dashboards = load_specs()
    n_cards = sum(len(d.cards) for d in dashboards)

    first = run(url, dashboards)
    assert len(first.created) == n_cards + len(dashboards) and not first.updated
    cards_before = {item_id: card["name"] for item_id, card in state.cards.items()}
    dashcards_before = {d_id: [c["id"] for c in d["dashcards"]] for d_id, d in state.dashboards.items()}

    second = run(url, dashboards, username=USER, password=PASSWORD)  # the session login path this time
    assert not second.created and not second.archived
    assert len(second.updated) == n_cards + len(dashboards)
    assert {item_id: card["name"] for item_id, card in state.cards.items()} == cards_before
    assert {d_id: [c["id"] for c in d["dashcards"]] for d_id, d in state.dashboards.items()} == dashcards_before
    assert len(state.collections) == 1
    assert len(live(state.dashboards)) == len(dashboards)
    for dashboard, stored in zip(dashboards, state.dashboards.values(), strict=True):
        assert stored["name"] == dashboard.title
        assert len(stored["dashcards"]) == len(dashboard.cards)
        assert first.dashboard_urls[dashboard.key] == f"{url}/dashboard/{stored['id']}"


def test_cards_query_the_warehouse_with_native_sql(metabase: tuple[FakeMetabase, str]) -> None:
    state, url = metabase
    run(url, load_specs())
    for card in state.cards.values():
        query = card["dataset_query"]
        assert query["type"] == "native" and query["database"] == 7
        assert "marts." in query["native"]["query"]
        assert "[spec:" in card["description"]
    displays = {card["display"] for card in state.cards.values()}
    assert {"scalar", "line", "bar", "table"} <= displays


def test_country_filter_is_wired_to_every_card(metabase: tuple[FakeMetabase, str]) -> None:
    state, url = metabase
    outcome = run(url, load_specs())
    dashboard_id = int(outcome.dashboard_urls["country"].rsplit("/", 1)[1])
    dashboard = state.dashboards[dashboard_id]
    (parameter,) = dashboard["parameters"]
    assert parameter["slug"] == "country" and parameter["default"] == ["FRA"]
    for dashcard in dashboard["dashcards"]:
        card = state.cards[dashcard["card_id"]]
        tag = card["dataset_query"]["native"]["template-tags"]["country"]
        assert tag["type"] == "text" and tag["default"] == "FRA" and tag["required"]
        assert "{{country}}" in card["dataset_query"]["native"]["query"]
        assert dashcard["parameter_mappings"] == [
            {
                "parameter_id": parameter["id"],
                "card_id": card["id"],
                "target": ["variable", ["template-tag", "country"]],
            }
        ]
    # Dashboards without filters have no parameters and no mappings.
    world_id = int(outcome.dashboard_urls["world_overview"].rsplit("/", 1)[1])
    assert state.dashboards[world_id]["parameters"] == []


def test_spec_changes_update_and_archive(metabase: tuple[FakeMetabase, str]) -> None:
    state, url = metabase
    dashboards = load_specs()
    run(url, dashboards)
    world = next(d for d in dashboards if d.key == "world_overview")
    renamed = world.cards[0].model_copy(update={"title": "Confirmed cases (renamed)"})
    changed = world.model_copy(update={"cards": [renamed, *world.cards[2:]]})  # drops the second card
    card_ids = {spec_key(card["description"]): card_id for card_id, card in state.cards.items()}
    kept, dropped = (card_ids[world.card_key(card)] for card in world.cards[:2])

    outcome = run(url, [changed if d.key == "world_overview" else d for d in dashboards])
    assert outcome.archived == [f"card {world.card_key(world.cards[1])}"]
    assert state.cards[kept]["name"] == "Confirmed cases (renamed)"
    assert state.cards[dropped]["archived"]
    world_dashboard = next(d for d in state.dashboards.values() if d["name"] == world.title)
    assert {c["card_id"] for c in world_dashboard["dashcards"]} == {
        card_ids[world.card_key(card)] for card in changed.cards
    }


def test_unknown_database_is_reported(metabase: tuple[FakeMetabase, str]) -> None:
    _, url = metabase
    client = Metabase(url, api_key=API_KEY)
    with pytest.raises(MetabaseError, match=r"no database named 'Nope'.*'Epidemic warehouse'"):
        provision(client, load_specs(), "Nope", COLLECTION)


def test_wrong_credentials_are_reported(metabase: tuple[FakeMetabase, str]) -> None:
    _, url = metabase
    with pytest.raises(MetabaseError, match="HTTP 401"):
        Metabase(url, username=USER, password="wrong-password")


def test_make_dashboards_pushes_dbt_docs_with_dbt_metabase(
    metabase: tuple[FakeMetabase, str], dbt_manifest: dict[str, Any], sample_duckdb: Target
) -> None:
    """The whole `make dashboards` step: cards, then dbt-metabase (a real subprocess) on the same fake."""
    state, url = metabase
    state.tables = _tables_of_marts(sample_duckdb)
    env = {"MB_URL": url, "MB_USER": USER, "MB_PASSWORD": PASSWORD, "MB_DATABASE": WAREHOUSE_IN_METABASE}
    argv = ["--manifest", str(manifest_path(dbt_manifest)), "--sync-timeout", "20"]
    assert mb_provisioning.main(argv, env=env) == 0

    tables = {table["name"]: table for table in state.tables}
    fields = {(table["name"], f["name"]): f for table in state.tables for f in table["fields"]}
    assert tables["dim_country"]["description"].startswith("One row per ISO 3166-1 country")
    assert fields[("dim_country", "country_iso3")]["description"].startswith("ISO 3166-1 alpha-3 code")
    assert fields[("dim_country", "country_iso3")]["semantic_type"] == "type/PK"
    foreign_key = fields[("fct_epidemic_daily", "country_iso3")]
    assert foreign_key["semantic_type"] == "type/FK"
    assert foreign_key["fk_target_field_id"] == fields[("dim_country", "country_iso3")]["id"]
    assert len(live(state.cards)) == sum(len(d.cards) for d in load_specs())


def _tables_of_marts(target: Target) -> list[dict[str, Any]]:
    """Metabase's metadata for the marts as its sync would see them: the tables and columns of the sample."""
    from tests.support.warehouse import rows

    columns = rows(
        target,
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'marts' order by table_name, ordinal_position",
    )
    tables: dict[str, dict[str, Any]] = {}
    for number, (table, column) in enumerate(columns, start=1):
        entry = tables.setdefault(
            table, {"id": 1000 + len(tables), "name": table, "schema": "marts", "db_id": 7, "fields": []}
        )
        entry["fields"].append(
            {
                "id": number,
                "name": column,
                "description": None,
                "display_name": column.replace("_", " ").title(),
                "semantic_type": None,
                "fk_target_field_id": None,
                "visibility_type": "normal",
                "has_field_values": "list",
                "settings": None,
            }
        )
    return list(tables.values())
