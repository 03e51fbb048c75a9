"""ETags and 304 Not Modified for every GET answer, from one place.

An answer is fixed by the served version, the URL and the Accept header (which picks its
form), so its tag is known before any work: a client that holds it gets 304 at once. /sparql
tags by version and negotiated formats (its own `etag`) and asks here too."""

from __future__ import annotations

import hashlib
import re

from flask import Flask, Response, current_app, request

from rolegraph import config
from rolegraph.web import served_version

COMPRESSED_TAG = re.compile(r":(?:br|gzip|deflate|zstd)\"$")  # flask-compress's suffix
# Answers that change without a new version (health, readiness) or tag themselves (/sparql).
UNTAGGED = ("/sparql", "/health", "/ready", "/static")


def version_tag(*parts: str) -> str:
    return '"' + "-".join([served_version(), *parts]) + '"'


def request_tag() -> str:
    """The tag of this GET: the served version and a digest of the URL and Accept header."""
    asked = f"{request.full_path}\n{request.headers.get('Accept', '')}"
    return version_tag(hashlib.sha256(asked.encode()).hexdigest()[:16])


def if_none_match() -> set[str]:
    """Tags the client holds (weak or strong, without flask-compress's ':gzip'/':br')."""
    header = request.headers.get("If-None-Match", "")
    tags = (part.strip().removeprefix("W/") for part in header.split(","))
    return {COMPRESSED_TAG.sub('"', tag) for tag in tags if tag}


def cache_control() -> str:
    """Answers of one version never change: caches may keep them for the configured time."""
    return f"public, max-age={current_app.config[config.CACHE_MAX_AGE]}"


def not_modified(tag: str) -> Response:
    response = Response(status=304)
    response.headers["ETag"] = tag
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = cache_control()
    return response


def tagged() -> bool:
    return request.method == "GET" and not request.path.startswith(UNTAGGED)


def init_app(app: Flask) -> None:
    """Answer 304 before any work when the client's tag matches; tag every 200 GET answer."""

    @app.before_request
    def answer_not_modified() -> Response | None:
        if tagged() and request.headers.get("If-None-Match"):
            tag = request_tag()
            if tag in if_none_match():
                return not_modified(tag)
        return None

    @app.after_request
    def tag_answer(response: Response) -> Response:
        if tagged() and response.status_code == 200 and "ETag" not in response.headers:
            response.headers["ETag"] = request_tag()
        return response
