"""Provision the dashboard specs into Metabase (`make dashboards`), then push the dbt docs with dbt-metabase.

    python -m dashboards.metabase --manifest dbt_project/target/manifest.json

Settings come from the environment: `MB_URL`; `MB_API_KEY`, or `MB_USER` and `MB_PASSWORD`; `MB_DATABASE`
(the warehouse as named in Metabase, default "Epidemic warehouse"); `MB_COLLECTION` (default "Epidemic data
platform"). Every card and dashboard carries its spec key in its description (`[spec:<dashboard>.<card>]`),
so a re-run updates them in place instead of adding copies, and archives those whose spec is gone. Dashboard
filters are wired to the cards' `{{name}}` template tags.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from dashboards.spec import SPECS_DIR, Card, Dashboard, Filter, load_specs, render_sql
from ingest.warehouse import PROJECT_ROOT

DEFAULT_DATABASE = "Epidemic warehouse"
DEFAULT_COLLECTION = "Epidemic data platform"
DEFAULT_MANIFEST = PROJECT_ROOT / "dbt_project" / "target" / "manifest.json"
GRID_WIDTH = 24
SPEC_KEY = re.compile(r"\[spec:([a-z0-9_.]+)\]")
# Template-tag and parameter ids must not change between runs, or Metabase would see new filters.
ID_NAMESPACE = uuid.UUID("6f1d3a52-93a4-4c1e-9f65-0d1b8a7e2c10")
DISPLAY = {"number": "scalar"}  # spec chart -> Metabase display, where the names differ


class MetabaseError(RuntimeError):
    pass


class Metabase:
    """A small client of Metabase's REST API, authenticated by API key or by a session."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout)
        if api_key:
            self._http.headers["X-API-KEY"] = api_key
        elif username and password:
            session = self.post("/api/session", {"username": username, "password": password})
            self._http.headers["X-Metabase-Session"] = str(session["id"])
        else:
            raise MetabaseError("set MB_API_KEY, or MB_USER and MB_PASSWORD")

    def request(self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        response = self._http.request(method, path, json=body, params=params)
        if response.status_code >= 400:
            raise MetabaseError(f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def close(self) -> None:
        self._http.close()


def _rows(payload: Any) -> list[dict[str, Any]]:
    """List endpoints answer a list, or since Metabase 0.40 `{"data": [...], ...}`."""
    return list(payload["data"] if isinstance(payload, dict) else payload)


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def spec_key(description: str | None) -> str | None:
    found = SPEC_KEY.search(description or "")
    return found.group(1) if found else None


def _described(text: str, key: str, dashboard: Dashboard) -> str:
    return (
        f"{text.strip()}\n\n[spec:{key}] Managed by `make dashboards` from dashboards/specs/{dashboard.key}.yml; "
        "changes made in Metabase are overwritten."
    )


def template_tags(dashboard: Dashboard, card: Card) -> dict[str, dict[str, Any]]:
    filters = {f.name: f for f in dashboard.filters}
    return {
        name: {
            "id": _stable_id(dashboard.card_key(card), name),
            "name": name,
            "display-name": filters[name].label,
            "type": filters[name].type,
            "required": True,
            "default": filters[name].default,
        }
        for name in card.parameters
    }


def visualization_settings(card: Card) -> dict[str, Any]:
    if card.chart == "number":
        return {"scalar.field": card.y[0]}
    if card.chart == "pie":
        return {"pie.dimension": card.x, "pie.metric": card.y[0]}
    if card.chart == "table":
        return {}
    settings: dict[str, Any] = {
        "graph.dimensions": [card.x, *([card.series] if card.series else [])],
        "graph.metrics": card.y,
    }
    if card.stacked:
        settings["stackable.stack_type"] = "stacked"
    return settings


def card_payload(dashboard: Dashboard, card: Card, database_id: int, collection_id: int) -> dict[str, Any]:
    return {
        "name": card.title,
        "description": _described(card.description or card.title, dashboard.card_key(card), dashboard),
        "display": DISPLAY.get(card.chart, card.chart),
        "collection_id": collection_id,
        "dataset_query": {
            "type": "native",
            "database": database_id,
            "native": {"query": render_sql(card.sql, "metabase"), "template-tags": template_tags(dashboard, card)},
        },
        "visualization_settings": visualization_settings(card),
    }


def dashboard_parameters(dashboard: Dashboard) -> list[dict[str, Any]]:
    return [
        {
            "id": _parameter_id(dashboard, f),
            "name": f.label,
            "slug": f.name,
            "type": "string/=",
            "sectionId": "string",
            "default": [f.default],
        }
        for f in dashboard.filters
    ]


def _parameter_id(dashboard: Dashboard, f: Filter) -> str:
    return _stable_id(dashboard.key, "filter", f.name)[:8]


def dashcards(
    dashboard: Dashboard, card_ids: Mapping[str, int], existing: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The dashboard's cards laid out left to right on the 24-column grid, filters wired to template tags.
    A card already on the dashboard keeps its dashcard id (updated in place); new ones get negative ids."""
    existing_ids = {item["card_id"]: item["id"] for item in existing if item.get("card_id") is not None}
    filters = {f.name: f for f in dashboard.filters}
    result, row, col, row_height, new_id = [], 0, 0, 0, 0
    for card in dashboard.cards:
        width, height = card.grid_width, card.grid_height
        if col + width > GRID_WIDTH:
            row, col, row_height = row + row_height, 0, 0
        card_id = card_ids[card.key]
        if card_id in existing_ids:
            dashcard_id = existing_ids[card_id]
        else:
            new_id -= 1
            dashcard_id = new_id
        result.append(
            {
                "id": dashcard_id,
                "card_id": card_id,
                "row": row,
                "col": col,
                "size_x": width,
                "size_y": height,
                "series": [],
                "visualization_settings": {},
                "parameter_mappings": [
                    {
                        "parameter_id": _parameter_id(dashboard, filters[name]),
                        "card_id": card_id,
                        "target": ["variable", ["template-tag", name]],
                    }
                    for name in card.parameters
                ],
            }
        )
        col, row_height = col + width, max(row_height, height)
    return result


@dataclass
class Outcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    dashboard_urls: dict[str, str] = field(default_factory=dict)


def find_database(mb: Metabase, name: str) -> int:
    databases = _rows(mb.get("/api/database"))
    for database in databases:
        if database["name"].casefold() == name.casefold():
            return int(database["id"])
    known = ", ".join(repr(d["name"]) for d in databases) or "none"
    raise MetabaseError(f"no database named {name!r} in Metabase (set MB_DATABASE; Metabase has: {known})")


def ensure_collection(mb: Metabase, name: str) -> int:
    for collection in _rows(mb.get("/api/collection")):
        if collection.get("name") == name and not collection.get("archived") and isinstance(collection["id"], int):
            return collection["id"]
    created = mb.post(
        "/api/collection",
        {"name": name, "description": "Dashboards provisioned from dashboards/specs by `make dashboards`."},
    )
    return int(created["id"])


def _managed_items(mb: Metabase, collection_id: int) -> dict[tuple[str, str], dict[str, Any]]:
    """Cards and dashboards of the collection that carry a spec key, by (model, key)."""
    items = _rows(mb.get(f"/api/collection/{collection_id}/items", {"models": ["card", "dashboard"]}))
    managed = {}
    for item in items:
        if item.get("model") not in ("card", "dashboard"):
            continue
        if "description" not in item:  # not every version lists descriptions: read the item itself
            item = {**item, **mb.get(f"/api/{item['model']}/{item['id']}")}
        if key := spec_key(item.get("description")):
            managed[(item["model"], key)] = item
    return managed


def provision(mb: Metabase, dashboards: Sequence[Dashboard], database_name: str, collection_name: str) -> Outcome:
    """Create or update every card and dashboard of the specs; archive managed ones whose spec is gone."""
    database_id = find_database(mb, database_name)
    collection_id = ensure_collection(mb, collection_name)
    managed = _managed_items(mb, collection_id)
    outcome, wanted = Outcome(), set()

    for dashboard in dashboards:
        card_ids: dict[str, int] = {}
        for card in dashboard.cards:
            key = dashboard.card_key(card)
            wanted.add(("card", key))
            payload = card_payload(dashboard, card, database_id, collection_id)
            if existing := managed.get(("card", key)):
                card_ids[card.key] = mb.put(f"/api/card/{existing['id']}", payload)["id"]
                outcome.updated.append(f"card {key}")
            else:
                card_ids[card.key] = mb.post("/api/card", payload)["id"]
                outcome.created.append(f"card {key}")

        wanted.add(("dashboard", dashboard.key))
        payload = {
            "name": dashboard.title,
            "description": _described(dashboard.description, dashboard.key, dashboard),
            "collection_id": collection_id,
            "parameters": dashboard_parameters(dashboard),
        }
        if existing := managed.get(("dashboard", dashboard.key)):
            dashboard_id = existing["id"]
            current = mb.get(f"/api/dashboard/{dashboard_id}")
            # `ordered_cards` before Metabase 0.47, `dashcards` since.
            on_dashboard = current.get("dashcards", current.get("ordered_cards")) or []
            outcome.updated.append(f"dashboard {dashboard.key}")
        else:
            dashboard_id = mb.post("/api/dashboard", payload)["id"]
            on_dashboard = []
            outcome.created.append(f"dashboard {dashboard.key}")
        mb.put(
            f"/api/dashboard/{dashboard_id}",
            {**payload, "dashcards": dashcards(dashboard, card_ids, on_dashboard)},
        )
        outcome.dashboard_urls[dashboard.key] = f"{mb.url}/dashboard/{dashboard_id}"

    for (model, key), item in sorted(managed.items()):
        if (model, key) not in wanted:
            mb.put(f"/api/{model}/{item['id']}", {"archived": True})
            outcome.archived.append(f"{model} {key}")
    return outcome


def dbt_metabase_command(manifest: Path, url: str, database: str, sync_timeout: int) -> list[str]:
    """dbt-metabase pushes model and column descriptions, primary keys (contract constraints), foreign keys
    (relationships tests) and any `meta.metabase.*` semantic types of the marts to Metabase's data model."""
    return [
        sys.executable,
        "-m",
        "dbtmetabase",
        "models",
        "--manifest-path",
        str(manifest),
        "--metabase-url",
        url,
        "--metabase-database",
        database,
        "--include-schemas",
        "marts",
        "--skip-sources",
        "--sync-timeout",
        str(sync_timeout),
    ]


def dbt_metabase_env(env: Mapping[str, str]) -> dict[str, str]:
    """Credentials go to dbt-metabase through its environment variables, not its command line (ps shows it)."""
    result = dict(env)
    if env.get("MB_API_KEY"):
        result["METABASE_API_KEY"] = env["MB_API_KEY"]
    else:
        result["METABASE_USERNAME"] = env.get("MB_USER", "")
        result["METABASE_PASSWORD"] = env.get("MB_PASSWORD", "")
    return result


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--specs", type=Path, default=SPECS_DIR, help="folder of dashboard specs (*.yml)")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="dbt manifest for dbt-metabase")
    parser.add_argument("--skip-dbt-metabase", action="store_true", help="provision cards and dashboards only")
    parser.add_argument(
        "--sync-timeout", type=int, default=60, help="seconds dbt-metabase waits for Metabase to see the marts"
    )
    args = parser.parse_args(argv)

    url = env.get("MB_URL")
    if not url:
        print("MB_URL is not set (e.g. MB_URL=http://localhost:3000)", file=sys.stderr)
        return 2
    database = env.get("MB_DATABASE", DEFAULT_DATABASE)
    dashboards = load_specs(args.specs)
    try:
        mb = Metabase(url, api_key=env.get("MB_API_KEY"), username=env.get("MB_USER"), password=env.get("MB_PASSWORD"))
        try:
            outcome = provision(mb, dashboards, database, env.get("MB_COLLECTION", DEFAULT_COLLECTION))
        finally:
            mb.close()
    except (MetabaseError, httpx.HTTPError) as exc:
        print(f"Metabase provisioning failed: {exc}", file=sys.stderr)
        return 1
    print(f"Metabase: {len(outcome.created)} created, {len(outcome.updated)} updated, {len(outcome.archived)} archived")
    for key, dashboard_url in outcome.dashboard_urls.items():
        print(f"  {key}: {dashboard_url}")

    if args.skip_dbt_metabase:
        return 0
    if not args.manifest.exists():
        print(f"{args.manifest} not found: run `dbt parse` first (make dashboards does)", file=sys.stderr)
        return 1
    command = dbt_metabase_command(args.manifest, url, database, args.sync_timeout)
    return subprocess.run(command, env=dbt_metabase_env(env)).returncode  # noqa: S603 - this interpreter, argv built here


if __name__ == "__main__":
    sys.exit(main())
