"""List and read endpoints for every resource, with the query grammar of api/query/filters.py."""

from decimal import Decimal
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, create_model
from starlette.convertors import Convertor, register_url_convertor

from api.core.config import Settings
from api.core.deps import CurrentUser, app_settings, get_edit_store, get_warehouse, require
from api.core.errors import APIError, ErrorBody
from api.core.security import Role
from api.core.warehouse import Warehouse
from api.editing.overlay import rows_source
from api.editing.rows import key_text
from api.editing.store import EditStore
from api.query.csv_export import stream_csv
from api.query.filters import convert, parse_list_query, to_count, to_select
from api.resources import RESOURCES, Resource

GRAMMAR = (
    "Filter with `column=op.value` (eq, neq, lt, lte, gt, gte, like, ilike with `*` wildcards, in.(a,b), "
    "is.null, each negatable with `not.`), group with `or=(a.eq.1,b.gt.2)`, choose columns with "
    "`select=a,b`, sort with `order=a.desc,b`, page with `limit` and `offset`, add `count=exact` for the total. "
    "Send `Accept: text/csv` or `format=csv` to stream CSV (ANALYST and above). "
    "`X-Data-As-Of` tells when the data was last loaded; rows carry `source_file`, `source_line` and "
    "`load_id` where they come from one input file. Edits made through the API show at once."
)
AS_OF_HEADER = "X-Data-As-Of"  # when the ELT last loaded the data successfully
FILTER_PATTERN = r"^(not\.)?(eq|neq|lt|lte|gt|gte|like|ilike|in|is)\..*$"
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 503)}


def _page_model(resource: Resource) -> type[BaseModel]:
    return create_model(
        f"{resource.model.__name__}Page",
        data=(list[resource.model], ...),  # type: ignore[name-defined]
        count=(int | None, None),
        limit=(int | None, None),
        offset=(int, 0),
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def json_body(content: Any) -> bytes:
    """orjson: dates and times in ISO 8601 (natively), NaN as null (valid JSON, unlike the standard
    library's), decimals as numbers. OPT_NON_STR_KEYS because SQLAlchemy names columns with a subclass
    of str."""
    return orjson.dumps(content, default=_json_default, option=orjson.OPT_NON_STR_KEYS)


def _json_response(content: Any, headers: dict[str, str]) -> Response:
    return Response(json_body(content), media_type="application/json", headers=headers)


def read_row(resource: Resource, key_value: str, warehouse: Warehouse, store: EditStore) -> dict[str, Any]:
    """The row whose key is `key_value`, with its pending edit if it has one; APIError 400 (a key of the
    wrong type), 404 (no such row) or 503 (no warehouse) otherwise."""
    key = resource.table.c[resource.key[0]]
    value = convert(key, key_value, key.name)
    edited, row = False, None
    if resource.editable:
        edited, row = store.pending_row(resource, key_text(value), warehouse.edits_applied_through())
    if not edited:
        row = warehouse.fetch_by_key(resource.table, key.name, value)
    if row is None:
        raise APIError(404, "not_found", f"no {resource.path} with {key.name} = {key_value!r}")
    return row


def _query_parameters(resource: Resource) -> list[dict[str, Any]]:
    """Document the grammar's parameters in OpenAPI (they are read from the raw query string)."""
    reserved = [
        ("select", "Columns to return, comma-separated, e.g. `date,cases_new`."),
        ("order", "Sort keys, e.g. `date.desc,country_iso3.asc.nullslast`; the key is always appended."),
        ("limit", "Rows per page (default 100, at most 10,000; no limit for CSV)."),
        ("offset", "Rows to skip."),
        ("count", "`exact` to return the total number of matching rows in `count`."),
        ("format", "`csv` to stream CSV (same as `Accept: text/csv`)."),
        ("or", "Conditions of which one must hold, e.g. `(cases_new.lt.0,deaths_new.lt.0)`."),
        ("and", "Conditions that must all hold, e.g. `(date.gte.2020-03-01,date.lt.2020-04-01)`."),
    ]
    parameters = [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": text}
        for name, text in reserved
    ]
    for column in resource.table.columns:
        parameters.append(
            {
                "name": column.name,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "pattern": FILTER_PATTERN},
                "description": f"Filter on {column.name}: `op.value`, e.g. `eq.x`, `in.(x,y)`, `is.null`, `not.eq.x`.",
            }
        )
    return parameters


class RowKeyConvertor(Convertor[str]):
    """A row key in a path: like `path` (keys may hold '/', e.g. `Oxford/AstraZeneca`), but never ending
    in `/history`, which names a row's edit history (api.routes.edits), so the reads by key can be
    matched before that route. A key that is `history` itself is still a key."""

    regex = r"(?!.*/history$).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("rowkey", RowKeyConvertor())


