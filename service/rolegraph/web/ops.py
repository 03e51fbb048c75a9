"""Operations: /health (liveness), /ready (the graph answers), VoID at /.well-known/void, and
the response cache in front of Flask."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from rdflib import Graph

from rolegraph import config
from rolegraph.query import safety
from rolegraph.query.cache import AnswerCache
from rolegraph.web import problems, served
from rolegraph.web.accesslog import note
from rolegraph.web.data import void_lines as release_void_lines
from rolegraph.web.problems import ProblemError
from rolegraph.web.respond import RDF_SUFFIX_RULE, negotiated
from rolegraph.web.sparql import VOID

bp = Blueprint("ops", __name__)

XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
DCTERMS = "http://purl.org/dc/terms/"
VOID_PATH = "/.well-known/void"


@bp.get("/health")
def health() -> Response:
    """Alive: the process answers HTTP (says nothing about the graph)."""
    return json_response({"status": "ok"})


@bp.get("/ready")
def ready() -> Response:
    """Ready: the graph is loaded and a query runs through the same runner as /sparql."""
    runner = served().runner
    runner = getattr(runner, "inner", runner)  # past the result cache: really run a query
    outcome = runner.run(safety.QueryJob("ASK {}"))
    if isinstance(outcome, safety.Refusal):
        raise ProblemError(503, "Not ready", outcome.message, problems.ENGINE_FAILURE)
    return json_response({"status": "ready", "version": served().version,
                          "triples": served().stats.get("total", 0),
                          "limits": config.settings_summary(current_app.config)})


@bp.get(VOID_PATH)
@bp.get(f"{VOID_PATH}{RDF_SUFFIX_RULE}")
def void(suffix: str = "") -> Response:
    """A VoID description of the served dataset (RFC 5785 well-known location), negotiated
    as every RDF document here is (web/respond.py): Turtle, JSON-LD, N-Triples or RDF/XML
    by Accept or suffix, Turtle when any form will do; a browser is sent on (303 See Other)
    to /data/, the page that says the same for people, as the law on a date is to its page."""
    return negotiated(VOID_PATH, suffix, lambda: void_graph(request.url_root),
                      lambda: Response(status=303, headers={"Location": "/data/"}),
                      rdf_first=True)


def void_graph(root: str) -> Graph:
    data = ox.serialize(void_triples(root), format=ox.RdfFormat.N_TRIPLES)
    graph = Graph().parse(data=data, format="nt")
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    return graph


def void_triples(root: str) -> list[ox.Triple]:
    dataset = ox.NamedNode(root + ".well-known/void#dataset")

    def void(name: str) -> ox.NamedNode:
        return ox.NamedNode(VOID + name)

    def count(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=XSD_INTEGER)

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
        *release_void_lines(dataset, root),  # the dumps, the licence, the version's date
    ]


def json_response(body: dict[str, object], status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


# --- response cache --------------------------------------------------------------------

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


Stored = tuple[str, tuple[tuple[str, str], ...], bytes]  # status, headers, body


class ResponseCache:
    """A small shared-nothing HTTP cache in front of Flask, per worker (what nginx's
    proxy_cache would do): GET answers marked `public` are replayed for the same URL and
    negotiation headers (query/cache.AnswerCache: kept on a URL's second request). Sound
    because the snapshot is immutable for the process's life; it skips Flask's whole
    request/response cycle, which costs more than the query."""

    # Host too: /sparql resolves relative IRIs against the request URL, so one client's Host
    # header must never shape the answer another client is replayed.
    VARY = ("HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ORIGIN", "HTTP_HOST", "wsgi.url_scheme")

    def __init__(self, app: WsgiApp, budget_bytes: int,
                 version: Callable[[], str] | None = None) -> None:
        self.app = app
        self.version = version  # a remote store may switch versions: keys name the version
        self.stored: AnswerCache[Stored] = AnswerCache(budget_bytes)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        key = self.key(environ)
        if key is None:
            return self.app(environ, start_response)
        stored = self.stored.get(key)
        if stored is None:
            return self.fill(key, environ, start_response)
        status, headers, body = stored
        note(environ, cache="hit")
        start_response(status, list(headers))
        return [body]

    def key(self, environ: dict[str, Any]) -> tuple[str, ...] | None:
        # Any GET (pages and diagrams too, not only /sparql): only answers marked `public`
        # are kept, and every one of those is a function of the snapshot and the key.
        if (environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_NONE_MATCH" in environ
                or "no-cache" in environ.get("HTTP_CACHE_CONTROL", "")):
            return None
        return (environ["PATH_INFO"], environ["QUERY_STRING"],
                *(environ.get(name, "") for name in self.VARY),
                self.version() if self.version else "")

    def fill(self, key: tuple[str, ...], environ: dict[str, Any],
             start_response: StartResponse) -> Iterable[bytes]:
        seen: dict[str, Any] = {}

        def remember_start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            seen.update(status=status, headers=headers)
            return start_response(status, headers, *exc)

        output = self.app(environ, remember_start)
        body = b"".join(output)
        if hasattr(output, "close"):
            output.close()
        if (seen.get("status", "").startswith("200")
                and "public" in dict(seen["headers"]).get("Cache-Control", "")):
            headers = tuple((str(k), str(v)) for k, v in seen["headers"])
            size = (len(body) + sum(len(part) for part in key)
                    + sum(len(k) + len(v) for k, v in headers))
            self.stored.offer(key, (seen["status"], headers, body), size)
        return [body]
