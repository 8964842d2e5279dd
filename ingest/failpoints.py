"""Crash points for testing crash safety: `ELT_CRASH_AT=<point>` kills the run with SIGKILL right there.

Points: `after_read` (files read, nothing written), `after_load` (raw loaded into the build, before dbt),
`during_dbt` (a few seconds into `dbt build`), `before_swap` (everything built, not yet live),
`after_swap` (live, before the run is logged). Unset in normal use: then `crash_point` does nothing.
"""

from __future__ import annotations

import os
import signal

POINTS = ("after_read", "after_load", "during_dbt", "before_swap", "after_swap")


def crash_point(name: str) -> None:
    if os.environ.get("ELT_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
