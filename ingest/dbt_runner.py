"""Run dbt against a target, in a subprocess so that every database handle is closed when it returns."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ingest.catalog import catalog
from ingest.dbt_catalog import write_dbt_catalog
from ingest.failpoints import crash_point
from ingest.parent_death import die_with_parent
from ingest.warehouse import PROJECT_ROOT, Target

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_ROOT / "seeds"
_FINGERPRINTED = (DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "tests", SEEDS_DIR)
DBT_COMMAND = (sys.executable, "-m", "ingest.dbt_cli")  # dbt itself, keeping its partial parse across warehouse files
AWAIT_COMMAND = "--await-command"  # ingest.dbt_cli's own option (it does not import this module: dbt starts light)


def run_dbt(target: Target, *args: str, extra_env: dict[str, str] | None = None, warm: WarmDbt | None = None) -> int:
    """`dbt <args>` on the target, with the catalog in force written for dbt first; returns the exit code.
    `extra_env`: more environment for dbt (e.g. an incremental build's changed tables). `warm`: a dbt
    process already started (and its imports done) to run the command in, when it is still waiting."""
    env = dbt_environment(target, extra_env)
    argv = [
        *args,
        *dbt_vars(),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--target",
        target.dbt_target,
    ]
    parse_cache = ParseCache.for_run(target, env)
    parse_cache.restore()
    process = warm.take(argv, env) if warm is not None else None
    if process is None:
        process = subprocess.Popen([*DBT_COMMAND, *argv], env=env, preexec_fn=die_with_parent)  # noqa: S603 - dbt with an argv built here
    if os.environ.get("ELT_CRASH_AT") == "during_dbt":
        try:
            process.wait(timeout=float(os.environ.get("ELT_CRASH_AFTER_SECONDS") or 5))
        except subprocess.TimeoutExpired:
            crash_point("during_dbt")
    code = process.wait()
    parse_cache.keep()
    return code


class WarmDbt:
    """A dbt process started before its command is known, so that its imports (~1.5 s, most of dbt's
    start-up) overlap the reading and loading of the files: `python -m ingest.dbt_cli --await-command`,
    which waits for its command on stdin. `start` launches it, `take` hands it the command (once), and
    leaving the `with` block ends it if it was not used. A holder never started is simply not used."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WarmDbt:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if self._process is None:
            self._process = subprocess.Popen(  # noqa: S603 - our own module
                [*DBT_COMMAND, AWAIT_COMMAND], stdin=subprocess.PIPE, preexec_fn=die_with_parent
            )

    def take(self, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes] | None:
        """The process, now running `dbt <argv>` in `env`; None if none waits (the caller starts dbt anew)."""
        process, self._process = self._process, None
        if process is None or process.stdin is None or process.poll() is not None:
            return None
        try:
            process.stdin.write((json.dumps({"argv": argv, "env": env}) + "\n").encode())
            process.stdin.close()
        except OSError:  # it died meanwhile
            process.kill()
            process.wait()
            return None
        return process

    def close(self) -> None:
        """End the process if it was not used: it exits at the end of its stdin."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


PARTIAL_PARSE_FILE = "partial_parse.msgpack"


@dataclass(frozen=True)
class ParseCache:
    """dbt's partial-parse file, kept per configuration that parsing sees.

    dbt keeps one partial-parse file in its target folder and parses the whole project again (~12 s here)
    whenever the target, the vars, the profile's connection or the environment variables its project
    files read differ from the last parse's: a run on Postgres after one on DuckDB, or one with
    ELT_LATEST_VALID_DATE after one without. So the file each configuration leaves is kept beside it
    (`<target folder>/parse-cache/<key>.msgpack`) and put back before the next run of that configuration.
    dbt still checks the file itself and parses whole when it does not match, so a stale or foreign file
    only costs the parse it would have cost anyway."""

    live: Path
    cached: Path

    @classmethod
    def for_run(cls, target: Target, env: dict[str, str]) -> ParseCache:
        folder = Path(env.get("DBT_TARGET_PATH") or "target")
        folder = folder if folder.is_absolute() else DBT_PROJECT_DIR / folder
        seen = {name: value for name, value in target.dbt_env().items() if name != "DUCKDB_PATH"}
        seen |= {
            "target": target.dbt_target,
            "vars": json.dumps(setting_vars(), sort_keys=True),
            "catalog": env.get("DBT_CATALOG_DIR", ""),
            "duckdb_file": target.duckdb_path.stem if target.duckdb_path else "",  # its database name
        }
        key = hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()[:24]
        return cls(live=folder / PARTIAL_PARSE_FILE, cached=folder / "parse-cache" / f"{key}.msgpack")

    def restore(self) -> None:
        """Put this configuration's file in dbt's place (nothing to do without one)."""
        if self.cached.exists():
            _copy_atomically(self.cached, self.live)

    def keep(self) -> None:
        """Keep the file dbt left, for the next run of this configuration."""
        if self.live.exists():
            _copy_atomically(self.live, self.cached)


def _copy_atomically(source: Path, destination: Path) -> None:
    """Copy through a temporary name in the destination's folder: readers see the old file or the new one."""
    with contextlib.suppress(OSError):  # a cache: failing to keep or restore only costs a full parse
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
        shutil.copyfile(source, temporary)
        os.replace(temporary, destination)


def dbt_environment(target: Target, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment dbt runs in: this process's, pointed at the target, with the catalog in force
    written for dbt first."""
    return {
        **os.environ,
        **target.dbt_env(),
        **(extra_env or {}),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_CATALOG_DIR": write_dbt_catalog(catalog()),
    }


def dbt_vars() -> list[str]:
    """`--vars` for dbt from the environment: ELT_LATEST_VALID_DATE (YYYY-MM-DD) moves the last plausible
    date of the data from the load date (for data dated ahead, such as the benchmark's time-extended
    copies). Raises ValueError on a malformed date."""
    values = setting_vars()
    return ["--vars", json.dumps(values)] if values else []


def setting_vars() -> dict[str, str]:
    """The dbt vars the environment sets (they change what a build makes: part of its fingerprint)."""
    latest = os.environ.get("ELT_LATEST_VALID_DATE", "").strip()
    if not latest:
        return {}
    try:
        dt.date.fromisoformat(latest)
    except ValueError:
        raise ValueError(f"ELT_LATEST_VALID_DATE must be a date as YYYY-MM-DD, got {latest!r}") from None
    return {"latest_valid_date": latest}


def project_fingerprint() -> str:
    """A hash of everything dbt builds from besides raw data: models, macros, tests, seeds, config, catalog."""
    digest = hashlib.sha256()
    files = [DBT_PROJECT_DIR / "dbt_project.yml", PROJECT_ROOT / "profiles.yml", catalog().path]
    for folder in _FINGERPRINTED:
        files.extend(sorted(p for p in folder.rglob("*") if p.is_file() and "generated" not in p.parts))
    for path in files:
        if path.exists():
            shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path.name
            digest.update(str(shown).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
