"""Operations: /health (liveness), /ready (the graph answers), VoID at /.well-known/void, and
one JSON access-log line per request."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, g, request

from rolegraph import config, problems, safety
from rolegraph.engine import FORMATS, GRAPH_FORMATS
from rolegraph.problems import ProblemError
from rolegraph.web import served
from rolegraph.web.sparql import GRAPH_TYPES, VOID, best_of

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("rolegraph.access")

XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
DCTERMS = "http://purl.org/dc/terms/"


@bp.get("/health")
def health() -> Response:
    """Alive: the process answers HTTP (says nothing about the graph)."""
    return json_response({"status": "ok"})


@bp.get("/ready")
def ready() -> Response:
    """Ready: the graph is loaded and a query runs through the same runner as /sparql."""
    outcome = served().runner.run(safety.QueryJob("ASK {}"))
    if isinstance(outcome, safety.Refusal):
        raise ProblemError(503, "Not ready", outcome.message, problems.ENGINE_FAILURE)
    return json_response({"status": "ready", "version": served().version,
                          "triples": served().stats.get("total", 0),
                          "limits": config.settings_summary(current_app.config)})


@bp.get("/.well-known/void")
def void() -> Response:
    """A VoID description of the served dataset (RFC 5785 well-known location)."""
    choice = best_of(GRAPH_TYPES)
    if choice is None:
        raise ProblemError(406, "Not Acceptable", "VoID is available as " + ", ".join(
            f.media_type for f in GRAPH_FORMATS), problems.NOT_ACCEPTABLE)
    fmt = FORMATS[choice]
    body = ox.serialize(void_triples(request.url_root), format=fmt.oxigraph,  # type: ignore[arg-type]
                        prefixes={"void": VOID, "dcterms": DCTERMS})
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    response.headers["ETag"] = f'"{served().version}-void-{choice}"'
    return response.make_conditional(request)


def void_triples(root: str) -> list[ox.Triple]:
    dataset = ox.NamedNode(root + ".well-known/void#dataset")
    void = lambda name: ox.NamedNode(VOID + name)  # noqa: E731 - a local abbreviation
    count = lambda n: ox.Literal(str(n), datatype=XSD_INTEGER)  # noqa: E731
    stats = served().stats
    return [
        ox.Triple(dataset, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                  void("Dataset")),
        ox.Triple(dataset, ox.NamedNode(DCTERMS + "title"),
                  ox.Literal("rolegraph: who does what for a child in care in England",
                             language="en")),
        ox.Triple(dataset, ox.NamedNode(DCTERMS + "identifier"), ox.Literal(served().version)),
        ox.Triple(dataset, void("sparqlEndpoint"), ox.NamedNode(root + "sparql")),
        ox.Triple(dataset, void("uriSpace"), ox.Literal("https://w3id.org/rolegraph/id/")),
        ox.Triple(dataset, void("vocabulary"), ox.NamedNode("https://w3id.org/rolegraph/def#")),
        ox.Triple(dataset, void("triples"), count(stats.get("total", 0))),
        ox.Triple(dataset, void("distinctSubjects"), count(stats.get("subjects", 0))),
    ]


def json_response(body: dict[str, object], status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


# --- access log ------------------------------------------------------------------------

def register_access_log(app: Flask) -> None:
    """One JSON object per request on the `rolegraph.access` logger (stderr by default)."""
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False
    app.before_request(start_clock)
    app.after_request(log_request)


def start_clock() -> None:
    g.started = time.perf_counter()


def log_request(response: Response) -> Response:
    if not current_app.config[config.ACCESS_LOG]:
        return response
    started = g.get("started", time.perf_counter())
    entry = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"),
             "remote": request.remote_addr, "method": request.method, "path": request.path,
             "status": response.status_code, "bytes": response.calculate_content_length(),
             "ms": round((time.perf_counter() - started) * 1000, 3),
             "type": response.mimetype}
    for key in ("query_hash", "refusal"):
        if key in g:
            entry[key] = g.get(key)
    access_log.info(json.dumps(entry))
    return response
