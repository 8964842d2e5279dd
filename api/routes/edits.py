"""Writes (MANAGER and above): create, change, delete, bulk import; and the edit log: history, revert.

The marts are rebuilt by dbt at every ELT run, so a write never touches them: it appends events to the
edit log (api/editing/store.py), the next build applies them (dbt macro apply_api_edits), and until
then the read endpoints put them over the marts (api/editing/overlay.py). Edits survive every run.
"""

import io
from typing import Annotated, Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.csv as pacsv
from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from api.core import audit
from api.core.deps import CurrentUser, get_edit_store, get_warehouse, require
from api.core.errors import APIError, ErrorBody
from api.core.security import Role
from api.core.warehouse import Warehouse
from api.editing.checks import Checker
from api.editing.rows import create_model_for, key_text, patch_model_for
from api.editing.store import EDITS, Change, EditStore, MartRows, WriteResult, edit_out
from api.models.edits import EditOut
from api.query.filters import convert, parse_list_query, to_select
from api.resources import RESOURCES, Resource

manager = require(Role.MANAGER)
reader = require(Role.USER)
MAX_IMPORT_ROWS = 100_000
MAX_IMPORT_BYTES = 64 * 1024 * 1024  # an import body larger than this is refused before it is read


async def _read_body(request: Request) -> bytes:
    """The request body, refused with 413 once it passes MAX_IMPORT_BYTES (declared or streamed)."""
    too_large = APIError(
        413,
        "body_too_large",
        f"an import body may be at most {MAX_IMPORT_BYTES // (1024 * 1024)} MiB",
        hint="split the rows over several imports",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422)}
Reason = Annotated[
    str | None, Query(max_length=500, pattern=r"^[^\x00]*$", description="Why: kept in the edit log with the change.")
]


class ImportResult(BaseModel):
    batch_id: str = Field(description="Identifier of the import's edits in the edit log.")
    created: int
    updated: int
    unchanged: int


def mart_rows(warehouse: Warehouse) -> MartRows:
    def fetch(resource: Resource, keys: Any) -> dict[str, dict[str, Any]]:
        key = resource.table.c[resource.key[0]]
        values = [convert(key, text, key.name) for text in keys]
        return {key_text(row[key.name]): row for row in warehouse.fetch_by_keys(resource.table, key.name, values)}

    return fetch


def _row_key(resource: Resource, values: dict[str, Any], index: int | None = None) -> str:
    key = resource.key[0]
    where = f"row {index}: " if index is not None else ""
    if not resource.has_surrogate_key:
        text = key_text(values[key])
        if not text.strip() or text.endswith(("/history", "/edits")):  # not addressable as /<resource>/<key>
            raise APIError(
                422, "invalid_key", f"{where}{key} {text!r} cannot be a key (blank, or ends in /history or /edits)"
            )
        return text
    computed = resource.surrogate_key(values)
    if values.get(key) not in (None, computed):
        raise APIError(
            422,
            "invalid_key",
            f"{where}{key} {values[key]!r} does not match the natural key ({', '.join(resource.natural_key)})",
            hint=f"leave {key} out: the API computes it",
        )
    values[key] = computed
    return computed


def _invalid_rows(error: ValidationError, first_row: int) -> APIError:
    """422 listing each row's problems (first 100): `row` counts from `first_row`."""
    problems = [
        {
            "row": int(item["loc"][0]) + first_row if item["loc"] and isinstance(item["loc"][0], int) else None,
            "loc": [str(part) for part in item["loc"][1:]],
            "msg": item["msg"],
        }
        for item in error.errors()[:100]
    ]
    return APIError(422, "invalid_rows", f"{error.error_count()} problem(s); nothing was written", problems)


