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


def run_dbt(target: Target, *args: str, extra_env: dict[str, str] | None = None) -> int:
    """`dbt <args>` on the target, with the catalog in force written for dbt first; returns the exit code.
    `extra_env`: more environment for dbt (e.g. an incremental build's changed tables)."""
    env = dbt_environment(target, extra_env)
    command = [
        sys.executable,
        "-m",
        "ingest.dbt_cli",  # dbt itself, keeping its partial parse across warehouse files
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
    process = subprocess.Popen(command, env=env, preexec_fn=die_with_parent)  # noqa: S603 - dbt with an argv built here
    if os.environ.get("ELT_CRASH_AT") == "during_dbt":
        try:
            process.wait(timeout=float(os.environ.get("ELT_CRASH_AFTER_SECONDS") or 5))
        except subprocess.TimeoutExpired:
            crash_point("during_dbt")
    code = process.wait()
    parse_cache.keep()
    return code


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
