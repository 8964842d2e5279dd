"""Several API workers starting at once on a new SQLite app database all create it without error
(api/core/app_db.py: the tables are made in one BEGIN IMMEDIATE transaction)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import sqlalchemy as sa

WORKERS = 3


def _start_worker(url: str, barrier) -> None:  # type: ignore[no-untyped-def]
    from api.core.app_db import app_engine

    barrier.wait()
    app_engine(url)


def test_workers_creating_a_new_sqlite_database_at_once_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    for attempt in range(5):  # the old code failed 59 of 90 such starts; one round rarely passes by luck
        url = f"sqlite:///{tmp_path / f'app_state_{attempt}.sqlite'}"
        barrier = context.Barrier(WORKERS)
        workers = [context.Process(target=_start_worker, args=(url, barrier)) for _ in range(WORKERS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert [worker.exitcode for worker in workers] == [0] * WORKERS, f"round {attempt}: a worker failed"
        engine = sa.create_engine(url)
        assert "mart_edits" in sa.inspect(engine).get_table_names()
        engine.dispose()
