"""The edit log: write edits, find the ones the marts do not contain yet, read history, revert.

Every row an edit touches gets one event in `mart_edits` (api/models/edits.py); the latest event of a row
is in force. Edits up to `applied_through` (the highest edit id the last ELT build folded into the marts,
see Warehouse.edits_applied_through) are in the marts already; newer ones are "pending" and the API puts
them over the marts itself until the next build (api/editing/overlay.py).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from api.core.app_db import app_engine, app_reads
from api.core.config import Settings
from api.core.errors import APIError
from api.editing.rows import complete_row, from_json, to_json
from api.models.edits import Edit, EditOut
from api.resources import EDITABLE, Resource

EDITS: sa.Table = Edit.__table__  # type: ignore[attr-defined]
CHUNK = 500

# Rows of a resource as the marts have them, by key text (missing keys are absent from the dict).
MartRows = Callable[[Resource, Sequence[str]], dict[str, dict[str, Any]]]
# (row key, problem) for a write that would fail the marts' data tests: (resource, rows written, keys
# deleted) -> problems (api/editing/checks.py).
Check = Callable[[Resource, dict[str, dict[str, Any]], list[str]], list[tuple[str, str]]]


@dataclass
class Change:
    """One row to write: an upsert of `values` (python-typed columns) or a delete."""

    key: str
    operation: str  # upsert | delete
    values: dict[str, Any] = field(default_factory=dict)
    must_exist: bool = False  # PATCH / DELETE: the row must be there
    must_not_exist: bool = False  # POST: the row must not be there yet


@dataclass
class WriteResult:
    batch_id: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rows: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # key -> row after the write


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EditStore:
    def __init__(self, settings: Settings) -> None:
        self.engine = app_engine(settings.app_url)
        # Reads put pending edits over the marts on every request. On SQLite (the default) they are cached
        # until a commit by any worker changes the database; on Postgres they are queried each time.
        self._reads = app_reads(settings.app_url)
        self._cache: dict[str, tuple[tuple[int, int], dict[str, dict[str, Any] | None]]] = {}

    # -- reading -------------------------------------------------------------------------------------

    def pending(self, resource: Resource, applied_through: int) -> dict[str, dict[str, Any] | None]:
        """Rows whose latest edit is newer than the marts: key text -> row now (None: deleted)."""
        version = self._reads.version()
        cached = self._cache.get(resource.table.name)
        if version is not None and cached is not None and cached[0] == (version, applied_through):
            return cached[1]
        statement = (
            sa.select(EDITS.c.row_key, EDITS.c.after_row)
            .where(EDITS.c.resource == resource.table.name, EDITS.c.edit_id > applied_through)
            .order_by(EDITS.c.edit_id)
        )
        rows = self._reads.read(lambda connection: connection.execute(statement).all())
        pending = {key: from_json(resource, after) for key, after in rows}  # later events overwrite earlier
        if version is not None:
            self._cache[resource.table.name] = ((version, applied_through), pending)
        return pending

    def pending_row(self, resource: Resource, key: str, applied_through: int) -> tuple[bool, dict[str, Any] | None]:
        """(True, row now or None if deleted) when the row has an edit newer than the marts, else (False, None)."""
        if self._reads.cached:  # SQLite
            pending = self.pending(resource, applied_through)
            return (key in pending, pending.get(key))
        statement = (
            sa.select(EDITS.c.after_row)
            .where(
                EDITS.c.resource == resource.table.name,
                EDITS.c.row_key == key,
                EDITS.c.edit_id > applied_through,
            )
            .order_by(EDITS.c.edit_id.desc())
            .limit(1)
        )
        row = self._reads.read(lambda connection: connection.execute(statement).first())
        return (False, None) if row is None else (True, from_json(resource, row.after_row))

    def get(self, edit_id: int) -> Any:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(EDITS).where(EDITS.c.edit_id == edit_id)).first()
        if row is None:
            raise APIError(404, "not_found", f"no edit with edit_id = {edit_id}")
        return row

    def history(self, resource: Resource, key: str) -> list[Any]:
        with self.engine.connect() as connection:
            return _events(connection, resource.table.name, key)

    def _latest(self, connection: sa.Connection, resource: Resource, keys: Iterable[str]) -> dict[str, Any]:
        """The latest event of each key that has one."""
        latest: dict[str, Any] = {}
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            newest = (
                sa.select(EDITS.c.row_key, sa.func.max(EDITS.c.edit_id).label("edit_id"))
                .where(EDITS.c.resource == resource.table.name, EDITS.c.row_key.in_(chunk))
                .group_by(EDITS.c.row_key)
                .subquery()
            )
            statement = sa.select(EDITS).join(newest, EDITS.c.edit_id == newest.c.edit_id)
            latest.update({row.row_key: row for row in connection.execute(statement)})
        return latest

    # -- writing -------------------------------------------------------------------------------------

    def _lock(self, connection: sa.Connection) -> None:
        if connection.dialect.name == "postgresql":  # serialise writers (SQLite: BEGIN IMMEDIATE does it)
            connection.execute(sa.text("select pg_advisory_xact_lock(hashtext('mart_edits'))"))

    def _visible(
        self,
        resource: Resource,
        keys: Sequence[str],
        latest: dict[str, Any],
        applied_through: int,
        mart_rows: MartRows,
    ) -> dict[str, dict[str, Any] | None]:
        """Each key's row as readers see it now: its pending edit's row, else the mart's row."""
        visible: dict[str, dict[str, Any] | None] = {}
        from_marts = [key for key in keys if key not in latest or latest[key].edit_id <= applied_through]
        marts = mart_rows(resource, from_marts) if from_marts else {}
        for key in keys:
            event = latest.get(key)
            if event is not None and event.edit_id > applied_through:
                visible[key] = from_json(resource, event.after_row)
            else:
                visible[key] = marts.get(key)
        return visible

    def write(
        self,
        resource: Resource,
        changes: Sequence[Change],
        user: str,
        reason: str | None,
        applied_through: int,
        mart_rows: MartRows,
        check: Check | None = None,
        first_row: int = 0,
    ) -> WriteResult:
        """Record the changes as one batch, all or nothing. Problems raise one error listing each row's
        (`row` counts from `first_row`): 404/409/422 for a single problem, 422 for several."""
        result = WriteResult(batch_id=uuid.uuid4().hex)
        keys = [change.key for change in changes]
        duplicates = sorted(key for key, count in Counter(keys).items() if count > 1)
        if duplicates:
            raise APIError(
                422,
                "duplicate_keys",
                "the same row appears more than once in the request",
                details=[{"key": key} for key in duplicates[:100]],
            )
        with self.engine.connect().execution_options(write_lock=True) as connection, connection.begin():
            self._lock(connection)
            latest = self._latest(connection, resource, keys)
            visible = self._visible(resource, keys, latest, applied_through, mart_rows)
            events, problems = [], []
            now = _now()
            for index, change in enumerate(changes):
                before = visible[change.key]
                if change.must_exist and before is None:
                    problems.append((404, index, change.key, "no such row"))
                    continue
                if change.must_not_exist and before is not None:
                    problems.append((409, index, change.key, "the row exists already (PATCH it, or import to upsert)"))
                    continue
                event = self._event(resource, change, before, latest.get(change.key), result)
                if event is not None:
                    events.append(
                        {**event, "batch_id": result.batch_id, "reason": reason, "edited_by": user, "edited_at": now}
                    )
            if check is not None and not problems:
                written = {event["row_key"]: result.rows[event["row_key"]] for event in events}
                index = {change.key: position for position, change in enumerate(changes)}
                upserted = {key: row for key, row in written.items() if row is not None}
                deleted = [key for key, row in written.items() if row is None]
                problems += [(422, index[key], key, text) for key, text in check(resource, upserted, deleted)]
            if problems:
                status = problems[0][0] if len(problems) == 1 else 422
                raise APIError(
                    status,
                    {404: "not_found", 409: "conflict"}.get(status, "invalid_rows"),
                    problems[0][3]
                    + (f" (and {len(problems) - 1} more; nothing was written)" if len(problems) > 1 else ""),
                    details=[
                        {"row": index + first_row, "key": key, "error": text} for _, index, key, text in problems[:100]
                    ],
                )
            if events:
                connection.execute(sa.insert(EDITS), events)
        return result

    def _event(
        self,
        resource: Resource,
        change: Change,
        before: dict[str, Any] | None,
        latest: Any,
        result: WriteResult,
    ) -> dict[str, Any] | None:
        base = {"resource": resource.table.name, "row_key": change.key, "before_row": to_json(before)}
        if change.operation == "delete":
            result.deleted.append(change.key)
            result.rows[change.key] = None
            return {**base, "operation": "delete", "changes": None, "after_row": None}
        given = {name: value for name, value in change.values.items() if name not in resource.identity_columns}
        if before is None:
            after = {column.name: change.values.get(column.name) for column in resource.table.columns}
        else:
            after = {**before, **given}
        complete_row(resource, after, before, result.batch_id)
        if after == before:
            result.unchanged.append(change.key)
            result.rows[change.key] = before
            return None
        (result.created if before is None else result.updated).append(change.key)
        changed = {
            name: value
            for name, value in after.items()
            if name not in resource.identity_columns and (before is None or before.get(name) != value)
        }
        in_force = latest is not None and latest.operation == "upsert"
        cumulative = {**((_decode(latest.changes) or {}) if in_force else {}), **changed}
        result.rows[change.key] = after
        return {**base, "operation": "upsert", "changes": to_json(cumulative), "after_row": to_json(after)}

    def restore(
        self, resource: Resource, key: str, user: str, reason: str | None, applied_through: int, mart_rows: MartRows
    ) -> Any:
        """End every edit of a row at once: it goes back to the source values (a revert event)."""
        with self.engine.connect().execution_options(write_lock=True) as connection, connection.begin():
            self._lock(connection)
            events = _events(connection, resource.table.name, key)
            if not events or events[-1].operation == "revert":
                raise APIError(404, "not_found", f"no edit of {resource.path} {key!r} is in force")
            last_revert = max((i for i, event in enumerate(events) if event.operation == "revert"), default=-1)
            first_in_force = events[last_revert + 1]
            before = self._visible(resource, [key], {key: events[-1]}, applied_through, mart_rows)[key]
            # The row before its first edit in force: the source's.
            to_source = {"operation": "revert", "changes": None, "after_row": first_in_force.before_row}
            new_id = _insert_event(
                connection, resource, key, to_source, before, user, reason or "back to the source values"
            )
        return self.get(new_id)

    def revert(self, edit_id: int, user: str, reason: str | None, applied_through: int, mart_rows: MartRows) -> Any:
        """Undo an edit that is its row's latest: the row goes back to how it was before the edit."""
        event = self.get(edit_id)
        resource = EDITABLE[event.resource]
        with self.engine.connect().execution_options(write_lock=True) as connection, connection.begin():
            self._lock(connection)
            events = _events(connection, event.resource, event.row_key)
            latest = events[-1]
            if latest.edit_id != event.edit_id:
                raise APIError(
                    409,
                    "conflict",
                    f"edit {edit_id} is not the latest edit of its row (edit {latest.edit_id} is)",
                    hint=f"revert edit {latest.edit_id} first",
                )
            previous = events[-2] if len(events) > 1 else None
            before = self._visible(resource, [event.row_key], {event.row_key: latest}, applied_through, mart_rows)
            restores = previous is not None and previous.operation != "revert"
            undo = {
                "operation": previous.operation if restores else "revert",
                "changes": previous.changes if restores else None,
                "after_row": event.before_row,
            }
            new_id = _insert_event(
                connection,
                resource,
                event.row_key,
                undo,
                before[event.row_key],
                user,
                reason or f"revert edit {edit_id}",
            )
        return self.get(new_id)


