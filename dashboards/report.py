"""Render every dashboard spec to one static HTML file (`make report`): reports/index.html.

    python -m dashboards.report                      # from the warehouse of ELT_TARGET (DuckDB by default)
    python -m dashboards.report --output /tmp/r.html --set country=GBR,ESP

The file opens from disk with no network: plotly.js is embedded inline from the plotly package. A filtered
dashboard (the country drill-down) is rendered once per value in its filter's `report_values`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import itertools
import numbers
import re
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from dashboards.spec import SPECS_DIR, Card, Dashboard, load_specs
from dashboards.warehouse import Warehouse, open_warehouse
from ingest.warehouse import PROJECT_ROOT, Target

DEFAULT_OUTPUT = PROJECT_ROOT / "reports" / "index.html"
TABLE_ROWS_SHOWN = 500
NULL_TEXT = "–"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def figure(card: Card, frame: pd.DataFrame) -> go.Figure:
    """A plotly figure for a chart card: one trace per series value and y column."""
    fig = go.Figure()
    if card.chart == "pie":
        fig.add_trace(go.Pie(labels=frame[card.x], values=frame[card.y[0]], sort=False))
    else:
        groups = frame.groupby(card.series, sort=False, dropna=False) if card.series else [(None, frame)]
        for value, group in groups:
            for y in card.y:
                name = label(y) if value is None else (str(value) if len(card.y) == 1 else f"{value} · {label(y)}")
                fig.add_trace(_trace(card, group[card.x], group[y], name))
    fig.update_layout(
        template="plotly_white",
        height=320,
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        # Above the plot: below it, long rotated category labels would run into it.
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        showlegend=card.chart == "pie" or len(fig.data) > 1,
        barmode="stack" if card.stacked else "group",
        hovermode="x unified" if card.chart in ("line", "area") else "closest",
    )
    return fig


def _trace(card: Card, x: pd.Series, y: pd.Series, name: str) -> Any:
    if card.chart == "bar":
        return go.Bar(x=x, y=y, name=name)
    if card.chart == "scatter":
        return go.Scatter(x=x, y=y, name=name, mode="markers")
    # Markers on short series, so that a one-day series still shows.
    mode = "lines+markers" if len(x) <= 40 else "lines"
    if card.chart == "area":
        extra = {"stackgroup": "stack"} if card.stacked else {"fill": "tozeroy"}
        return go.Scatter(x=x, y=y, name=name, mode=mode, **extra)
    return go.Scatter(x=x, y=y, name=name, mode=mode, connectgaps=True)


def format_value(value: Any) -> str:
    """A cell or a number card's value for people: 1,234,567 · 12.3 · 0.45 · 2020-03-28."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return NULL_TEXT
    if isinstance(value, dt.datetime):  # pandas Timestamps too
        return value.strftime("%Y-%m-%d %H:%M" if value.time() != dt.time() else "%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and float(value).is_integer()):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.2f}"
    return str(value)


def label(column: str) -> str:
    """`cases_new_7d_avg` -> `Cases new 7d avg`: legend text for a column."""
    return column.replace("_", " ").capitalize()


def _table(frame: pd.DataFrame) -> str:
    shown = frame.head(TABLE_ROWS_SHOWN)
    formatters = {name: format_value for name in shown.columns}
    table = shown.to_html(index=False, border=0, classes="data", formatters=formatters, na_rep=NULL_TEXT, escape=True)
    if len(frame) > TABLE_ROWS_SHOWN:
        table += f'<p class="note">First {TABLE_ROWS_SHOWN:,} of {len(frame):,} rows.</p>'
    return table


def card_body(card: Card, frame: pd.DataFrame, div_id: str) -> str:
    if frame.empty:
        return f'<p class="empty">{"None: nothing to fix." if card.allow_empty else "No rows."}</p>'
    if card.chart == "number":
        return f'<p class="number">{html.escape(format_value(frame[card.y[0]].iloc[0]))}</p>'
    if card.chart == "table":
        return _table(frame)
    return figure(card, frame).to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def filter_combinations(dashboard: Dashboard, overrides: Mapping[str, list[str]]) -> list[dict[str, str]]:
    """Every combination of filter values to render (one for a dashboard without filters)."""
    names = [f.name for f in dashboard.filters]
    choices = [overrides.get(f.name) or f.values_for_report for f in dashboard.filters]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices)]


