"""/sparql: the SPARQL 1.1 Protocol (query operation only; the endpoint is read-only).

Parse the request (GET, POST form, POST application/sparql-query), negotiate the result
formats, hand a QueryJob to the runner, and turn its outcome into a response."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Flask, Request, Response, current_app, request
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.http import parse_accept_header
from werkzeug.sansio.utils import get_current_url
from werkzeug.wrappers import Request as WerkzeugRequest

from rolegraph import config
from rolegraph.query import safety
from rolegraph.query.engine import FORMATS, GRAPH_FORMATS, SOLUTION_FORMATS, ResultFormat
from rolegraph.web import SERVED, problems, served
from rolegraph.web.accesslog import note
from rolegraph.web.conditional import cache_control, if_none_match, not_modified, version_tag
from rolegraph.web.problems import ProblemError

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"

# Media types a client may name, canonical first (ties in Accept go to the earlier one).
SOLUTION_TYPES = [(f.media_type, f.name) for f in SOLUTION_FORMATS] + [
    ("application/json", "json"), ("application/xml", "xml"), ("text/xml", "xml")]
GRAPH_TYPES = [(f.media_type, f.name) for f in GRAPH_FORMATS] + [
    ("application/x-turtle", "turtle"), ("text/plain", "nt"), ("application/json", "jsonld"),
    ("application/xml", "rdfxml"), ("text/xml", "rdfxml")]
# `format=` values beyond the format names and media types.
FORMAT_ALIASES = {"srj": "json", "srx": "xml", "ttl": "turtle", "ntriples": "nt",
                  "json-ld": "jsonld", "rdf": "rdfxml", "rdf+xml": "rdfxml",
                  "n3": "turtle"}  # Turtle is N3; the names SPARQLWrapper sends
GRAPH_ALIASES = {"json": "jsonld", "xml": "rdfxml"}  # format=json on a CONSTRUCT

REFUSALS: dict[str, tuple[int, str, str]] = {
    safety.MALFORMED: (400, "Malformed query", problems.MALFORMED_QUERY),
    safety.EVALUATION: (400, "Query could not be evaluated", problems.MALFORMED_QUERY),
    safety.UPDATE: (400, "Update refused", problems.UPDATE_REFUSED),
    safety.SERVICE: (400, "SERVICE refused", problems.SERVICE_REFUSED),
    safety.DATASET: (400, "Graph outside the dataset", problems.DATASET_REFUSED),
    safety.NOT_ACCEPTABLE: (406, "Not Acceptable", problems.NOT_ACCEPTABLE),
    safety.TOO_LARGE: (503, "Result too large", problems.RESULT_TOO_LARGE),
    safety.TIMEOUT: (503, "Query time limit reached", problems.QUERY_TIMEOUT),
    safety.CRASHED: (503, "Query process failed", problems.ENGINE_FAILURE),
    safety.UNAVAILABLE: (503, "Store unavailable", problems.STORE_UNAVAILABLE),
}


@dataclass(frozen=True)
class ProtocolRequest:
    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    format: str | None  # the `format` parameter, if any


@bp.route("", methods=["GET", "POST"], strict_slashes=False)
def endpoint() -> Response:
    parsed = read_request(request)
    if parsed.query is None:
        if request.method == "POST":
            raise protocol_error("a POST to /sparql needs a query")
        return service_description()
    note(request.environ, query_hash=query_hash(parsed.query))
    solutions, graph = negotiate(parsed.format)
    tag = etag(solutions, graph)
    if request.method == "GET" and tag in if_none_match():
        return not_modified(tag)
    check_graphs(parsed.default_graphs + parsed.named_graphs)
    job = job_for(parsed, solutions, graph)
    outcome = PlainLookups.answered(request.environ, job) or served().runner.run(job)
    if isinstance(outcome, safety.Refusal):
        raise refusal_problem(outcome)
    return answer(outcome, tag)


def query_hash(text: str) -> str:
    """What the access log says of a query: a digest, never its text."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_request(req: Request) -> ProtocolRequest:
    """The SPARQL 1.1 Protocol §2.1 query operation; anything else is a 4xx."""
    if "update" in req.args:
        raise update_refused()
    if req.method == "GET":
        return from_params(req.args, queries=req.args.getlist("query"))
    mimetype = req.mimetype
    if mimetype == UPDATE_BODY:
        raise update_refused()
    if mimetype == FORM:
        if "update" in req.form:
            raise update_refused()
        params = MultiDict(list(req.args.items(multi=True)) + list(req.form.items(multi=True)))
        return from_params(params, queries=params.getlist("query"))
    if mimetype == QUERY_BODY:
        if "query" in req.args:
            raise protocol_error("a query in the body and another in the URL")
        return from_params(req.args, queries=[body_text(req)])
    if not mimetype:
        raise protocol_error("a POST to /sparql needs a Content-Type: "
                             f"{FORM} or {QUERY_BODY}")
    raise problems.unsupported_media_type(f"a query is sent as {FORM} or {QUERY_BODY}, not "
                                          f"{mimetype}", problems.PROTOCOL_ERROR)


