"""Run dbt against a target, in a subprocess so that every database handle is closed when it returns."""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys

from ingest.catalog import catalog
from ingest.dbt_catalog import write_dbt_catalog
from ingest.failpoints import crash_point
from ingest.warehouse import PROJECT_ROOT, Target

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_ROOT / "seeds"
_FINGERPRINTED = (DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "tests", SEEDS_DIR)


def run_dbt(target: Target, *args: str, extra_env: dict[str, str] | None = None) -> int:
    """`dbt <args>` on the target, with the catalog in force written for dbt first; returns the exit code.
    `extra_env`: more environment for dbt (e.g. an incremental build's changed tables)."""
    env = {
        **os.environ,
        **target.dbt_env(),
        **(extra_env or {}),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_CATALOG_DIR": write_dbt_catalog(catalog()),
    }
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
    process = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent)  # noqa: S603 - dbt with an argv built here
    if os.environ.get("ELT_CRASH_AT") == "during_dbt":
        try:
            process.wait(timeout=float(os.environ.get("ELT_CRASH_AFTER_SECONDS") or 5))
        except subprocess.TimeoutExpired:
            crash_point("during_dbt")
    return process.wait()


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


def _die_with_parent() -> None:
    """In the dbt child: get SIGKILL when the ELT process dies, so no orphan dbt writes to a build that the
    next run is about to replace (Linux prctl PR_SET_PDEATHSIG; elsewhere a no-op)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


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
