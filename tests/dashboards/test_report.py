"""`make report` renders every dashboard to one self-contained HTML file, and every chart draws in Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from dashboards import report
from dashboards.spec import load_specs
from ingest.warehouse import Target

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CARD_TAG = re.compile(r'<article class="card"[^>]* data-card="([^"]+)" data-chart="(\w+)" data-rows="(\d+)"')


def expected_cards() -> list[tuple[str, str, bool]]:
    """(card key, chart, allow_empty) of every card the report shows: filtered dashboards once per value."""
    cards = []
    for dashboard in load_specs():
        sections = len(report.filter_combinations(dashboard, {}))
        cards += [(dashboard.card_key(c), c.chart, c.allow_empty) for c in dashboard.cards] * sections
    return cards


def render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> str:
    monkeypatch.delenv("ELT_DATABASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    output = tmp_path / "reports" / "index.html"
    assert report.main(["--output", str(output)]) == 0
    return output.read_text(encoding="utf-8")


def test_report_from_postgres_shows_every_card(
    sample_postgres: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sample_postgres.postgres is not None
    page = render(tmp_path, monkeypatch, {"ELT_TARGET": "postgres", "DATABASE_URL": sample_postgres.postgres.url})
    shown = CARD_TAG.findall(page)
    assert [(key, chart) for key, chart, _ in shown] == [(key, chart) for key, chart, _ in expected_cards()]
    empty = {key for key, _, rows in shown if rows == "0"}
    assert empty <= {key for key, _, allow_empty in expected_cards() if allow_empty}


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; checked before the sample warehouse is built (same scope, earlier argument)."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} not found: apt-get install chromium (or set CHROMIUM_PATH)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _record_outside(url: str, outside: list[str]) -> None:
    if not url.startswith(("file:", "data:")):
        outside.append(url)


# Per plot: plotly's SVG, its traces, and the paths that actually draw something (lines, bars, points).
PLOTS_JS = """() => [...document.querySelectorAll('.plotly-graph-div')].map(div => ({
    id: div.id,
    svgs: div.querySelectorAll('svg.main-svg').length,
    traces: div.querySelectorAll('g.trace').length,
    drawn: [...div.querySelectorAll('g.trace path')].filter(p => (p.getAttribute('d') || '').length > 4).length,
}))"""
CARDS_JS = """() => [...document.querySelectorAll('article.card')].map(card => ({
    key: card.dataset.card,
    chart: card.dataset.chart,
    allowEmpty: card.dataset.allowEmpty === 'true',
    empty: card.querySelector('.empty') !== null,
    number: (card.querySelector('.number') || {}).textContent || null,
    tableRows: card.querySelectorAll('table.data tbody tr').length,
}))"""


def test_report_draws_every_chart_in_chromium(
    chromium: Path, sample_duckdb: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    render(tmp_path, monkeypatch, {"ELT_TARGET": "duckdb", "DUCKDB_PATH": str(sample_duckdb.duckdb_path)})
    page_path = tmp_path / "reports" / "index.html"
    screenshot = tmp_path / "report.png"
    errors: list[str] = []
    outside_requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: _record_outside(request.url, outside_requests))
            page.goto(page_path.as_uri(), wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('svg.main-svg'))",
                timeout=30_000,
            )
            plots: list[dict[str, Any]] = page.evaluate(PLOTS_JS)
            cards: list[dict[str, Any]] = page.evaluate(CARDS_JS)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    print(f"\nreport screenshot: {screenshot}")

    assert not errors, f"console errors: {errors}"
    assert not outside_requests, f"the report fetched from the network: {outside_requests}"
    charts = [key for key, chart, _ in expected_cards() if chart not in ("number", "table")]
    assert len(plots) == len(charts), "one plot per chart card"
    for plot in plots:
        assert plot["svgs"] >= 1 and plot["traces"] >= 1 and plot["drawn"] >= 1, f"empty chart: {plot}"
    for card in cards:
        if card["allowEmpty"]:
            continue
        assert not card["empty"], f"{card['key']} shows no rows"
        if card["chart"] == "number":
            assert card["number"] and card["number"].strip() != report.NULL_TEXT, card
        if card["chart"] == "table":
            assert card["tableRows"] >= 1, card
    assert screenshot.stat().st_size > 50_000
