"""The process groups the tests start (servers, stores), stopped however a run ends.

Each is started in a session of its own (so that stopping it stops its workers and query
children too), which also puts it out of reach of a signal sent to the test run's group:
`timeout` or a closed terminal sends SIGTERM or SIGHUP, which by default end Python without
its exit handlers, and the servers and stores would keep running (holding ports and CPU,
and skewing any benchmark after). Here they are stopped at exit and on those signals.
SIGKILL cannot be caught."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
from contextlib import suppress
from types import FrameType
from typing import Any

RUNNING: set[int] = set()  # process group ids started and not yet stopped by their test


def started(process: subprocess.Popen[Any]) -> subprocess.Popen[Any]:
    """`process`, started with start_new_session=True, to be stopped if its test is not."""
    RUNNING.add(process.pid)
    return process


def stopped(process: subprocess.Popen[Any]) -> None:
    """Its test stopped it: forget its group, whose id may be reused."""
    RUNNING.discard(process.pid)


def stop_running() -> None:
    for group in list(RUNNING):
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        RUNNING.discard(group)


def on_signal(signum: int, _frame: FrameType | None) -> None:
    stop_running()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)  # end as the signal would have ended the run


def install() -> None:
    atexit.register(stop_running)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) == signal.SIG_DFL:
            signal.signal(signum, on_signal)
