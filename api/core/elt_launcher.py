"""Start the ELT from the API: one run at a time across all workers, in a background process.

A run is `python -m ingest.elt --run-id <id>` with the API's warehouse settings. An exclusive `flock`
on a lock file is taken before starting and handed to the child process, so the lock lives exactly as
long as the run, whichever worker started it, and survives an API restart. Each run leaves a JSON
description and its log in the state folder; the ELT itself records its outcome in `ops.elt_runs`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

from api.core.config import PROJECT_ROOT, Settings
from api.core.errors import APIError
from ingest.parent_death import running

LOG_TAIL_LINES = 40


class EltLauncher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state_dir = settings.elt_state_dir or settings.duckdb_path.parent / ".elt-runs"

    @property
    def _lock_path(self) -> Path:
        return self.state_dir / "elt.lock"

    @staticmethod
    def process_alive(started: dict[str, Any]) -> bool:
        """Whether the run's process still runs (runs started on this host; reaped when they end)."""
        pid = started.get("pid")
        return isinstance(pid, int) and running(pid)

    def start(self, requested_by: str) -> dict[str, Any]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise APIError(409, "elt_running", "an ELT run is already in progress", hint="GET /elt/runs") from None
        run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-api-" + uuid.uuid4().hex[:6]
        log_path = self.state_dir / f"{run_id}.log"
        try:
            with log_path.open("wb") as log:
                process = subprocess.Popen(  # noqa: S603 - this interpreter and a run id made here, no shell
                    [sys.executable, "-m", "ingest.elt", "--run-id", run_id],
                    cwd=PROJECT_ROOT,
                    env={**os.environ, **self._target_env()},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    pass_fds=(fd,),  # the child holds the lock until it exits
                    start_new_session=True,
                )
        finally:
            os.close(fd)
        threading.Thread(target=process.wait, daemon=True).start()  # reap it when it ends
        info = {
            "run_id": run_id,
            "requested_by": requested_by,
            "started_at": dt.datetime.now(dt.UTC).isoformat(),
            "pid": process.pid,
        }
        (self.state_dir / f"{run_id}.json").write_text(json.dumps(info))
        return info

    def _target_env(self) -> dict[str, str]:
        env = {"ELT_TARGET": self.settings.elt_target, "DUCKDB_PATH": str(self.settings.duckdb_path)}
        if self.settings.database_url:
            env["DATABASE_URL"] = self.settings.database_url
        return env

    def started_runs(self) -> list[dict[str, Any]]:
        if not self.state_dir.exists():
            return []
        runs = [json.loads(path.read_text()) for path in self.state_dir.glob("*.json")]
        return sorted(runs, key=lambda run: run["started_at"], reverse=True)

    def started_run(self, run_id: str) -> dict[str, Any] | None:
        path = self.state_dir / f"{Path(run_id).name}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def log_tail(self, run_id: str) -> list[str]:
        path = self.state_dir / f"{Path(run_id).name}.log"
        if not path.exists():
            return []
        lines = path.read_text(errors="replace").splitlines()
        return lines[-LOG_TAIL_LINES:]