def _events(connection: sa.Connection, resource_table: str, key: str) -> list[Any]:
    """Every event of one row, oldest first."""
    statement = (
        sa.select(EDITS).where(EDITS.c.resource == resource_table, EDITS.c.row_key == key).order_by(EDITS.c.edit_id)
    )
    return list(connection.execute(statement).all())


def _insert_event(
    connection: sa.Connection,
    resource: Resource,
    key: str,
    event: dict[str, Any],
    before: dict[str, Any] | None,
    user: str,
    reason: str,
) -> int:
    """Append one event (a batch of its own) for a row; its edit_id."""
    row = {
        **event,
        "batch_id": uuid.uuid4().hex,
        "resource": resource.table.name,
        "row_key": key,
        "before_row": to_json(before),
        "reason": reason,
        "edited_by": user,
        "edited_at": _now(),
    }
    return connection.execute(sa.insert(EDITS).values(**row).returning(EDITS.c.edit_id)).scalar_one()


def _decode(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None


def edit_out(row: Any, applied_through: int) -> EditOut:
    return EditOut(
        edit_id=row.edit_id,
        batch_id=row.batch_id,
        resource=row.resource,
        row_key=row.row_key,
        operation=row.operation,
        changes=_decode(row.changes),
        after_row=_decode(row.after_row),
        before_row=_decode(row.before_row),
        reason=row.reason,
        edited_by=row.edited_by,
        edited_at=row.edited_at,
        applied=row.edit_id <= applied_through,
    )
