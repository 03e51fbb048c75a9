"""Request size limits before any work: MAX_URL_LENGTH for the request target (414), and
MAX_CONTENT_LENGTH for bodies sent without a Content-Length (chunked transfer coding).

Werkzeug answers 413 when a declared Content-Length is over MAX_CONTENT_LENGTH, but a
chunked body is only cut off at the limit: the first MiB of a longer query or proposal is
read as if it were all of it (found by tests/test_hostile.py). This middleware reads such a
body up to the limit plus one byte: over it, 413 before any work; within it, the body is
handed on with its Content-Length, so every later reader sees exactly what was sent."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from rolegraph.web.problems import REQUEST_TOO_LARGE, ProblemError, to_response

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ChunkedBodyLimit:
    def __init__(self, app: WsgiApp, limit: int, url_limit: int) -> None:
        self.app, self.limit, self.url_limit = app, limit, url_limit

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
        if target > self.url_limit:
            result: Iterable[bytes] = to_response(ProblemError(
                414, "URI Too Long", f"the request target is over {self.url_limit} bytes; "
                "send a long query by POST", REQUEST_TOO_LARGE))(environ, start_response)
            return result
        if (environ.get("CONTENT_LENGTH") or not environ.get("wsgi.input_terminated")
                or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower()):
            return self.app(environ, start_response)  # Werkzeug's own check applies
        stream = environ["wsgi.input"]
        body = bytearray()
        while len(body) <= self.limit:
            chunk = stream.read(min(64 * 1024, self.limit + 1 - len(body)))
            if not chunk:
                break
            body += chunk
        if len(body) > self.limit:
            response = to_response(ProblemError(
                413, "Content Too Large", f"the request body is over {self.limit} bytes",
                REQUEST_TOO_LARGE))
            response.headers["Connection"] = "close"  # the rest of the body is never read
            result = response(environ, start_response)
            return result
        environ["wsgi.input"] = io.BytesIO(bytes(body))
        environ["CONTENT_LENGTH"] = str(len(body))
        del environ["wsgi.input_terminated"]
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = ChunkedBodyLimit(  # type: ignore[method-assign]
        app.wsgi_app, int(app.config.get("MAX_CONTENT_LENGTH") or 2**62),
        int(app.config.get("MAX_URL_LENGTH") or 2**62))