def _wants_csv(request: Request) -> bool:
    return request.query_params.get("format") == "csv" or "text/csv" in request.headers.get("accept", "")


def add_list_route(router: APIRouter, resource: Resource) -> None:
    """`GET /<resource>`: the query grammar, JSON pages or a CSV stream."""
    table: sa.Table = resource.table
    reader = require(resource.read_role)
    page_model = _page_model(resource)

    async def list_rows(
        request: Request,
        user: Annotated[CurrentUser, Depends(reader)],
        warehouse: Annotated[Warehouse, Depends(get_warehouse)],
        settings: Annotated[Settings, Depends(app_settings)],
        store: Annotated[EditStore, Depends(get_edit_store)],
    ) -> Any:
        # Pages run in a worker thread, a few at a time per process (see Warehouse.run): the queries
        # queue in order instead of all competing for the cores at once.

        def respond() -> Response:
            items = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
            as_of = {AS_OF_HEADER: warehouse.as_of() or ""}
            source = table
            if resource.editable:  # edits newer than the marts' last build, put over them
                source = rows_source(
                    resource, store.pending(resource, warehouse.edits_applied_through()), settings.warehouse_engine
                )
            if _wants_csv(request):
                if not user.role.at_least(Role.ANALYST):
                    raise APIError(403, "forbidden", "CSV export needs role ANALYST or above")
                query = parse_list_query(source, items, resource.key, None, None)
                return StreamingResponse(
                    stream_csv(warehouse, to_select(query), [c.name for c in query.columns]),
                    media_type="text/csv",
                    headers={
                        "Content-Disposition": f'attachment; filename="{resource.path.replace("/", "_")}.csv"',
                        **as_of,
                    },
                )
            query = parse_list_query(source, items, resource.key, settings.default_page_size, settings.max_page_size)
            rows = warehouse.select_rows(to_select(query))
            total = next(iter(warehouse.select_rows(to_count(source, query))[0].values())) if query.count else None
            page = {"data": rows, "count": total, "limit": query.limit, "offset": query.offset}
            # The rows come from the contracted mart and match the documented page model: skip re-validating.
            return _json_response(page, as_of)

        return await warehouse.run(respond)

    router.add_api_route(
        f"/{resource.path}",
        list_rows,
        methods=["GET"],
        summary=f"List {resource.summary.lower()}",
        description=f"{resource.model.__doc__}\n\n{GRAMMAR}",
        response_model=page_model,
        response_model_exclude_unset=True,
        responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
        tags=[resource.tag],
        operation_id=f"list_{resource.path.replace('/', '_').replace('-', '_')}",
        openapi_extra={"parameters": _query_parameters(resource)},
    )


def add_key_read_route(router: APIRouter, resource: Resource) -> None:
    """`GET /<resource>/<key>` for a resource with a one-column key (api.routes.key_reads speeds it up)."""
    if len(resource.key) == 1:
        key = resource.table.c[resource.key[0]]
        reader = require(resource.read_role)

        # Sync, so in a worker thread: the fast lane (api.routes.key_reads) answers most reads by key on
        # the event loop, and leaves this route the ones that may wait, e.g. while a new warehouse file
        # replaces the one still being read.
        def read_one(
            key_value: str,
            _user: Annotated[CurrentUser, Depends(reader)],
            warehouse: Annotated[Warehouse, Depends(get_warehouse)],
            store: Annotated[EditStore, Depends(get_edit_store)],
        ) -> Any:
            row = read_row(resource, key_value, warehouse, store)
            # Rows come straight from the contracted mart, so they already match the response model.
            return _json_response(row, {AS_OF_HEADER: warehouse.as_of() or ""})

        router.add_api_route(
            key_route_path(resource),
            read_one,
            methods=["GET"],
            summary=f"Read one of {resource.summary.lower()} by {key.name}",
            response_model=resource.model,
            responses=ERRORS,
            tags=[resource.tag],
            operation_id=f"read_{resource.path.replace('/', '_').replace('-', '_')}",
        )


def key_route_path(resource: Resource) -> str:
    """The path template of a resource's read by key (also the label of its requests in the metrics)."""
    return f"/{resource.path}/{{key_value:rowkey}}"


def build_routers() -> tuple[APIRouter, APIRouter]:
    """(reads by key, lists). The app tries the reads by key first: they are the most requested, and
    every request is matched against the routes in order, by the router and by the metrics."""
    key_reads, lists = APIRouter(), APIRouter()
    for resource in RESOURCES:
        add_key_read_route(key_reads, resource)
        add_list_route(lists, resource)
    return key_reads, lists
