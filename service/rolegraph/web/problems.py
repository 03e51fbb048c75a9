"""Errors as RFC 9457 `application/problem+json` for programs and as an HTML page for
browsers (negotiated like every other answer), from this one module.

Each problem type is a constant: a URI under PROBLEMS naming what went wrong, so clients can
branch on `type` rather than on the wording of `detail`."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, has_request_context, render_template, request
from werkzeug.exceptions import HTTPException

PROBLEMS = "https://w3id.org/rolegraph/problems/"
MALFORMED_QUERY = PROBLEMS + "malformed-query"        # SPARQL 1.1 Query §19 grammar
UPDATE_REFUSED = PROBLEMS + "update-refused"          # the endpoint is read-only
SERVICE_REFUSED = PROBLEMS + "service-refused"        # SPARQL 1.1 Federated Query: no SERVICE
DATASET_REFUSED = PROBLEMS + "dataset-refused"        # FROM / *-graph-uri outside the dataset
PROTOCOL_ERROR = PROBLEMS + "protocol-error"          # SPARQL 1.1 Protocol §2.1 request shape
NOT_ACCEPTABLE = PROBLEMS + "not-acceptable"          # no result format the client accepts
QUERY_TIMEOUT = PROBLEMS + "query-timeout"            # past the per-query time limit
RESULT_TOO_LARGE = PROBLEMS + "result-too-large"      # past the row or byte cap
REQUEST_TOO_LARGE = PROBLEMS + "request-too-large"    # body or URL over the size limit
ENGINE_FAILURE = PROBLEMS + "engine-failure"          # our fault: the query process died
STORE_UNAVAILABLE = PROBLEMS + "store-unavailable"    # the remote SPARQL store did not answer
NOT_FOUND = PROBLEMS + "not-found"                    # a name or path this service does not know
BAD_PARAMETER = PROBLEMS + "bad-parameter"            # a query parameter unknown or malformed
BAD_SEARCH = PROBLEMS + "bad-search"                  # a search the index cannot run
INVALID_PROPOSAL = PROBLEMS + "invalid-proposal"      # a proposal that fails its checks
RATE_LIMITED = PROBLEMS + "rate-limited"              # over one client's request rate
NO_SNAPSHOT = PROBLEMS + "no-snapshot"                # pages need the built snapshot (or store)
CHECK_TIMEOUT = PROBLEMS + "check-timeout"            # a proposal check past VALIDATE_TIMEOUT
RENDER_TIMEOUT = PROBLEMS + "render-timeout"          # a drawing or document past RENDER_TIMEOUT

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("rolegraph.problems")


@dataclass
class ProblemError(Exception):
    """An HTTP error with a problem type; `extra` adds members (e.g. line, column)."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"


# The problems answered from many places, by name: one status, title and type for each.

def not_found(detail: str, **extra: Any) -> ProblemError:
    return ProblemError(404, "Not Found", detail, NOT_FOUND, extra)


def bad_request(detail: str, kind: str = "about:blank") -> ProblemError:
    return ProblemError(400, "Bad Request", detail, kind)


def bad_parameter(detail: str) -> ProblemError:
    return ProblemError(400, "Bad parameter", detail, BAD_PARAMETER)


def not_acceptable(detail: str) -> ProblemError:
    return ProblemError(406, "Not Acceptable", detail, NOT_ACCEPTABLE)


def unsupported_media_type(detail: str, kind: str = "about:blank") -> ProblemError:
    return ProblemError(415, "Unsupported Media Type", detail, kind)


def to_response(problem: ProblemError) -> Response:
    if wants_html():
        body = render_template("error.html", problem=problem, title=problem.title,
                               version="")
        response = Response(body, status=problem.status, mimetype="text/html")
    else:
        document = {"type": problem.type, "title": problem.title, "status": problem.status,
                    "detail": problem.detail, **problem.extra}
        response = Response(json.dumps(document), status=problem.status, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept"
    return response


def wants_html() -> bool:
    """A browser's Accept (text/html first) gets a page; any program, and no Accept at all,
    gets problem+json."""
    if not has_request_context() or not request.accept_mimetypes:
        return False
    best = request.accept_mimetypes.best_match([MEDIA_TYPE, "application/json", "text/html"])
    return best == "text/html"


def from_http_exception(error: HTTPException) -> Response:
    kind = REQUEST_TOO_LARGE if error.code in (413, 414) else "about:blank"
    problem = ProblemError(error.code or 500, error.name, error.description or "", kind)
    response = to_response(problem)
    if error.code == 405 and (allowed := error.get_response().headers.get("Allow")):
        response.headers["Allow"] = allowed
    return response


def from_unexpected(error: Exception) -> Response:
    """Our own fault: the traceback goes to the log, never into the body."""
    log.exception("unhandled error", exc_info=error)
    return to_response(ProblemError(500, "Internal Server Error",
                                    "The service failed; the error has been logged."))


def register(app: Flask) -> None:
    app.register_error_handler(ProblemError, to_response)
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(Exception, from_unexpected)