def render_section(dashboard: Dashboard, warehouse: Warehouse, values: dict[str, str]) -> tuple[str, str, str]:
    """(section id, title, HTML) of one dashboard for one combination of filter values."""
    suffix = " · ".join(values.values())
    section_id = _slug("-".join([dashboard.key, *values.values()]))
    title = f"{dashboard.title} — {suffix}" if suffix else dashboard.title
    cards = []
    for card in dashboard.cards:
        frame = warehouse.frame(card, values)
        div_id = f"{section_id}--{card.key.replace('_', '-')}"
        cards.append(
            f'<article class="card" style="grid-column: span {card.grid_width}" data-card="{dashboard.card_key(card)}"'
            f' data-chart="{card.chart}" data-rows="{len(frame)}" data-allow-empty="{str(card.allow_empty).lower()}">'
            f"<h3>{html.escape(card.title)}</h3>"
            + (f'<p class="description">{html.escape(card.description)}</p>' if card.description else "")
            + card_body(card, frame, div_id)
            + "</article>"
        )
    filters = "".join(
        f'<span class="filter">{html.escape(f.label)}: <b>{html.escape(values[f.name])}</b></span>'
        for f in dashboard.filters
    )
    body = (
        f'<section id="{section_id}" data-dashboard="{dashboard.key}"><h2>{html.escape(title)}</h2>'
        f'<p class="description">{html.escape(dashboard.description)}</p>{filters}'
        f'<div class="grid">{"".join(cards)}</div></section>'
    )
    return section_id, title, body


def render_report(
    dashboards: Sequence[Dashboard], warehouse: Warehouse, overrides: Mapping[str, list[str]] | None = None
) -> str:
    sections = [
        render_section(dashboard, warehouse, values)
        for dashboard in dashboards
        for values in filter_combinations(dashboard, overrides or {})
    ]
    nav = "".join(f'<a href="#{section_id}">{html.escape(title)}</a>' for section_id, title, _ in sections)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = html.escape(warehouse.target.describe())
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Epidemic dashboards</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>Epidemic dashboards</h1><p>Generated {generated} from {source}, "
        f"specs in dashboards/specs.</p><nav>{nav}</nav></header>"
        f"<main>{''.join(body for _, _, body in sections)}</main></body></html>"
    )


STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1f2933; }
header { background: #1f2933; color: #fff; padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 22px; } header p { margin: 0 0 8px; color: #cbd2d9; font-size: 13px; }
nav a { color: #9fd3ff; margin-right: 16px; font-size: 14px; text-decoration: none; }
main { padding: 8px 24px 32px; }
section h2 { margin: 24px 0 4px; font-size: 20px; }
.description { color: #52606d; font-size: 13px; margin: 2px 0 8px; }
.filter { display: inline-block; background: #e4e7eb; border-radius: 4px; padding: 2px 8px; font-size: 13px; }
.grid { display: grid; grid-template-columns: repeat(24, minmax(0, 1fr)); gap: 12px; margin-top: 12px; }
.card { background: #fff; border-radius: 6px; padding: 12px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08);
        overflow: auto; min-width: 0; }
.card h3 { margin: 0; font-size: 15px; }
.number { font-size: 30px; font-weight: 600; margin: 8px 0 0; }
.empty { color: #7b8794; font-style: italic; }
table.data { border-collapse: collapse; font-size: 13px; width: 100%; }
table.data th, table.data td { padding: 4px 8px; border-bottom: 1px solid #e4e7eb; text-align: left; }
.note { color: #7b8794; font-size: 12px; }
"""


def _overrides(pairs: Sequence[str]) -> dict[str, list[str]]:
    result = {}
    for pair in pairs:
        name, sep, values = pair.partition("=")
        if not sep or not values:
            raise SystemExit(f"--set expects name=value[,value...], got {pair!r}")
        result[name.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="HTML file to write")
    parser.add_argument("--specs", type=Path, default=SPECS_DIR, help="folder of dashboard specs (*.yml)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="FILTER=V1,V2", help="filter values to render instead"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    dashboards = load_specs(args.specs)
    target = Target.from_env()
    with open_warehouse(target) as warehouse:
        page = render_report(dashboards, warehouse, _overrides(args.set))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(page, encoding="utf-8")
    cards = sum(len(d.cards) for d in dashboards)
    print(
        f"Report: {args.output} ({len(dashboards)} dashboards, {cards} cards, {len(page) / 1e6:.1f} MB,"
        f" {time.perf_counter() - started:.1f} s, from {target.describe()})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
