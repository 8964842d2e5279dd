"""The ELT's child processes (the phase worker, dbt) die with it.

An orphan would go on writing into a build that the next run replaces or builds in, and the run lock, held
by the ELT process, no longer keeps that run out.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from pathlib import Path

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(watched: int | None = None) -> None:
    """In a child process: ask the kernel for SIGKILL when the parent ends (Linux's prctl PR_SET_PDEATHSIG;
    elsewhere a no-op). `watched`: the pid of the process this one works for, which must still be running
    once the request is in place (it catches a parent, or the ELT process behind a fork server, that
    ended before the request: the kernel would then never send the signal)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if watched is not None and not running(watched):
        os.kill(os.getpid(), signal.SIGKILL)


def running(pid: int) -> bool:
    """Whether the process runs (a zombie, ended and waiting to be reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state not in {"Z", "X"}
