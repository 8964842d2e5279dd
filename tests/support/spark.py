"""The sample built on Spark in local mode, in a background process started as soon as the session knows a
test needs it: the build takes minutes of mostly one core, and the rest of the suite runs beside it.

One build serves every pytest-xdist worker: the folder comes from SPARK_SAMPLE_DIR (set once by the
controlling process, inherited by the workers), the first worker to need it starts it (under a file lock),
and every worker waits for the exit code it leaves in the folder.

    python -m tests.support.spark FOLDER DATA_DIR     # what runs in the background: the ELT, then its exit code
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.warehouse import PROJECT_ROOT, Target

# Both sample builds compared in tests/spark run under this id, so their load_id columns agree too.
SAMPLE_RUN_ID = "20260101T000000Z-sample"
BUILD_TIMEOUT_SECONDS = 20 * 60
FOLDER_VARIABLE = "SPARK_SAMPLE_DIR"


def java_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    return None if shutil.which("java") else "Spark needs a Java runtime (java not on PATH): Spark tests skipped"


@dataclass(frozen=True)
class BackgroundBuild:
    """`python -m ingest.elt` with ELT_TARGET=spark on `data_dir`, with its own lake and dbt artifacts in `root`."""

    root: Path
    data_dir: Path

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def dbt_target_path(self) -> Path:
        return self.root / "dbt-target"

    @property
    def log(self) -> Path:
        return self.root / "elt.log"

    @property
    def exit_code_file(self) -> Path:
        return self.root / "exit-code"

    @property
    def target(self) -> Target:
        return Target(name="spark", duckdb_path=self.lake / "warehouse.duckdb", lake_path=self.lake)

    def env(self) -> dict[str, str]:
        drop = ("DUCKDB_PATH", "DATABASE_URL", "ELT_DATABASE_URL", "APP_DATABASE_URL", "LAKE_PATH")
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG") and key not in drop}
        return {
            **env,
            "ELT_TARGET": "spark",
            "LAKE_PATH": str(self.lake),
            "DBT_TARGET_PATH": str(self.dbt_target_path),
            "DBT_LOG_PATH": str(self.root / "dbt-logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def start(self) -> None:
        """Start the build unless a process of this session already did."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "start.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            started = self.root / "started"
            if started.exists():
                return
            started.write_text(str(os.getpid()))
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.spark", str(self.root), str(self.data_dir)],
                cwd=PROJECT_ROOT,
                env=self.env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            (self.root / "pid").write_text(str(process.pid))

    def stop(self) -> None:
        """Kill a build still running (its own process group: the ELT, dbt and Spark's JVM)."""
        pid = self.root / "pid"
        if pid.exists() and not self.exit_code_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.killpg(int(pid.read_text()), signal.SIGKILL)

    def wait(self) -> int:
        self.start()
        deadline = time.monotonic() + BUILD_TIMEOUT_SECONDS
        while not self.exit_code_file.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the Spark build of the sample did not finish in {BUILD_TIMEOUT_SECONDS} s")
            time.sleep(1)
        return int(self.exit_code_file.read_text())

    def log_tail(self, lines: int = 60) -> str:
        """The log's first error (where a cascade of failures began) and its last lines."""
        text = self.log.read_text(errors="replace").splitlines()
        first = next((i for i, line in enumerate(text) if "Error" in line or "Exception" in line), None)
        head = [*text[first : first + 30], "[...]"] if first is not None and first < len(text) - lines else []
        return "\n".join(head + text[-lines:])


def _run(root: Path, data_dir: Path) -> int:
    """The background process: the ELT, its output in the log, then its exit code in a file (written last,
    under a temporary name first, so a reader never sees half of it)."""
    with (root / "elt.log").open("wb") as log:
        code = subprocess.call(
            [sys.executable, "-m", "ingest.elt", "--data-dir", str(data_dir), "--run-id", SAMPLE_RUN_ID],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    (root / "exit-code.partial").write_text(str(code))
    os.replace(root / "exit-code.partial", root / "exit-code")
    return code


if __name__ == "__main__":
    sys.exit(_run(Path(sys.argv[1]), Path(sys.argv[2])))
