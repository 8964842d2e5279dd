"""Every card's SQL runs unchanged on the sample marts in DuckDB and in Postgres, with the same result."""

from __future__ import annotations

import datetime as dt
import numbers
from typing import Any

import pandas as pd
import pytest

from dashboards.spec import Card, Dashboard, load_specs
from dashboards.warehouse import open_warehouse
from ingest.warehouse import Target

CARDS = [(dashboard, card) for dashboard in load_specs() for card in dashboard.cards]
IDS = [dashboard.card_key(card) for dashboard, card in CARDS]


def _defaults(dashboard: Dashboard) -> dict[str, str]:
    return {f.name: f.default for f in dashboard.filters}


@pytest.fixture(params=["duckdb", "postgres"])
def sample(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(f"sample_{request.param}")


@pytest.mark.parametrize(("dashboard", "card"), CARDS, ids=IDS)
def test_card_returns_its_fields(sample: Target, dashboard: Dashboard, card: Card) -> None:
    with open_warehouse(sample) as warehouse:
        frame = warehouse.frame(card, _defaults(dashboard))
    missing = set(card.fields) - set(frame.columns)
    assert not missing, f"{dashboard.card_key(card)} does not return {sorted(missing)}"
    if not card.allow_empty:
        assert len(frame) >= 1, f"{dashboard.card_key(card)} returned no rows on the sample ({sample.name})"


def _normalised(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    # Load times differ between the two builds; everything else must agree.
    frame = frame.drop(columns=[name for name in frame.columns if name.endswith("_loaded_at")])

    def value(v: Any) -> Any:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, dt.date):
            return v.isoformat()[:10]
        if isinstance(v, numbers.Real) and not isinstance(v, bool):
            return round(float(v), 6)
        return v

    return [tuple(value(v) for v in row) for row in frame.itertuples(index=False)]


def test_duckdb_and_postgres_agree_on_every_card(sample_duckdb: Target, sample_postgres: Target) -> None:
    with open_warehouse(sample_duckdb) as duck, open_warehouse(sample_postgres) as pg:
        for dashboard, card in CARDS:
            values = _defaults(dashboard)
            duck_frame, pg_frame = duck.frame(card, values), pg.frame(card, values)
            assert list(duck_frame.columns) == list(pg_frame.columns), dashboard.card_key(card)
            assert _normalised(duck_frame) == _normalised(pg_frame), dashboard.card_key(card)
