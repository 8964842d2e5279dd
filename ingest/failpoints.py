"""Crash points for testing crash safety: `ELT_CRASH_AT=<point>` kills the run with SIGKILL right there.

Points: `after_read` (files read, nothing written), `during_load` (the phase worker about to load raw into
the build: it kills the ELT process, and the kernel the worker with it; ingest/phase_worker.py),
`after_load` (raw loaded into the build, before dbt), `during_dbt` (a few seconds into `dbt build`),
`before_swap` (everything built, not yet live), `after_swap` (live, before the run is logged). Unset in
normal use: then `crash_point` does nothing.
"""

from __future__ import annotations

import os
import signal

POINTS = ("after_read", "during_load", "after_load", "during_dbt", "before_swap", "after_swap")


def crash_point(name: str, process: int | None = None) -> None:
    """Kill `process` (default: this one) with SIGKILL when ELT_CRASH_AT names this point."""
    if os.environ.get("ELT_CRASH_AT") == name:
        os.kill(process or os.getpid(), signal.SIGKILL)
