"""The ELT's child processes (the phase worker, dbt) die with it.

An orphan would go on writing into a build that the next run replaces or builds in, and the run lock, held
by the ELT process, no longer keeps that run out.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int | None = None) -> None:
    """In a child process: ask the kernel for SIGKILL when the parent ends (Linux's prctl PR_SET_PDEATHSIG;
    elsewhere a no-op). `parent`, the parent's pid, catches a parent that ended before the request."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