def _parse_import(resource: Resource, request_body: bytes, is_csv: bool) -> list[dict[str, Any]]:
    """Rows of a JSON array or a CSV upload, validated; the columns each row gives."""
    model = create_model_for(resource)
    if is_csv:
        try:
            table = pacsv.read_csv(
                io.BytesIO(request_body),
                convert_options=pacsv.ConvertOptions(
                    column_types={column.name: pa.string() for column in resource.table.c}, strings_can_be_null=True
                ),
            )
        except pa.ArrowInvalid as exc:
            raise APIError(400, "invalid_csv", f"cannot read the CSV upload: {exc}") from None
        repeated = sorted({name for name in table.column_names if table.column_names.count(name) > 1})
        if repeated:
            raise APIError(400, "invalid_csv", f"columns given more than once: {repeated}")
        unknown = sorted(set(table.column_names) - set(resource.table.c.keys()))
        if unknown:
            raise APIError(400, "unknown_column", f"unknown columns {unknown}", details={"columns": unknown})
        items: Any = table.to_pylist()
        adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
        try:
            validated = adapter.validate_python(items)
        except ValidationError as exc:
            raise _invalid_rows(exc, first_row=2) from None  # CSV line numbers: the header is line 1
        # Every column of the header is given, blank cells included (they set NULL).
        return [{name: getattr(row, name) for name in table.column_names} for row in validated]
    try:
        validated = TypeAdapter(list[model]).validate_json(request_body)  # type: ignore[valid-type]
    except ValidationError as exc:
        raise _invalid_rows(exc, first_row=0) from None
    return [row.model_dump(exclude_unset=True) for row in validated]


def _store_write(
    resource: Resource,
    changes: list[Change],
    user: CurrentUser,
    reason: str | None,
    warehouse: Warehouse,
    store: EditStore,
    first_row: int = 0,
) -> WriteResult:
    """Record the changes after checking the rows they produce against the mart's dbt tests."""
    applied = warehouse.edits_applied_through()

    checker = Checker(warehouse, lambda other: store.pending(other, applied))

    return store.write(
        resource,
        changes,
        user.username,
        reason,
        applied,
        mart_rows(warehouse),
        check=checker.problems,
        first_row=first_row,
    )


