"""The dashboard specs load, validate, and render their placeholders for each consumer."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboards.spec import SpecError, load_spec, load_specs, render_sql

REQUIRED_DASHBOARDS = {"world_overview", "country", "vaccinations", "mpox", "data_quality"}


def test_every_spec_loads() -> None:
    dashboards = load_specs()
    assert {d.key for d in dashboards} >= REQUIRED_DASHBOARDS
    for dashboard in dashboards:
        assert dashboard.title and dashboard.description and dashboard.cards
        for card in dashboard.cards:
            assert card.marts, f"{dashboard.card_key(card)} reads no mart"


def test_country_drill_down_filters_every_card() -> None:
    country = next(d for d in load_specs() if d.key == "country")
    assert [f.name for f in country.filters] == ["country"]
    assert all(card.parameters == ["country"] for card in country.cards)


def test_quality_dashboard_covers_every_quality_mart() -> None:
    quality = next(d for d in load_specs() if d.key == "data_quality")
    assert {
        "qa_quarantine",
        "qa_unresolved_locations",
        "qa_reconciliation_world_daily",
        "qa_publisher_discrepancies",
        "qa_file_row_counts",
    } <= set(quality.marts)


VALID_CARD = """
  - key: cases
    title: Cases
    chart: line
    x: date
    y: cases_new
    sql: select date, cases_new from marts.fct_epidemic_daily
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("title: T\ndescription: D\ncards: []\n", "at least 1 item"),
        (
            "title: T\ndescription: D\ncards:\n  - {key: a, title: A, chart: line, y: v, sql: select v from marts.m}\n",
            "needs `x` and `y`",
        ),
        (
            "title: T\ndescription: D\ncards:\n  - {key: a, title: A, chart: number, y: v, sql: select v from raw.m}\n",
            "read at least one `marts.<model>`",
        ),
        (
            "title: T\ndescription: D\ncards:\n"
            "  - {key: a, title: A, chart: number, y: v, sql: select v from marts.m join staging.s on true}\n",
            "may read only the marts",
        ),
        (
            "title: T\ndescription: D\ncards:\n"
            "  - {key: a, title: A, chart: number, y: v, sql: 'select v from marts.m where c = {{country}}'}\n",
            "undeclared filter",
        ),
        (
            "title: T\ndescription: D\nfilters: [{name: country, label: C, default: FRA}]\ncards:" + VALID_CARD,
            "used by no card",
        ),
        ("title: T\ndescription: D\ncards:" + VALID_CARD + VALID_CARD, "card keys must be unique"),
        ("title: T\ndescription: D\ncolour: red\ncards:" + VALID_CARD, "Extra inputs are not permitted"),
        ("key: other\ntitle: T\ndescription: D\ncards:" + VALID_CARD, "must be the file name"),
    ],
)
def test_invalid_specs_are_rejected(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(body)
    with pytest.raises(SpecError, match=message):
        load_spec(path)


def test_placeholders_render_per_consumer() -> None:
    sql = "select * from marts.dim_country where country_iso3 = {{ country }} and country_name like 'F%'"
    assert render_sql(sql, "metabase").endswith("= {{country}} and country_name like 'F%'")
    assert render_sql(sql, "duckdb").endswith("= $country and country_name like 'F%'")
    assert render_sql(sql, "postgres").endswith("= %(country)s and country_name like 'F%%'")