def from_params(params: MultiDict[str, str], queries: list[str]) -> ProtocolRequest:
    if len(queries) > 1:
        raise protocol_error("more than one query parameter")
    formats = params.getlist("format")
    return ProtocolRequest(queries[0] if queries else None,
                           tuple(params.getlist("default-graph-uri")),
                           tuple(params.getlist("named-graph-uri")),
                           formats[0] if formats else None)


def body_text(req: Request) -> str:
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise protocol_error(f"the query must be UTF-8, not {charset}")
    try:
        return req.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as error:
        raise protocol_error(f"the query is not valid UTF-8: {error}") from error


def negotiate(format_param: str | None) -> tuple[str | None, str | None]:
    """The format for SELECT/ASK and the one for CONSTRUCT/DESCRIBE (the query's form is
    known only once parsed); None where nothing acceptable exists (406 if needed)."""
    return negotiated(request.headers.get("Accept", ""), format_param)


@lru_cache(maxsize=512)
def negotiated(accept_header: str, format_param: str | None) -> tuple[str | None, str | None]:
    """Memoised: clients send a handful of Accept headers, and matching costs ~0.1 ms."""
    if format_param is not None:
        return by_format_param(format_param)
    accept = parse_accept_header(accept_header, MIMEAccept)
    return best_in(accept, SOLUTION_TYPES), best_in(accept, GRAPH_TYPES)


def by_format_param(value: str) -> tuple[str | None, str | None]:
    name = FORMAT_ALIASES.get(value.lower(), value.lower())
    by_type = {t: n for t, n in SOLUTION_TYPES}, {t: n for t, n in GRAPH_TYPES}
    solutions = by_type[0].get(name) or (name if name in by_type[0].values() else None)
    graph_name = GRAPH_ALIASES.get(name, name)
    graph = by_type[1].get(name) or (graph_name if graph_name in by_type[1].values() else None)
    if solutions is None and graph is None:
        raise problems.not_acceptable(f"unknown format {value!r}; use one of "
                                      f"{', '.join(FORMATS)} or a media type")
    return solutions, graph


def best_of(types: list[tuple[str, str]]) -> str | None:
    return best_in(request.accept_mimetypes, types)


def best_in(accept: MIMEAccept, types: list[tuple[str, str]]) -> str | None:
    if not accept:  # no Accept header: anything goes, so the default
        return types[0][1]
    best = accept.best_match([t for t, _ in types])
    return dict(types)[best] if best else None


def check_graphs(iris: tuple[str, ...]) -> None:
    if current_app.config[config.UNKNOWN_GRAPHS] == "empty":
        return
    outside = sorted(set(iris) - served().named_graphs)
    if outside:
        raise ProblemError(400, "Graph outside the dataset", "default-graph-uri / "
                           "named-graph-uri name graphs this endpoint does not serve, and it "
                           f"never fetches graphs: {', '.join(outside)}", problems.DATASET_REFUSED)


def job_for(parsed: ProtocolRequest, solutions: str | None, graph: str | None,
            req: Request | WerkzeugRequest | None = None, cfg: Mapping[str, Any] | None = None,
            ) -> safety.QueryJob:
    req = req if req is not None else request
    cfg = cfg if cfg is not None else current_app.config
    protocol_dataset = bool(parsed.default_graphs or parsed.named_graphs)
    assert parsed.query is not None
    return safety.QueryJob(
        parsed.query,
        default_graphs=parsed.default_graphs if protocol_dataset else None,
        named_graphs=parsed.named_graphs if protocol_dataset else None,
        solutions_format=solutions, graph_format=graph,
        max_rows=cfg[config.MAX_ROWS], max_bytes=cfg[config.MAX_RESULT_BYTES],
        base_iri=base_url(req.scheme, req.host, req.root_path, req.path))


@lru_cache(maxsize=256)
def base_url(scheme: str, host: str, root_path: str, path: str) -> str:
    """The endpoint's URL, the base of a query's relative IRIs (RFC 3986 §5.1.3: the retrieval
    URI), as request.base_url; memoised: building it costs a lookup 4% of its time."""
    return get_current_url(scheme, host, root_path, path)