def add_write_routes(router: APIRouter, history: APIRouter, resource: Resource) -> None:
    """Writes on `router`; the row's history (a read) on `history`."""
    key = resource.table.c[resource.key[0]]
    name = resource.path.replace("/", "_").replace("-", "_")
    create_model = create_model_for(resource)
    patch_model = patch_model_for(resource)
    natural = ", ".join(resource.natural_key or resource.key)
    surrogate_note = (
        f" `{key.name}` is computed from the natural key ({natural}); leave it out."
        if resource.has_surrogate_key
        else ""
    )

    def create_row(
        row: Annotated[create_model, Body()],  # type: ignore[valid-type]
        response: Response,
        user: Annotated[CurrentUser, Depends(manager)],
        warehouse: Annotated[Warehouse, Depends(get_warehouse)],
        store: Annotated[EditStore, Depends(get_edit_store)],
        reason: Reason = None,
    ) -> Any:
        values = row.model_dump()
        row_key = _row_key(resource, values)
        change = Change(row_key, "upsert", values, must_not_exist=True)
        result = _store_write(resource, [change], user, reason, warehouse, store)
        response.headers["Location"] = f"/{resource.path}/{quote(row_key, safe='')}"
        response.headers["X-Edit-Batch"] = result.batch_id
        return result.rows[row_key]

    def update_row(
        key_value: str,
        changes: Annotated[patch_model, Body()],  # type: ignore[valid-type]
        response: Response,
        user: Annotated[CurrentUser, Depends(manager)],
        warehouse: Annotated[Warehouse, Depends(get_warehouse)],
        store: Annotated[EditStore, Depends(get_edit_store)],
        reason: Reason = None,
    ) -> Any:
        row_key = key_text(convert(key, key_value, key.name))
        change = Change(row_key, "upsert", changes.model_dump(exclude_unset=True), must_exist=True)
        result = _store_write(resource, [change], user, reason, warehouse, store)
        response.headers["X-Edit-Batch"] = result.batch_id
        return result.rows[row_key]

    def delete_row(
        key_value: str,
        user: Annotated[CurrentUser, Depends(manager)],
        warehouse: Annotated[Warehouse, Depends(get_warehouse)],
        store: Annotated[EditStore, Depends(get_edit_store)],
        reason: Reason = None,
    ) -> Response:
        row_key = key_text(convert(key, key_value, key.name))
        result = _store_write(resource, [Change(row_key, "delete", must_exist=True)], user, reason, warehouse, store)
        return Response(status_code=204, headers={"X-Edit-Batch": result.batch_id})

    async def import_rows(
        request: Request,
        user: Annotated[CurrentUser, Depends(manager)],
        warehouse: Annotated[Warehouse, Depends(get_warehouse)],
        store: Annotated[EditStore, Depends(get_edit_store)],
        reason: Reason = None,
    ) -> ImportResult:
        body = await _read_body(request)
        is_csv = "csv" in request.headers.get("content-type", "")
        rows = await run_in_threadpool(_parse_import, resource, body, is_csv)
        if len(rows) > MAX_IMPORT_ROWS:
            raise APIError(413, "too_many_rows", f"at most {MAX_IMPORT_ROWS:,} rows per import, got {len(rows):,}")
        first_row = 2 if is_csv else 0  # CSV: line numbers (the header is line 1); JSON: array index
        changes = [Change(_row_key(resource, row, i + first_row), "upsert", row) for i, row in enumerate(rows)]
        result = await run_in_threadpool(_store_write, resource, changes, user, reason, warehouse, store, first_row)
        counts = {name: len(getattr(result, name)) for name in ("created", "updated", "unchanged")}
        await run_in_threadpool(
            audit.record_now, request.app.state.settings, "edits.imported", request=request, actor=user.username,
            target=resource.table.name, details={"batch_id": result.batch_id, "rows": len(rows), **counts},
        )  # fmt: skip
        return ImportResult(
            batch_id=result.batch_id,
            created=len(result.created),
            updated=len(result.updated),
            unchanged=len(result.unchanged),
        )

    def row_history(
        key_value: str,
        _user: Annotated[CurrentUser, Depends(reader)],
        warehouse: Annotated[Warehouse, Depends(get_warehouse)],
        store: Annotated[EditStore, Depends(get_edit_store)],
    ) -> list[EditOut]:
        row_key = key_text(convert(key, key_value, key.name))
        applied = warehouse.edits_applied_through()
        return [edit_out(event, applied) for event in store.history(resource, row_key)]

    common: dict[str, Any] = {"tags": [resource.tag], "responses": ERRORS}
    router.add_api_route(
        f"/{resource.path}",
        create_row,
        methods=["POST"],
        status_code=201,
        response_model=resource.model,
        summary=f"Create one of {resource.summary.lower()} (MANAGER)",
        description=f"Adds a row the source does not have; it survives every ELT run.{surrogate_note} "
        "409 if the row exists (PATCH it, or import to upsert).",
        operation_id=f"create_{name}",
        **common,
    )
    router.add_api_route(
        f"/{resource.path}/import",
        import_rows,
        methods=["POST"],
        response_model=ImportResult,
        summary=f"Import {resource.summary.lower()} (MANAGER)",
        description=(
            f"Upsert many rows on the natural key ({natural}): a JSON array of objects, or a CSV upload with "
            f"`Content-Type: text/csv` (a header of column names; blank cells are NULL). Each row sets the "
            f"columns it gives.{surrogate_note} All or nothing: if any row is invalid nothing is written and "
            f"the 422 lists each row's problems (`row`: index in the array, or CSV line number)."
        ),
        operation_id=f"import_{name}",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "array", "items": create_model.model_json_schema()}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        },
        **common,
    )
    router.add_api_route(
        f"/{resource.path}/{{key_value:path}}",
        update_row,
        methods=["PATCH"],
        response_model=resource.model,
        summary=f"Change one of {resource.summary.lower()} (MANAGER)",
        description="Sets the given columns; the others keep following the source at each ELT run. "
        f"Columns that identify the row ({', '.join(resource.identity_columns)}) cannot change.",
        operation_id=f"update_{name}",
        **common,
    )

    def restore_row(
        key_value: str,
        user: Annotated[CurrentUser, Depends(manager)],
        warehouse: Annotated[Warehouse, Depends(get_warehouse)],
        store: Annotated[EditStore, Depends(get_edit_store)],
        reason: Reason = None,
    ) -> EditOut:
        row_key = key_text(convert(key, key_value, key.name))
        applied = warehouse.edits_applied_through()
        event = store.restore(resource, row_key, user.username, reason, applied, mart_rows(warehouse))
        return edit_out(event, applied)

    # Before DELETE /<resource>/<key>, whose key may contain slashes.
    router.add_api_route(
        f"/{resource.path}/{{key_value:path}}/edits",
        restore_row,
        methods=["DELETE"],
        response_model=EditOut,
        summary=f"Drop every edit of one of {resource.summary.lower()} (MANAGER)",
        description="Takes the row back to the source values (or removes it, if the API created it), however "
        "many edits it had: one revert event in the log. 404 if no edit of the row is in force.",
        operation_id=f"restore_{name}",
        **common,
    )
    router.add_api_route(
        f"/{resource.path}/{{key_value:path}}",
        delete_row,
        methods=["DELETE"],
        status_code=204,
        response_class=Response,
        summary=f"Delete one of {resource.summary.lower()} (MANAGER)",
        description="A tombstone: the row stays out of the marts, even if the source keeps sending it, "
        "until the delete is reverted (`POST /edits/{edit_id}/revert`).",
        operation_id=f"delete_{name}",
        **common,
    )
    history.add_api_route(
        f"/{resource.path}/{{key_value:path}}/history",
        row_history,
        methods=["GET"],
        response_model=list[EditOut],
        summary=f"Edit history of one of {resource.summary.lower()}",
        description="Every edit of the row, oldest first, with the row before and after each.",
        operation_id=f"history_{name}",
        **common,
    )


