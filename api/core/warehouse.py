"""Read-only access to the marts.

DuckDB: the ELT replaces the warehouse file atomically (ingest/atomic.py). Each worker keeps one
read-only connection and reopens it when the file on disk is a new one (its inode changed), so a
request never sees a half-built warehouse and never blocks the ELT. What a worker keeps per file (marts
held in memory for reads by key, pooled cursors) goes with it. Postgres: a pooled engine.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.pool import QueuePool

from api.core import postgres_reads
from api.core.arrow_rows import RowReader
from api.core.config import Settings
from api.core.errors import APIError
from api.core.mapped_keys import MappedKeyedTable, cache_folder

T = TypeVar("T")
logger = logging.getLogger(__name__)


def compile_positional(statement: sa.Select[Any], dialect: sa.Dialect) -> tuple[str, list[Any]]:
    """SQL and positional parameters of a Core select for the DuckDB driver (`$1`, `$2`...), with
    `in (...)` lists expanded: names come from the model, values stay bound."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return compiled.string, [compiled.params[name] for name in compiled.positiontup or ()]


class KeyedTable:
    """A whole mart held in memory as Arrow columns, with a dict from primary key to row number.

    Reads by key are the API's hot path, and DuckDB, a column store, has no fast path for them: each
    one scans the key column (about 0.6 ms for the 131,000-row daily fact). The file never changes
    while it is live, so each worker loads a table once (about 0.15 s and 40 MB for that fact) and
    then reads a row from its buffers (api.core.arrow_rows) in about 20 microseconds (about 35 through
    pyarrow's scalars)."""

    def __init__(self, connection: Any, table: sa.Table, key: str) -> None:
        arrow = connection.execute(f'select * from "{table.schema}"."{table.name}"').to_arrow_table()  # noqa: S608 - a model's table
        arrow = arrow.combine_chunks()
        columns = [column.chunk(0) if column.num_chunks else pa.array([], column.type) for column in arrow.columns]
        self.rows = RowReader(arrow.column_names, columns)
        self.positions = {value: position for position, value in enumerate(arrow.column(key).to_pylist())}

    def get(self, value: Any) -> dict[str, Any] | None:
        position = self.positions.get(value)
        if position is None:
            return None
        return self.rows.row(position)


class _Generation:
    """One opened version of the DuckDB file and the requests currently using it."""

    def __init__(self, path: str, identity: tuple[int, int], config: dict[str, Any]) -> None:
        import duckdb
        from duckdb_engine import ConnectionWrapper

        self.identity = identity
        self.active = 0
        self.closing = False
        self.connection = duckdb.connect(path, read_only=True)
        # Settings, not connect() config: another connection to the file in this process (an in-process
        # ELT's look at the previous warehouse) would otherwise be refused for a different configuration.
        for name, value in config.items():
            self.connection.execute(f"set global {name} = '{value}'")
        # Tables read by key, loaded in the background on first use and kept while this file is live
        # (KeyedTable, or MappedKeyedTable for a large one); None for one that could not be loaded.
        self.keyed: dict[str, KeyedTable | MappedKeyedTable | None] = {}
        self.loading: set[str] = set()
        # The pool hands out cursors of the one read-only connection, one thread at a time, and keeps
        # them: creating a DuckDB cursor costs more than a key lookup (about 1.4 ms against 0.7 ms).
        self.engine = sa.create_engine(
            "duckdb:///:memory:",
            creator=lambda: ConnectionWrapper(self.connection.cursor()),
            poolclass=QueuePool,
            pool_size=8,
            max_overflow=56,
            pool_reset_on_return=None,  # read-only: nothing to roll back
        )

    def close(self) -> None:
        self.engine.dispose()
        self.connection.close()


