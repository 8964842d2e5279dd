"""A small in-process stand-in for Metabase's REST API (an external service, not a database).

It implements only the endpoints `dashboards/metabase.py` and dbt-metabase call, keeps its state in
memory, and checks requests the way Metabase does where it matters here: authentication, that a card's
query targets a known database, and that every dashboard filter mapping points at a parameter of the
dashboard, at a card on it, and at a template tag that card declares.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_KEY = "mb_test_api_key"
USER, PASSWORD = "admin@example.org", "a-long-test-password"


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class FakeMetabase:
    databases: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)  # for dbt-metabase: {id, name, schema, db_id, fields}
    collections: dict[int, dict[str, Any]] = field(default_factory=dict)
    cards: dict[int, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    sessions: set[str] = field(default_factory=set)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ dispatch
    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: Any) -> Any:
        with self._lock:
            self.requests.append((method, path))
            if (method, path) != ("POST", "/api/session"):
                self._authenticate(headers)
            for pattern, route_method, handler in ROUTES:
                match = re.fullmatch(pattern, path)
                if match and route_method == method:
                    return handler(self, *match.groups(), query=query, body=body)
            raise ApiError(404, f"no route {method} {path}")

    def _authenticate(self, headers: Any) -> None:
        if headers.get("X-API-KEY") == API_KEY or headers.get("X-Metabase-Session") in self.sessions:
            return
        raise ApiError(401, "Unauthenticated")

    def _new_id(self) -> int:
        return next(self._ids)

    # ------------------------------------------------------------------ endpoints
    def session(self, *, query: Any, body: Any) -> Any:
        if (body or {}).get("username") != USER or body.get("password") != PASSWORD:
            raise ApiError(401, "Password did not match stored password.")
        session_id = f"session-{self._new_id()}"
        self.sessions.add(session_id)
        return {"id": session_id}

    def list_databases(self, *, query: Any, body: Any) -> Any:
        return {"data": self.databases, "total": len(self.databases)}

    def sync_schema(self, database_id: str, *, query: Any, body: Any) -> Any:
        return {"status": "ok"}

    def metadata(self, database_id: str, *, query: Any, body: Any) -> Any:
        database = self._database(int(database_id))
        tables = [t for t in self.tables if t["db_id"] == database["id"]]
        return {**database, "tables": tables}

    def update_table(self, table_id: str, *, query: Any, body: Any) -> Any:
        table = next(t for t in self.tables if t["id"] == int(table_id))
        table.update(body)
        return table

    def update_field(self, field_id: str, *, query: Any, body: Any) -> Any:
        for table in self.tables:
            for column in table["fields"]:
                if column["id"] == int(field_id):
                    column.update(body)
                    return column
        raise ApiError(404, "Not found.")

    def list_collections(self, *, query: Any, body: Any) -> Any:
        return [{"id": "root", "name": "Our analytics"}, *self.collections.values()]

    def create_collection(self, *, query: Any, body: Any) -> Any:
        collection = {"id": self._new_id(), "archived": False, **body}
        self.collections[collection["id"]] = collection
        return collection

    def collection_items(self, collection_id: str, *, query: Any, body: Any) -> Any:
        models = set(query.get("models", ["card", "dashboard"]))
        items = [
            {"id": item["id"], "name": item["name"], "description": item["description"], "model": model}
            for model, store in (("card", self.cards), ("dashboard", self.dashboards))
            if model in models
            for item in store.values()
            if item["collection_id"] == int(collection_id) and not item["archived"]
        ]
        return {"data": items, "total": len(items)}

    def create_card(self, *, query: Any, body: Any) -> Any:
        self._check_card(body)
        card = {"id": self._new_id(), "archived": False, **body}
        self.cards[card["id"]] = card
        return card

    def update_card(self, card_id: str, *, query: Any, body: Any) -> Any:
        card = self._card(int(card_id))
        if set(body) != {"archived"}:
            self._check_card(body)
        card.update(body)
        return card

    def create_dashboard(self, *, query: Any, body: Any) -> Any:
        if not body.get("name"):
            raise ApiError(400, "name is required")
        dashboard = {"id": self._new_id(), "archived": False, "parameters": [], "dashcards": [], **body}
        self.dashboards[dashboard["id"]] = dashboard
        return dashboard

    def get_dashboard(self, dashboard_id: str, *, query: Any, body: Any) -> Any:
        return self._dashboard(int(dashboard_id))

    def update_dashboard(self, dashboard_id: str, *, query: Any, body: Any) -> Any:
        dashboard = self._dashboard(int(dashboard_id))
        body = dict(body)
        if "dashcards" in body:
            parameters = body.get("parameters", dashboard["parameters"])
            body["dashcards"] = self._dashcards(dashboard, body["dashcards"], parameters)
        dashboard.update(body)
        return dashboard

    # ------------------------------------------------------------------ checks
    def _database(self, database_id: int) -> dict[str, Any]:
        for database in self.databases:
            if database["id"] == database_id:
                return database
        raise ApiError(404, "Not found.")

    def _card(self, card_id: int) -> dict[str, Any]:
        if card_id not in self.cards:
            raise ApiError(404, "Not found.")
        return self.cards[card_id]

    def _dashboard(self, dashboard_id: int) -> dict[str, Any]:
        if dashboard_id not in self.dashboards:
            raise ApiError(404, "Not found.")
        return self.dashboards[dashboard_id]

    def _check_card(self, body: dict[str, Any]) -> None:
        for required in ("name", "display", "dataset_query", "visualization_settings"):
            if required not in body:
                raise ApiError(400, f"{required} is required")
        query = body["dataset_query"]
        self._database(query["database"])
        native = query["native"]
        used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", native["query"]))
        if used != set(native.get("template-tags", {})):
            raise ApiError(400, f"template tags {sorted(native.get('template-tags', {}))} != used {sorted(used)}")

    def _dashcards(
        self, dashboard: dict[str, Any], dashcards: list[dict[str, Any]], parameters: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        current = {d["id"] for d in dashboard["dashcards"]}
        parameter_ids = {p["id"] for p in parameters}
        result = []
        for dashcard in dashcards:
            if dashcard["id"] >= 0 and dashcard["id"] not in current:
                raise ApiError(400, f"dashcard {dashcard['id']} is not on dashboard {dashboard['id']}")
            card = self._card(dashcard["card_id"])
            tags = card["dataset_query"]["native"].get("template-tags", {})
            for mapping in dashcard.get("parameter_mappings", []):
                if mapping["parameter_id"] not in parameter_ids:
                    raise ApiError(400, f"unknown parameter {mapping['parameter_id']}")
                if mapping["card_id"] != dashcard["card_id"]:
                    raise ApiError(400, "a mapping must target its own dashcard's card")
                kind, (tag_kind, tag) = mapping["target"]
                if (kind, tag_kind) != ("variable", "template-tag") or tag not in tags:
                    raise ApiError(400, f"mapping target {mapping['target']} is not a template tag of the card")
            new_id = dashcard["id"] if dashcard["id"] >= 0 else self._new_id()
            result.append({**dashcard, "id": new_id})
        return result


ROUTES = [
    (r"/api/session", "POST", FakeMetabase.session),
    (r"/api/database", "GET", FakeMetabase.list_databases),
    (r"/api/database/(\d+)/sync_schema", "POST", FakeMetabase.sync_schema),
    (r"/api/database/(\d+)/metadata", "GET", FakeMetabase.metadata),
    (r"/api/table/(\d+)", "PUT", FakeMetabase.update_table),
    (r"/api/field/(\d+)", "PUT", FakeMetabase.update_field),
    (r"/api/collection", "GET", FakeMetabase.list_collections),
    (r"/api/collection", "POST", FakeMetabase.create_collection),
    (r"/api/collection/(\d+)/items", "GET", FakeMetabase.collection_items),
    (r"/api/card", "POST", FakeMetabase.create_card),
    (r"/api/card/(\d+)", "PUT", FakeMetabase.update_card),
    (r"/api/dashboard", "POST", FakeMetabase.create_dashboard),
    (r"/api/dashboard/(\d+)", "GET", FakeMetabase.get_dashboard),
    (r"/api/dashboard/(\d+)", "PUT", FakeMetabase.update_dashboard),
]


def _handler(state: FakeMetabase) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            try:
                status, payload = 200, state.handle(method, parts.path, parse_qs(parts.query), self.headers, body)
            except ApiError as exc:
                status, payload = exc.status, {"message": str(exc)}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
            pass

    return Handler


@contextmanager
def serve(state: FakeMetabase) -> Iterator[str]:
    """Serve the fake on a free loopback port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
