"""ELT over HTTP (ADMIN): start a run in the background, follow it, list past runs."""

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.core import audit
from api.core.deps import CurrentUser, get_warehouse, require
from api.core.elt_launcher import EltLauncher
from api.core.errors import APIError, ErrorBody
from api.core.security import Role
from api.core.warehouse import Warehouse

router = APIRouter(prefix="/elt", tags=["elt"], responses={code: {"model": ErrorBody} for code in (401, 403)})
admin = require(Role.ADMIN)


class EltRun(BaseModel):
    """One ELT run: `running` until the pipeline records its outcome in ops.elt_runs."""

    run_id: str
    status: str
    requested_by: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    files_loaded: int | None = None
    files_unchanged: int | None = None
    files_failed: int | None = None
    rows_loaded: int | None = None
    rows_quarantined: int | None = None
    seconds_load: float | None = None
    seconds_dbt: float | None = None
    seconds_total: float | None = None
    error: str | None = None
    log_tail: list[str] | None = None


RECORD_COLUMNS = (
    "run_id", "status", "started_at", "finished_at", "files_loaded", "files_unchanged", "files_failed",
    "rows_loaded", "rows_quarantined", "seconds_load", "seconds_dbt", "seconds_total", "error",
)  # fmt: skip


async def _launcher(request: Request) -> EltLauncher:
    return request.app.state.elt_launcher


def _recorded(warehouse: Warehouse, run_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    query = f"select {', '.join(RECORD_COLUMNS)} from ops.elt_runs"  # noqa: S608 - RECORD_COLUMNS are constants; values are bound
    params: dict[str, Any] = {"limit": limit}
    if run_id:
        query += " where run_id = :run_id"
        params["run_id"] = run_id
    try:
        with warehouse.connect() as connection:
            rows = connection.execute(sa.text(query + " order by started_at desc limit :limit"), params).mappings()
            return [{k: (str(v) if k.endswith("_at") and v is not None else v) for k, v in row.items()} for row in rows]
    except (sa.exc.DBAPIError, APIError):  # no warehouse or no run recorded yet
        return []


def _describe(launcher: EltLauncher, warehouse: Warehouse, started: dict[str, Any]) -> EltRun:
    """`running` while the run's process lives (it records its outcome just before it exits and
    releases the lock), then the recorded outcome, or `crashed` if it died without recording one."""
    alive = launcher.process_alive(started)
    recorded = [] if alive else _recorded(warehouse, started["run_id"])
    if recorded:
        return EltRun(**{**recorded[0], "requested_by": started.get("requested_by")})
    return EltRun(
        run_id=started["run_id"],
        status="running" if alive else "crashed",
        requested_by=started["requested_by"],
        started_at=started["started_at"],
    )


@router.post("/runs", status_code=202, response_model=EltRun, responses={409: {"model": ErrorBody}})
def start_run(
    request: Request,
    user: Annotated[CurrentUser, Depends(admin)],
    launcher: Annotated[EltLauncher, Depends(_launcher)],
) -> EltRun:
    """Start `make elt` in the background with the API's warehouse settings; 409 while one runs."""
    started = launcher.start(user.username)
    audit.record_now(
        request.app.state.settings, "elt.started", request=request, actor=user.username, target=started["run_id"]
    )
    return EltRun(
        run_id=started["run_id"], status="running", requested_by=user.username, started_at=started["started_at"]
    )


@router.get("/runs", response_model=list[EltRun])
def list_runs(
    _user: Annotated[CurrentUser, Depends(admin)],
    launcher: Annotated[EltLauncher, Depends(_launcher)],
    warehouse: Annotated[Warehouse, Depends(get_warehouse)],
) -> list[EltRun]:
    """Recent runs, newest first: those recorded in ops.elt_runs (any origin) and any still running."""
    runs = {row["run_id"]: EltRun(**row) for row in _recorded(warehouse)}
    for started in launcher.started_runs():
        if started["run_id"] not in runs:
            runs[started["run_id"]] = _describe(launcher, warehouse, started)
        else:
            runs[started["run_id"]].requested_by = started["requested_by"]
    return sorted(runs.values(), key=lambda run: run.started_at or "", reverse=True)


@router.get("/runs/{run_id}", response_model=EltRun, responses={404: {"model": ErrorBody}})
def read_run(
    run_id: str,
    _user: Annotated[CurrentUser, Depends(admin)],
    launcher: Annotated[EltLauncher, Depends(_launcher)],
    warehouse: Annotated[Warehouse, Depends(get_warehouse)],
) -> EltRun:
    """Status, counts, timings and the last lines of the run's log."""
    started = launcher.started_run(run_id)
    if started is None:
        recorded = _recorded(warehouse, run_id)
        if not recorded:
            raise APIError(404, "not_found", f"no ELT run {run_id!r}")
        return EltRun(**recorded[0])
    run = _describe(launcher, warehouse, started)
    run.log_tail = launcher.log_tail(run_id)
    return run