def answer(outcome: safety.Answer, tag: str) -> Response:
    fmt: ResultFormat = FORMATS[outcome.format]
    response = Response(outcome.body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    if request.method == "GET":
        response.headers["ETag"] = tag
        response.headers["Cache-Control"] = cache_control()
    else:
        response.headers["Cache-Control"] = "no-store"
    return response


def etag(solutions: str | None, graph: str | None) -> str:
    """The answer to a GET is fixed by URL, snapshot and negotiated formats."""
    return version_tag(solutions or "none", graph or "none")


def refusal_problem(refusal: safety.Refusal) -> ProblemError:
    note(request.environ, refusal=refusal.kind)
    status, title, kind = REFUSALS[refusal.kind]
    return ProblemError(status, title, refusal.message, kind, dict(refusal.position))


def update_refused() -> ProblemError:
    return refusal_problem(safety.Refusal(safety.UPDATE, "SPARQL Update is refused: this "
                                          "endpoint is read-only."))


def protocol_error(detail: str) -> ProblemError:
    return problems.bad_request(detail, problems.PROTOCOL_ERROR)


# --- the plain lookup, without Flask's dispatch ------------------------------------------

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ANSWERED = "rolegraph.sparql.answered"  # environ key: (job key, outcome) computed already
ASKS_MORE = ("HTTP_ORIGIN", "HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE",
             "HTTP_IF_UNMODIFIED_SINCE", "HTTP_RANGE")
MAX_LEARNED = 64  # kinds of answer whose headers are kept (Accept-Encoding values vary)


class PlainLookups:
    """WSGI, in front of Flask: a plain GET /sparql?query=... (no other parameter, no CORS
    origin, no condition, on the embedded store) is answered without Flask's dispatch, which
    took a third of an uncached lookup's time (docs/decisions/20261202-lean-request-path.md,
    "Ninth look"). Its job is built and run as the view does, by the same functions, and its
    headers are the ones Flask gave the first answer of the same kind in this process
    (formats, Accept-Encoding): the first of each kind, every refusal and every answer Flask
    would compress go through Flask with the outcome already computed (never run twice).
    So /sparql has one implementation; this only replays what it said."""

    def __init__(self, app: Flask, flask_path: WsgiApp) -> None:
        self.flask_path = flask_path
        self.runner = app.extensions[SERVED].runner
        self.cfg = app.config
        # Not for a remote store (its version may switch) nor where Flask checks the host
        self.open = (isinstance(app.extensions[SERVED].store, ox.Store)
                     and not app.config.get("SERVER_NAME") and not app.config.get("TRUSTED_HOSTS"))
        self.learned: dict[tuple[object, ...], list[tuple[str, str]]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        job = self.plain_job(environ)
        if job is None:
            return self.flask_path(environ, start_response)
        note(environ, query_hash=query_hash(job.text))
        outcome = self.runner.run(job)
        kind = self.kind(environ, job, outcome)
        headers = self.learned.get(kind) if kind else None
        if headers is None or not isinstance(outcome, safety.Answer):
            environ[ANSWERED] = (job.key(), outcome)
            return self.flask_path(environ, self.learning(kind, start_response))
        start_response("200 OK", [*headers, ("Content-Length", str(len(outcome.body)))])
        return [outcome.body]

    def plain_job(self, environ: dict[str, Any]) -> safety.QueryJob | None:
        """The job of a plain lookup, as the view would build it; None for anything else."""
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql"
                or not self.open or any(name in environ for name in ASKS_MORE)):
            return None
        req = WerkzeugRequest(environ)
        queries = req.args.getlist("query")
        if len(queries) != 1 or len(req.args) != 1:
            return None
        solutions, graph = negotiated(req.headers.get("Accept", ""), None)
        return job_for(ProtocolRequest(queries[0], (), (), None), solutions, graph, req, self.cfg)

    def kind(self, environ: dict[str, Any], job: safety.QueryJob, outcome: safety.Outcome
             ) -> tuple[object, ...] | None:
        """What fixes the headers of an answer (None: let Flask answer, e.g. to compress)."""
        if not isinstance(outcome, safety.Answer):
            return None
        encodings = environ.get("HTTP_ACCEPT_ENCODING", "")
        if encodings and len(outcome.body) >= self.cfg.get("COMPRESS_MIN_SIZE", 500):
            return None
        return (job.solutions_format, job.graph_format, outcome.format, encodings)

    def learning(self, kind: tuple[object, ...] | None, start_response: Callable[..., Any]
                 ) -> Callable[..., Any]:
        """start_response, keeping Flask's headers for a 200 of this kind (not its length)."""
        if kind is None:
            return start_response

        def start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            if status.startswith("200") and len(self.learned) < MAX_LEARNED:
                self.learned[kind] = [(k, v) for k, v in headers if k.lower() != "content-length"]
            return start_response(status, headers, *exc)
        return start

    @staticmethod
    def answered(environ: dict[str, Any], job: safety.QueryJob) -> safety.Outcome | None:
        """The outcome the lane computed for this very job, if it did."""
        held = environ.pop(ANSWERED, None)
        return held[1] if held is not None and held[0] == job.key() else None


# --- service description (GET /sparql without a query) ---------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RESULT_FORMAT_IRIS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                      "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"]


def service_description() -> Response:
    """Turtle (or another RDF format) by Accept; a query page for browsers."""
    choice: str | None = "turtle"
    if request.accept_mimetypes:
        best = request.accept_mimetypes.best_match([t for t, _ in GRAPH_TYPES] + ["text/html"])
        if best == "text/html":
            return Response(QUERY_PAGE.format(endpoint=escape(request.base_url)),
                            mimetype="text/html")
        choice = dict(GRAPH_TYPES).get(best) if best else None
    if choice is None:
        raise problems.not_acceptable("the service description is available as "
                                      + ", ".join(f.media_type for f in GRAPH_FORMATS)
                                      + " or text/html")
    fmt = FORMATS[choice]
    body = ox.serialize(description_triples(request.base_url), format=fmt.oxigraph,  # type: ignore[arg-type]
                        prefixes={"sd": SD, "void": VOID, "formats": FORMATS_NS})
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response


def description_triples(endpoint_url: str) -> list[ox.Triple]:
    """SPARQL 1.1 Service Description §3: the endpoint, its language, formats and dataset.
    No sd:UnionDefaultGraph (the default graph is its own) and no federated query."""
    service, dataset, default = (ox.NamedNode(endpoint_url), ox.BlankNode("dataset"),
                                 ox.BlankNode("default"))

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    out = [ox.Triple(service, RDF_TYPE, sd("Service")),
           ox.Triple(service, sd("endpoint"), service),
           ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
           ox.Triple(service, sd("defaultDataset"), dataset),
           ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
           ox.Triple(dataset, sd("defaultGraph"), default),
           ox.Triple(default, RDF_TYPE, sd("Graph"))]
    out += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name))
            for name in RESULT_FORMAT_IRIS]
    stats = served().stats
    out.append(ox.Triple(default, ox.NamedNode(VOID + "triples"),
                         ox.Literal(str(stats.get("default", 0)),
                                    datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
    for number, name in enumerate(sorted(served().named_graphs)):
        node = ox.BlankNode(f"named{number}")
        out += [ox.Triple(dataset, sd("namedGraph"), node),
                ox.Triple(node, RDF_TYPE, sd("NamedGraph")),
                ox.Triple(node, sd("name"), ox.NamedNode(name))]
    return out


QUERY_PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rolegraph SPARQL endpoint</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/sparql.css"></head>
<body><main><h1>rolegraph SPARQL endpoint</h1>
<p>SPARQL 1.1 queries (read-only) at <code>{endpoint}</code>: GET or POST.
Who does what for a child in care in England, under the law and each reform model.</p>
<form method="get" action="{endpoint}">
<p><label for="sparql-query">SPARQL query</label></p>
<textarea id="sparql-query" name="query" rows="12">PREFIX rg: &lt;https://w3id.org/rolegraph/def#&gt;
SELECT ?role ?basis WHERE {{
  ?a rg:model &lt;https://w3id.org/rolegraph/id/model/current&gt; ;
     rg:function &lt;https://w3id.org/rolegraph/id/function/refer-to-cafcass&gt; ;
     rg:role ?role .
  OPTIONAL {{ ?a rg:basis ?basis }}
}}</textarea>
<p><label>Format <select name="format"><option>json</option><option>xml</option>
<option>csv</option><option>tsv</option><option>turtle</option><option>nt</option>
<option>jsonld</option><option>rdfxml</option></select></label>
<button type="submit">Run</button></p></form>
<p>Service description: request this URL with <code>Accept: text/turtle</code>.
Dataset description: <a href="/.well-known/void">/.well-known/void</a>.</p>
</main></body></html>
"""