def list_edits(
    request: Request,
    _user: Annotated[CurrentUser, Depends(reader)],
    warehouse: Annotated[Warehouse, Depends(get_warehouse)],
    store: Annotated[EditStore, Depends(get_edit_store)],
) -> list[EditOut]:
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "select"]
    query = parse_list_query(EDITS, items, ("edit_id",), 100, 10_000)
    query.columns = list(EDITS.c)
    with store.engine.connect() as connection:
        rows = connection.execute(to_select(query)).all()
    applied = warehouse.edits_applied_through()
    return [edit_out(row, applied) for row in rows]


def revert_edit(
    edit_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    user: Annotated[CurrentUser, Depends(manager)],
    warehouse: Annotated[Warehouse, Depends(get_warehouse)],
    store: Annotated[EditStore, Depends(get_edit_store)],
    reason: Reason = None,
) -> EditOut:
    applied = warehouse.edits_applied_through()
    event = store.revert(edit_id, user.username, reason, applied, mart_rows(warehouse))
    return edit_out(event, applied)


def build_routers() -> tuple[APIRouter, APIRouter]:
    """(the edit log's reads, the writes). The reads must come before the resources' own reads:
    `GET /<resource>/<key>/history` has to be tried before `GET /<resource>/<key>`, whose key may contain
    slashes (vaccine names such as Oxford/AstraZeneca). The writes can come last, after the hot reads."""
    history, router = APIRouter(), APIRouter()
    history.add_api_route(
        "/edits",
        list_edits,
        methods=["GET"],
        response_model=list[EditOut],
        tags=["edits"],
        summary="The edit log",
        description="Every edit made through the API, oldest first, filtered and paged with the list grammar "
        "(e.g. `?resource=eq.dim_country&edited_by=eq.alice&order=edit_id.desc&limit=20`). `applied` tells "
        "whether an ELT build has folded the edit into the marts (until then the API shows it on top).",
        operation_id="list_edits",
        responses=ERRORS,
    )
    router.add_api_route(
        "/edits/{edit_id}/revert",
        revert_edit,
        methods=["POST"],
        status_code=201,
        response_model=EditOut,
        tags=["edits"],
        summary="Revert an edit (MANAGER)",
        description="Undoes the latest edit of a row: the row returns to how it was before it (the source "
        "values, if it was the row's first edit). Recorded as a new event. 409 if a later edit of the "
        "row exists: revert that one first.",
        operation_id="revert_edit",
        responses=ERRORS,
    )
    for resource in RESOURCES:
        if resource.editable:
            add_write_routes(router, history, resource)
    return history, router
