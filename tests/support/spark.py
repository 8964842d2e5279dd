"""The sample built on Spark in local mode, in a background process started as soon as the session knows a
test needs it: the build takes minutes of mostly one core, and the rest of the suite runs beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ingest.warehouse import PROJECT_ROOT, Target

# Both sample builds compared in tests/spark run under this id, so their load_id columns agree too.
SAMPLE_RUN_ID = "20260101T000000Z-sample"
BUILD_TIMEOUT_SECONDS = 20 * 60


def java_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    return None if shutil.which("java") else "Spark needs a Java runtime (java not on PATH): Spark tests skipped"


@dataclass
class BackgroundBuild:
    """`python -m ingest.elt` with ELT_TARGET=spark on a folder, in its own process, lake and dbt artifacts."""

    data_dir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="spark-sample-")))
    process: subprocess.Popen | None = None

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
    def target(self) -> Target:
        return Target(name="spark", duckdb_path=self.lake / "warehouse.duckdb", lake_path=self.lake)

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DUCKDB_PATH", "PG"))}
        env.pop("DATABASE_URL", None)
        env.pop("APP_DATABASE_URL", None)
        return {
            **env,
            "ELT_TARGET": "spark",
            "LAKE_PATH": str(self.lake),
            "DBT_TARGET_PATH": str(self.dbt_target_path),
            "DBT_LOG_PATH": str(self.root / "dbt-logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def start(self) -> None:
        if self.process is not None:
            return
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ingest.elt", "--data-dir", str(self.data_dir), "--run-id", SAMPLE_RUN_ID],
                cwd=PROJECT_ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self) -> int:
        self.start()
        assert self.process is not None
        return self.process.wait(timeout=BUILD_TIMEOUT_SECONDS)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def cleanup(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
