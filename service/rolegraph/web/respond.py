"""The shared HTTP answers of pages and the JSON API: HTML pages, JSON, RDF in the format
asked for (by suffix or Accept), with their cache and negotiation headers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any

from flask import Response, render_template, request
from rdflib import Graph

from rolegraph.present.evidence import EvidenceSummary
from rolegraph.present.records import Ref
from rolegraph.vocab import PREFIXES
from rolegraph.web import problems, served

HTML = "text/html"
CACHE = "public, max-age=300"
# Media type -> (rdflib format, file suffix); the order breaks ties in Accept.
RDF_FORMATS: dict[str, tuple[str, str]] = {
    "text/turtle": ("turtle", ".ttl"),
    "application/ld+json": ("json-ld", ".jsonld"),
    "application/n-triples": ("nt", ".nt"),
    "application/rdf+xml": ("xml", ".rdf"),
}
# Other names clients send for the same forms (as /sparql reads them for a graph answer):
# XML means RDF/XML, JSON means JSON-LD, plain text means N-Triples.
RDF_ALIASES = {"application/x-turtle": "text/turtle", "application/json": "application/ld+json",
               "text/plain": "application/n-triples", "application/xml": "application/rdf+xml",
               "text/xml": "application/rdf+xml"}
SUFFIXES = {suffix: media for media, (_, suffix) in RDF_FORMATS.items()} | {
    ".json": "application/ld+json"}  # what developers type first


def page(template: str, status: int = 200, **context: Any) -> Response:
    body = render_template(template, version=served().version, **context)
    response = Response(body, status=status, mimetype=HTML)
    response.headers["Cache-Control"] = CACHE
    return response


def choose(suffix: str, json_too: bool = False, rdf_first: bool = False) -> str:
    """The media type to answer with: a file suffix wins, then Accept (406 if nothing fits).
    A tie (`*/*`, no Accept) goes to HTML, or to Turtle for a document made for programs
    (`rdf_first`: VoID); browsers name text/html, so they get HTML either way."""
    if suffix:
        if suffix not in SUFFIXES:
            raise problems.not_found(f"no '{suffix}' form (try {', '.join(SUFFIXES)})")
        return SUFFIXES[suffix]
    offered = ([*RDF_FORMATS, HTML] if rdf_first else [HTML, *RDF_FORMATS]) + [
        *RDF_ALIASES, "application/xhtml+xml"]
    if json_too:
        offered.insert(offered.index(HTML) + 1, "application/json")
    best = (request.accept_mimetypes.best_match(offered) if request.accept_mimetypes
            else offered[0])
    if best is None:
        raise problems.not_acceptable(
            f"this resource is available as {', '.join([HTML, *RDF_FORMATS])}")
    if best == "application/xhtml+xml":
        return HTML
    if best == "application/json" and json_too:
        return best
    return RDF_ALIASES.get(best, best)


# The URL rule for a document's RDF forms by suffix: the ones `alternates` names, so a route
# cannot offer fewer than its Link header promises.
RDF_SUFFIX_RULE = "<any({}):suffix>".format(
    ", ".join(f"'{suffix}'" for _, suffix in RDF_FORMATS.values()))


def alternates(path: str) -> str:
    links = [f'<{path}{suffix}>; rel="alternate"; type="{media}"'
             for media, (_, suffix) in RDF_FORMATS.items()]
    return ", ".join([f'<{path}>; rel="alternate"; type="{HTML}"', *links])


# The published JSON-LD context (/context.jsonld): rolegraph's prefixes, so every JSON-LD
# answer reads "rg:role" and "role:iro" rather than full IRIs.
CONTEXT: dict[str, Any] = {"@context": dict(PREFIXES)}
CONTEXT_URL = "/context.jsonld"


def rdf_response(graph: Graph, media: str) -> Response:
    fmt = RDF_FORMATS[media][0]
    extra: dict[str, Any] = {"context": CONTEXT["@context"]} if fmt == "json-ld" else {}
    body = graph.serialize(format=fmt, encoding="utf-8", **extra)
    response = Response(body, mimetype=media)
    if fmt == "json-ld":  # where the context it is compacted with is published
        response.headers["Link"] = (f'<{CONTEXT_URL}>; '
                                    'rel="http://www.w3.org/ns/json-ld#context"; '
                                    'type="application/ld+json"')
    response.headers["Cache-Control"] = CACHE
    return response


def negotiated(path: str, suffix: str, graph: Callable[[], Graph],
               html: Callable[[], Response], rdf_first: bool = False) -> Response:
    """One resource in several forms: HTML for browsers, RDF by Accept or by suffix."""
    media = choose(suffix, rdf_first=rdf_first)
    response = html() if media == HTML else rdf_response(graph(), media)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(
        link for link in (response.headers.get("Link"), alternates(path)) if link)
    if suffix:
        response.headers["Content-Location"] = path + suffix
    return response


def split_suffix(name: str) -> tuple[str, str]:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def plain(value: Any) -> Any:
    """Views as JSON-ready values: dataclasses to objects, tuples to arrays."""
    if isinstance(value, Ref):
        return {"iri": value.iri, "label": value.label, "href": value.href}
    if is_dataclass(value) and not isinstance(value, type):
        return {k: plain(getattr(value, k)) for k in asdict(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def to_json(value: Any, status: int = 200) -> Response:
    body = json.dumps(plain(value), indent=1, ensure_ascii=False)
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = CACHE if status == 200 else "no-store"
    response.headers["Vary"] = "Accept"
    return response


def raw_json(text: str) -> Response:
    response = Response(text, mimetype="application/json")
    response.headers["Cache-Control"] = CACHE
    return response


def evidence_json(summary: EvidenceSummary) -> Response:
    """How sure the graph is, per model; also /evidence with Accept: application/json."""
    return to_json({"snapshot": served().version, **plain(summary)})


