"""The phase worker (ingest/phase_worker.py): reading and loading run in one child process, which dies with
the ELT process, and the ELT process itself never imports dlt or pandas."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from ingest.phase_worker import phase_worker
from ingest.warehouse import PROJECT_ROOT
from tests.conftest import SAMPLE_DIR


def test_phases_run_in_one_child_process() -> None:
    with phase_worker() as worker:
        first, second = worker.run(os.getpid), worker.run(os.getpid)
    assert first == second != os.getpid()


def test_a_worker_that_dies_fails_the_phase() -> None:
    """Killed or out of memory: the phase raises, the run fails like any other."""
    with phase_worker() as worker, pytest.raises(BrokenProcessPool):
        worker.run(os._exit, 9)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in {"Z", "X"}  # exited; a zombie waits for whoever adopted it to reap it


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_worker_dies_with_the_elt_process() -> None:
    """An orphan still loading would write into the build warehouse beside the next run."""
    script = (
        "import os, signal, time\n"
        "from ingest.phase_worker import PhaseWorker\n"
        "worker = PhaseWorker()\n"
        "print(worker.run(os.getpid), flush=True)\n"
        "worker._pool.submit(time.sleep, 120)\n"
        "time.sleep(0.5)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    worker = int(process.stdout.split()[0])
    deadline = time.monotonic() + 10
    while not _gone(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(worker), f"the worker {worker} outlived the ELT process"


def test_the_elt_process_never_imports_dlt_or_pandas(tmp_path: Path) -> None:
    """They stay in the worker, so the ELT process holds little while dbt runs (raw-only run of the sample)."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ingest.elt import run\n"
        "from tests.conftest import duckdb_target\n"
        f"code = run(Path({str(SAMPLE_DIR)!r}), duckdb_target(Path({str(tmp_path / 'w.duckdb')!r})), "
        "build_models=False)\n"
        "print('exit', code, 'dlt', 'dlt' in sys.modules, 'pandas', 'pandas' in sys.modules)\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert process.stdout.splitlines()[-1] == "exit 0 dlt False pandas False", process.stdout + process.stderr
    assert "loaded" in process.stdout