class Warehouse:
    """Read access to the marts for one API worker."""

    DRAIN_SECONDS = 60.0
    POSTGRES_POOL_SIZE = 10

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._changed = threading.Condition()
        self._generation: _Generation | None = None
        self._engine: sa.Engine | None = None
        self._as_of: tuple[Any, str | None] | None = None
        self._applied: tuple[Any, int] | None = None
        self._slots: anyio.CapacityLimiter | None = None
        self._config = {
            "threads": settings.duckdb_threads,
            "memory_limit": settings.duckdb_memory_limit,
            # this worker's own folder: DuckDB's spill files are not shared between processes
            "temp_directory": str(self._key_cache_root() / f"spill-{os.getpid()}"),
            # DuckDB's late materialization (a top-N on the sort keys, then a join to fetch the other
            # columns) costs more than it saves on marts this size: a filtered page of the daily fact
            # takes 1.7 ms without it, 2.7 ms with it.
            "disabled_optimizers": "late_materialization",
        }

    def _key_cache_root(self) -> Path:
        return self.settings.key_cache_dir or Path(tempfile.gettempdir()) / "epidemic-api-keys"

    def _file_identity(self) -> tuple[int, int]:
        try:
            stat = os.stat(self.settings.duckdb_path)
        except FileNotFoundError:
            raise APIError(
                503, "warehouse_missing", "the warehouse has not been built yet", hint="run `make elt`"
            ) from None
        return stat.st_ino, stat.st_mtime_ns

    def _postgres_engine(self) -> sa.Engine:
        with self._changed:
            if self._engine is None:
                self._engine = postgres_reads.read_only_engine(self.settings.warehouse_url, self.POSTGRES_POOL_SIZE)
            return self._engine

    def opens_without_waiting(self) -> bool:
        """False while the DuckDB file has been replaced and the worker still drains the old one: a read
        now could wait for it (up to DRAIN_SECONDS), which must not happen on the event loop."""
        if self.settings.warehouse_engine != "duckdb":
            return True
        current = self._generation
        try:
            return current is None or (current.identity == self._file_identity() and not current.closing)
        except APIError:  # no warehouse: the caller's read reports it
            return True

    def _acquire_duckdb(self) -> _Generation:
        """The generation for the file on disk now, opening it (after the old one drains) if it changed.

        DuckDB caches open databases by path, so the replaced file must be closed before the new one
        at the same path can be opened; requests still reading the old one finish first."""
        identity = self._file_identity()
        with self._changed:
            while True:
                current = self._generation
                if current is None:
                    self._generation = current = _Generation(str(self.settings.duckdb_path), identity, self._config)
                if current.identity == identity:
                    current.active += 1
                    return current
                if current.closing:  # another request is already rotating: wait for it
                    self._changed.wait(timeout=1.0)
                    continue
                current.closing = True
                self._changed.wait_for(lambda old=current: old.active == 0, timeout=self.DRAIN_SECONDS)
                current.close()
                self._generation = None
                self._changed.notify_all()

    def _release(self, generation: _Generation) -> None:
        with self._changed:
            generation.active -= 1
            self._changed.notify_all()

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        if self.settings.warehouse_engine != "duckdb":
            with self._postgres_engine().connect() as connection:
                yield connection
            return
        generation = self._acquire_duckdb()
        try:
            with generation.engine.connect() as connection:
                yield connection
        finally:
            self._release(generation)

    async def run(self, work: Callable[[], T]) -> T:
        """Run blocking warehouse work (a page of a list) in a worker thread, at most
        `settings.query_concurrency` at a time in this process, the others waiting in order. On two cores,
        sixteen queries at once on each worker only slow each other down and make the wait unfair."""
        if self._slots is None:  # created in the event loop
            default = 2 if self.settings.warehouse_engine == "duckdb" else 3
            self._slots = anyio.CapacityLimiter(self.settings.query_concurrency or default)
        return await anyio.to_thread.run_sync(work, limiter=self._slots)

    def as_of(self) -> str | None:
        """When the data was last loaded successfully (ops.elt_runs), cached per DuckDB file or 10 s."""
        key = self._cache_key()
        if self._as_of is not None and self._as_of[0] == key:
            return self._as_of[1]
        try:
            value = self.scalar(
                sa.text("select max(finished_at) from ops.elt_runs where status in ('success', 'partial', 'no_op')")
            )
        except sa.exc.DBAPIError:
            value = None
        text = value.isoformat() if value is not None else None
        self._as_of = (key, text)
        return text

    def _cache_key(self) -> Any:
        """Changes when the data may have: a new DuckDB file, or every 10 s on Postgres."""
        return self._file_identity() if self.settings.warehouse_engine == "duckdb" else int(time.monotonic() // 10)

    def edits_applied_through(self) -> int:
        """The highest API edit id the marts contain (marts.qa_api_edits), cached like as_of.

        On Postgres the cached value may trail a new build by up to 10 s: edits it already holds are then
        shown from the edit log, which gives the same rows."""
        key = self._cache_key()
        if self._applied is not None and self._applied[0] == key:
            return self._applied[1]
        try:
            value = self.scalar(sa.text("select max(edit_id) from marts.qa_api_edits"))
        except sa.exc.DBAPIError:  # a warehouse built before edits existed
            value = None
        self._applied = (key, int(value or 0))
        return self._applied[1]

    def fetch_by_keys(self, table: sa.Table, key: str, values: list[Any]) -> list[dict[str, Any]]:
        """Rows by primary key, any number of them (in chunks)."""
        rows: list[dict[str, Any]] = []
        with self.connect() as connection:
            for start in range(0, len(values), 1000):
                chunk = values[start : start + 1000]
                result = connection.execute(sa.select(table).where(table.c[key].in_(chunk)))
                rows.extend(dict(row) for row in result.mappings())
        return rows

    KEYED_TABLE_MAX_ROWS = 2_000_000  # larger marts are read by key from a sorted, mapped copy (MappedKeyedTable)

    def fetch_by_key(self, table: sa.Table, key: str, value: Any) -> dict[str, Any] | None:
        """One row by its primary key: the hot path of the API. On DuckDB, from the table held in
        memory (or, above KEYED_TABLE_MAX_ROWS, its sorted copy mapped from disk) for as long as the
        file it comes from is live (a new file loads it anew), with SQL until it is loaded."""
        if self.settings.warehouse_engine != "duckdb":
            return postgres_reads.read(
                self._postgres_engine(), lambda connection: self._select_by_key(connection, table, key, value)
            )
        generation = self._acquire_duckdb()
        try:
            keyed = self._keyed_table(generation, table, key)
            if keyed is not None:
                return keyed.get(value)
            with generation.engine.connect() as connection:  # this generation's, not a newer one
                return self._select_by_key(connection, table, key, value)
        finally:
            self._release(generation)

    def _keyed_table(self, generation: _Generation, table: sa.Table, key: str) -> KeyedTable | MappedKeyedTable | None:
        """The table held in memory (or mapped), or None while it loads (in a thread, so the event loop
        never waits for it) or if it could not be loaded; the caller then reads with SQL."""
        name = f"{table.schema}.{table.name}"
        keyed = generation.keyed.get(name)
        if keyed is not None or name in generation.keyed:
            return keyed
        with self._changed:
            if name in generation.loading:
                return None
            generation.loading.add(name)
            generation.active += 1  # the file stays open while the thread reads it
        threading.Thread(target=self._load_keyed, args=(generation, table, key, name), daemon=True).start()
        return None

    def _load_keyed(self, generation: _Generation, table: sa.Table, key: str, name: str) -> None:
        cursor = generation.connection.cursor()
        try:
            relation = f'"{table.schema}"."{table.name}"'
            rows = cursor.execute(f"select count(*) from {relation}").fetchone()[0]  # noqa: S608 - a model's table
            if rows <= self.KEYED_TABLE_MAX_ROWS:
                generation.keyed[name] = KeyedTable(cursor, table, key)
            else:
                folder = cache_folder(self.settings.duckdb_path, generation.identity, self._key_cache_root())
                generation.keyed[name] = MappedKeyedTable.build(cursor, table.schema, table.name, key, folder)
        except Exception:  # reads by key keep working with SQL
            logger.exception("could not hold %s in memory", name)
            generation.keyed[name] = None
        finally:
            cursor.close()
            self._release(generation)

    def wait_for_keyed_tables(self, timeout: float = 30.0) -> None:
        """Wait until the tables being loaded into memory are loaded (for tests)."""
        deadline = time.monotonic() + timeout
        generation = self._generation
        while generation is not None and set(generation.loading) - set(generation.keyed):
            if time.monotonic() > deadline:
                raise TimeoutError("tables still loading")
            time.sleep(0.01)

    @staticmethod
    def _select_by_key(connection: sa.Connection, table: sa.Table, key: str, value: Any) -> dict[str, Any] | None:
        """Through the driver directly: duckdb_engine turns off SQLAlchemy's statement cache, so a Core
        select is recompiled on every call, which costs more than the lookup itself. Names come from the
        model, the value is bound."""
        driver = connection.connection.driver_connection
        placeholder = "?" if connection.dialect.name == "duckdb" else "%s"
        sql = f'select * from "{table.schema}"."{table.name}" where "{key}" = {placeholder}'  # noqa: S608 - see docstring
        cursor = driver.execute(sql, [value])
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([column[0] for column in cursor.description], row, strict=True))

    def select_rows(self, statement: sa.Select[Any]) -> list[dict[str, Any]]:
        """The rows of a Core select, as dicts.

        On DuckDB the statement is compiled by SQLAlchemy (names from the model, values bound) and run
        on a pooled cursor directly: duckdb_engine wraps every statement in a transaction it then rolls
        back, and converts rows it has no types to convert, which cost a third of a filtered page."""
        if self.settings.warehouse_engine != "duckdb":
            return postgres_reads.read(
                self._postgres_engine(),
                lambda connection: [dict(row) for row in connection.execute(statement).mappings()],
            )
        generation = self._acquire_duckdb()
        try:
            sql, parameters = compile_positional(statement, generation.engine.dialect)
            pooled = generation.engine.raw_connection()
            try:
                cursor = pooled.driver_connection.execute(sql, parameters)
                names = [column[0] for column in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            finally:
                pooled.close()
        finally:
            self._release(generation)

    def scalar(self, statement: Any) -> Any:
        if self.settings.warehouse_engine != "duckdb":
            return postgres_reads.read(
                self._postgres_engine(), lambda connection: connection.execute(statement).scalar()
            )
        with self.connect() as connection:
            return connection.execute(statement).scalar()
