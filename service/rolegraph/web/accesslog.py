"""One JSON line per request on the `rolegraph.access` logger (stderr by default).

Written by the outermost WSGI layer, when the answer's status and headers are known: every
answer is logged alike, those that never reach Flask too (rate-limit refusals, 414s,
response-cache hits). Flask hooks and request proxies did the same for a tenth of an
uncached lookup's time (issue 15). Views add fields with `note` (a query's hash, a refusal's
kind); the response cache notes its hits."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

access_log = logging.getLogger("rolegraph.access")

NOTES = "rolegraph.notes"  # environ key: fields a layer below adds to the request's line

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def note(environ: dict[str, Any], **fields: object) -> None:
    """Add fields to this request's log line (e.g. query_hash, refusal, cache)."""
    environ.setdefault(NOTES, {}).update(fields)


class AccessLog:
    """WSGI middleware: logs each request once, at its first start_response."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        if not access_log.handlers:  # a host application may have configured it already
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            access_log.addHandler(handler)
            access_log.setLevel(logging.INFO)
            access_log.propagate = False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        logged = False

        def logging_start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            nonlocal logged
            if not logged:
                logged = True
                access_log.info(line(environ, status, headers, time.perf_counter() - started))
            return start_response(status, headers, *exc_info)

        return self.app(environ, logging_start)


def line(environ: dict[str, Any], status: str, headers: list[tuple[str, str]],
         seconds: float) -> str:
    size: int | None = None
    media_type = ""
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-length":
            size = int(value)
        elif lowered == "content-type":
            media_type = value.split(";", 1)[0]
    # PEP 3333: PATH_INFO holds the request's bytes as latin-1; clients send UTF-8.
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    entry = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"),
             "remote": environ.get("REMOTE_ADDR"), "method": environ.get("REQUEST_METHOD"),
             "path": path, "status": int(status[:3]), "bytes": size,
             "ms": round(seconds * 1000, 3), "type": media_type}
    entry.update(environ.get(NOTES, ()))
    return json.dumps(entry)
