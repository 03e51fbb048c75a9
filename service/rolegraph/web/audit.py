"""An opt-in record of what a server process opens and connects to, for the security tests.

With ROLEGRAPH_AUDIT_LOG=FILE, `rolegraph serve` installs a Python audit hook (PEP 578)
before it forks: the master, every worker and every query child then append one line per
`open`, `socket.connect`, `socket.getaddrinfo`, `urllib.Request` and `subprocess.Popen`
event to FILE. The tests send hostile requests and check that FILE never names their
canary file or listener. Code outside Python (Oxigraph's Rust) is not seen by the hook: the
tests back it with the canary's access time and a listening socket, and the query child
runs in an empty network namespace. Off by default; costs nothing then."""

from __future__ import annotations

import os
import sys
from typing import Any

from rolegraph import config

AUDIT_LOG = config.AUDIT_LOG_ENV
EVENTS = frozenset({"open", "socket.connect", "socket.getaddrinfo", "urllib.Request",
                    "subprocess.Popen", "os.system"})


def install_from_env() -> bool:
    """Install the hook if ROLEGRAPH_AUDIT_LOG names a file; True if it did."""
    target = os.environ.get(AUDIT_LOG)
    if not target:
        return False
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    busy = False

    def hook(event: str, args: tuple[Any, ...]) -> None:
        nonlocal busy
        if event not in EVENTS or busy:
            return
        busy = True
        try:
            detail = " ".join(repr(a)[:300] for a in args[:2])
            os.write(fd, f"{os.getpid()} {event} {detail}\n".encode(errors="replace")[:4000])
        finally:
            busy = False

    sys.addaudithook(hook)
    return True
