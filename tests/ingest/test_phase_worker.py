"""The phase worker (ingest/phase_worker.py): reading and loading run in one child process, which dies with
the ELT process, sees the ELT process's environment as it is when the run starts, and is gone (with its fork
server, unless kept) before dbt starts; the ELT process itself never imports dlt or pandas."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from ingest.parent_death import running
from ingest.phase_worker import phase_worker
from ingest.warehouse import PROJECT_ROOT
from tests.conftest import SAMPLE_DIR


def test_phases_run_in_one_child_process() -> None:
    with phase_worker() as worker:
        first, second = worker.run(os.getpid), worker.run(os.getpid)
    assert first == second != os.getpid()


def test_a_worker_sees_the_environment_as_the_run_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fork server (kept between runs in the test process) started with an older environment: a
    worker still reads the variables set since, and not those removed."""
    with phase_worker() as worker:
        worker.run(os.getpid)  # the server is running
    monkeypatch.setenv("ELT_PHASE_WORKER_PROBE", "set after the server started")
    monkeypatch.delenv("ELT_CRASH_AT", raising=False)
    with phase_worker() as worker:
        probe, crash_at = worker.run(os.getenv, "ELT_PHASE_WORKER_PROBE"), worker.run(os.getenv, "ELT_CRASH_AT")
    assert (probe, crash_at) == ("set after the server started", None)


def _python(script: str, timeout: float = 60) -> str:
    """The standard output of `script` run in a new interpreter (a one-run process) at the project root."""
    process = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )
    return process.stdout + process.stderr


def test_a_one_run_process_holds_no_worker_or_fork_server_while_dbt_runs() -> None:
    """By default the fork server stops with the worker (before dbt), so the ELT's process tree holds only
    the ELT process while dbt runs."""
    script = (
        "import os, multiprocessing.forkserver\n"
        "from ingest.phase_worker import phase_worker\n"
        "with phase_worker() as worker:\n"
        "    pid = worker.run(os.getpid)\n"
        "    server = multiprocessing.forkserver._forkserver._forkserver_pid\n"
        "    print(pid, server, flush=True)\n"
        "children = open(f'/proc/{os.getpid()}/task/{os.getpid()}/children').read().split()\n"
        "commands = [open(f'/proc/{child}/cmdline').read().replace(chr(0), ' ') for child in children]\n"
        "print('after', multiprocessing.forkserver._forkserver._forkserver_pid, commands)\n"
    )
    output = _python(script)
    first, after = output.splitlines()[-2:]
    worker, server = (int(pid) for pid in first.split())
    assert server not in (None, os.getpid()) and worker != server
    assert not running(worker) and not running(server)
    # Only multiprocessing's resource tracker (a few MB) may be left beside it.
    assert after.startswith("after None"), output
    assert after.count("multiprocessing") == after.count("resource_tracker"), after


def test_a_worker_that_dies_fails_the_phase() -> None:
    """Killed or out of memory: the phase raises, the run fails like any other."""
    with phase_worker() as worker, pytest.raises(BrokenProcessPool):
        worker.run(os._exit, 9)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("keep_server", [False, True], ids=["one-run", "server-kept"])
def test_the_worker_and_its_fork_server_die_with_the_elt_process(keep_server: bool) -> None:
    """An orphan still loading would write into the build warehouse beside the next run."""
    script = (
        "import os, signal, time, multiprocessing.forkserver\n"
        "from ingest.phase_worker import PhaseWorker, keep_server_between_runs\n"
        f"keep_server_between_runs({keep_server})\n"
        "worker = PhaseWorker()\n"
        "print(worker.run(os.getpid), multiprocessing.forkserver._forkserver._forkserver_pid, flush=True)\n"
        "worker._pool.submit(time.sleep, 120)\n"
        "time.sleep(0.5)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    worker, server = (int(pid) for pid in _python(script).split()[:2])
    deadline = time.monotonic() + 10
    while (running(worker) or running(server)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(worker), f"the worker {worker} outlived the ELT process"
    assert not running(server), f"the fork server {server} outlived the ELT process"


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
    output = _python(script, timeout=300)
    assert "exit 0 dlt False pandas False" in output.splitlines(), output
    assert "loaded" in output
