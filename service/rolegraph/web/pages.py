"""Pages for people: dereferenceable entity IRIs (/id/{kind}/{slug}), the ontology (/def),
legislation (/legislation/...), the coverage matrix, model diffs, "around the child", how
sure the graph is (/evidence) and the query page. Views look up (rolegraph.views), then
negotiate in one helper, `respond`."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from rdflib import Graph

from rolegraph import config, gallery, problems, reports
from rolegraph.analysis import Analysis
from rolegraph.evidence import EvidenceSummary, evidence
from rolegraph.problems import ProblemError
from rolegraph.reader import ReadError
from rolegraph.remote import StoreError
from rolegraph.safety import Answer, QueryJob, Refusal
from rolegraph.sources import open_tree
from rolegraph.views import (
    DEF,
    ID,
    KEY_SETTINGS,
    KINDS,
    LEGISLATION,
    NotFound,
    Ref,
    Site,
    href,
    legislation_iri,
)
from rolegraph.web import SERVED, Served, reader_of, served, served_version

bp = Blueprint("pages", __name__)
log = logging.getLogger("rolegraph.pages")

SITE = "rolegraph.site"  # key in app.extensions: the Sites, one per served version
EVIDENCE = "rolegraph.evidence"  # key in app.extensions: (Site, its evidence summary)
HTML = "text/html"
# Media type -> (rdflib format, file suffix); the order breaks ties in Accept.
RDF_FORMATS: dict[str, tuple[str, str]] = {
    "text/turtle": ("turtle", ".ttl"),
    "application/ld+json": ("json-ld", ".jsonld"),
    "application/n-triples": ("nt", ".nt"),
}
RDF_ALIASES = {"application/x-turtle": "text/turtle", "application/json": "application/ld+json",
               "text/plain": "application/n-triples"}
SUFFIXES = {suffix: media for media, (_, suffix) in RDF_FORMATS.items()}
NOT_FOUND = "https://w3id.org/rolegraph/problems/not-found"
NO_SNAPSHOT = "https://w3id.org/rolegraph/problems/no-snapshot"
DEFAULT_DIFF = ("current", "care-review-2022")
CACHE = "public, max-age=300"


# --- set-up ---------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    """Build the Site (coverage analysis, ~0.5 s) once, before gunicorn forks its workers."""
    sites = Sites(app.config, app.extensions[SERVED])
    sites.for_version(app.extensions[SERVED].version)
    app.extensions[SITE] = sites
    app.register_error_handler(NotFound, not_found_response)
    app.jinja_env.globals.update(href=href, GROUPS=gallery.GROUPS, KEY_SETTINGS=KEY_SETTINGS)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


class Sites:
    """The Site of the served version, read through the served store (reader.py). A remote
    store's loader can switch versions under a running service; the pages then follow,
    read afresh from the store's new version graph, never showing one version's content
    under another's id. Only the current version's Site is kept."""

    def __init__(self, cfg: Mapping[str, Any], served: Served) -> None:
        self.cfg = cfg
        self.served = served
        self.version: str | None = None
        self.site: Site | None = None
        self._lock = threading.Lock()

    def for_version(self, version: str) -> Site | None:
        with self._lock:
            if version != self.version or self.site is None:
                self.site = load_site(self.cfg, self.served)
                self.version = self.site.analysis.version if self.site else None
            return self.site


def load_site(cfg: Mapping[str, Any], served: Served) -> Site | None:
    """The analysis of the served version; None when --graph files are served instead, or
    while the store does not answer (the pages then say 503, and try again next time)."""
    if cfg.get(config.GRAPH_FILES):
        return None
    source = cfg.get(config.SOURCE)
    try:
        reader = reader_of(served)
        site = Site(Analysis(reader, open_tree(Path(source) if source else None)))
        site.report  # noqa: B018  compute coverage now, so forked workers share it
    except (ReadError, StoreError) as error:
        log.warning("pages are off: %s", error)
        return None
    log.info("pages answer from version %s", reader.version)
    return site


def site() -> Site:
    version = served_version()
    found: Site | None = current_app.extensions[SITE].for_version(version)
    if found is not None:
        return found
    if current_app.config.get(config.GRAPH_FILES):
        raise ProblemError(503, "Pages need the built snapshot",
                           "This service is serving RDF files given with --graph, not the built "
                           "rolegraph snapshot, so the pages, diagrams and the JSON API are off; "
                           "the SPARQL endpoint at /sparql works.", NO_SNAPSHOT)
    raise ProblemError(503, "The store did not answer",
                       f"The pages read version {version} from the SPARQL store, which did not "
                       "answer; try again shortly (the SPARQL endpoint says the same).",
                       NO_SNAPSHOT)


def not_found(error: NotFound) -> ProblemError:
    return ProblemError(404, "Not Found", str(error), NOT_FOUND)


def not_found_response(error: NotFound) -> Response:
    """Any view (page or API) that asks the Site for something absent answers 404 problem+json."""
    return problems.to_response(not_found(error))


def page(template: str, status: int = 200, **context: Any) -> Response:
    body = render_template(template, version=served().version, **context)
    response = Response(body, status=status, mimetype=HTML)
    response.headers["Cache-Control"] = CACHE
    return response


# --- content negotiation ----------------------------------------------------------------------

def choose(suffix: str, json_too: bool = False) -> str:
    """The media type to answer with: a file suffix wins, then Accept (406 if nothing fits)."""
    if suffix:
        if suffix not in SUFFIXES:
            raise ProblemError(404, "Not Found", f"no '{suffix}' form (try .ttl, .jsonld or .nt)",
                               NOT_FOUND)
        return SUFFIXES[suffix]
    offered = [HTML, *RDF_FORMATS, *RDF_ALIASES, "application/xhtml+xml"]
    if json_too:
        offered.insert(1, "application/json")
    best = request.accept_mimetypes.best_match(offered) if request.accept_mimetypes else HTML
    if best is None:
        raise ProblemError(406, "Not Acceptable",
                           f"this resource is available as {', '.join([HTML, *RDF_FORMATS])}",
                           "https://w3id.org/rolegraph/problems/not-acceptable")
    if best == "application/xhtml+xml":
        return HTML
    if best == "application/json" and json_too:
        return best
    return RDF_ALIASES.get(best, best)


def alternates(path: str) -> str:
    links = [f'<{path}{suffix}>; rel="alternate"; type="{media}"'
             for media, (_, suffix) in RDF_FORMATS.items()]
    return ", ".join([f'<{path}>; rel="alternate"; type="{HTML}"', *links])


def rdf_response(graph: Graph, media: str) -> Response:
    fmt = RDF_FORMATS[media][0]
    body = graph.serialize(format=fmt, encoding="utf-8")
    response = Response(body, mimetype=media)
    response.headers["Cache-Control"] = CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def negotiated(path: str, suffix: str, graph: Callable[[], Graph],
               html: Callable[[], Response]) -> Response:
    """One resource in several forms: HTML for browsers, RDF by Accept or by suffix."""
    media = choose(suffix)
    response = html() if media == HTML else rdf_response(graph(), media)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = alternates(path)
    if suffix:
        response.headers["Content-Location"] = path + suffix
    return response


def split_suffix(name: str) -> tuple[str, str]:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


# --- entities ----------------------------------------------------------------------------------

@bp.get("/id/<kind>/<name>")
def entity(kind: str, name: str) -> Response:
    """Every https://w3id.org/rolegraph/id/{kind}/{slug} IRI, dereferenced."""
    slug, suffix = split_suffix(name)
    s = site()
    if kind not in KINDS:
        raise NotFound(f"no kind '{kind}' (known: {', '.join(KINDS)})")
    iri = s.iri(kind, slug)
    if not s.exists(iri):
        raise NotFound(f"no {kind} '{slug}'")
    return negotiated(f"/id/{kind}/{slug}", suffix, lambda: s.description(iri),
                      lambda: entity_page(s, kind, slug, iri))


def entity_page(s: Site, kind: str, slug: str, iri: str) -> Response:
    if kind == "role":
        return page("role.html", view=s.role(slug), title=s.label(iri))
    if kind == "function":
        return page("function.html", view=s.function(slug), title=s.label(iri))
    if kind == "model":
        return page("model.html", view=s.model(slug), title=s.label(iri))
    if kind == "instrument":
        return page("provision.html", view=s.provision(iri), title=s.label(iri))
    if kind == "position":
        return page("position.html", view=s.position(iri), entity=s.entity(iri),
                    title=s.label(iri))
    return page("entity.html", entity=s.entity(iri), incoming=s.incoming(iri),
                kind=kind, slug=slug, title=s.label(iri))


@bp.get("/legislation")
def legislation_index() -> Response:
    return page("legislation.html", instruments=site().instruments(), title="The law")


@bp.get("/legislation/<path:path>")
def legislation(path: str) -> Response:
    """Provisions and instruments, keyed by their legislation.gov.uk identifier IRI."""
    bare, suffix = split_suffix(path)
    s = site()
    iri = legislation_iri(bare)
    if not s.exists(iri):
        raise NotFound(f"no provision <{iri}> in the graph")
    return negotiated(f"/legislation/{bare}", suffix, lambda: s.description(iri),
                      lambda: page("provision.html", view=s.provision(iri), title=s.label(iri)))


@bp.get("/provisions")
def provision_by_iri() -> Response:
    """/provisions?iri=http://www.legislation.gov.uk/id/... redirects to its page."""
    iri = request.args.get("iri", "")
    if not iri.startswith(LEGISLATION):
        raise ProblemError(400, "Bad Request", f"iri must start with {LEGISLATION}")
    return Response(status=303, headers={"Location": href(iri)})


# --- the ontology ------------------------------------------------------------------------------

@bp.get("/def")
@bp.get("/def<any('.ttl', '.jsonld', '.nt'):suffix>")
def ontology(suffix: str = "") -> Response:
    s = site()
    return negotiated("/def", suffix, s.ontology_graph,
                      lambda: page("def.html", view=s.ontology, title="The rolegraph vocabulary"))


# --- home and lists ----------------------------------------------------------------------------

@bp.get("/")
def home() -> Response:
    s = site()
    return page("home.html", models=s.models(), roles=[s.ref(r) for r in s.role_iris()],
                settings=s.settings(), title="Who does what for a child in care")


@bp.get("/roles")
def roles() -> Response:
    s = site()
    return page("roles.html", rows=s.role_list(), title="Roles")


@bp.get("/functions")
def functions() -> Response:
    s = site()
    return page("functions.html", rows=s.function_list(), title="Functions")


@bp.get("/models")
def models() -> Response:
    s = site()
    if choose("", json_too=True) == "application/json":
        from rolegraph.web.api import to_json
        return to_json(s.models())
    return page("models.html", models=s.models(), title="Reform models")


@bp.get("/models/<name>")
def model(name: str) -> Response:
    s = site().viewing(name)  # law@YYYY-MM-DD: the law on that date, as a model
    view = s.model(name)
    if choose("", json_too=True) == "application/json":
        from rolegraph.web.api import to_json
        return to_json(view)
    return page("model.html", view=view, title=view.entity.ref.label)


def evidence_of(s: Site) -> EvidenceSummary:
    """The Site's evidence summary, computed once (0.1 s) and kept while the Site is served."""
    kept: tuple[Site, EvidenceSummary] | None = current_app.extensions.get(EVIDENCE)
    if kept is None or kept[0] is not s:
        kept = (s, evidence(s.graph))
        current_app.extensions[EVIDENCE] = kept
    return kept[1]


@bp.get("/evidence")
def evidence_page() -> Response:
    """How sure is this? Per model, assignments by confidence, and what is still unverified."""
    s = site()
    summary = evidence_of(s)
    if choose("", json_too=True) == "application/json":
        from rolegraph.web.api import evidence_json
        return evidence_json(summary)
    return page("evidence.html", view=summary, title="How sure is this?")


@bp.get("/sources")
def sources() -> Response:
    return page("sources.html", sources=site().sources(), title="Sources")


@bp.get("/positions")
def positions() -> Response:
    return page("positions.html", positions=site().positions(), title="Positions")


# --- coverage, diff, around the child -------------------------------------------------------------

def filters() -> tuple[str, str]:
    return request.args.get("setting", ""), request.args.get("role", "")


@bp.get("/coverage")
def coverage() -> Response:
    s = site()
    setting, role = filters()
    view = s.matrix(setting, role)
    if choose("", json_too=True) == "application/json":
        from rolegraph.web.api import to_json
        return to_json(view)
    query = urlencode({k: v for k, v in (("setting", setting), ("role", role)) if v})
    return page("coverage.html", view=view, query=("?" + query) if query else "",
                title="Coverage: who holds each function under each model")


@bp.get("/coverage.<any(csv, xlsx, md, json):fmt>")
def coverage_download(fmt: str) -> Response:
    s = site()
    setting, role = filters()
    report = s.filtered_report(setting, role)
    version = served().version
    name = "rolegraph-coverage" + "".join(f"-{v}" for v in (setting, role) if v)
    body: str | bytes
    if fmt == "csv":
        body, media = reports.coverage_csv(report), "text/csv"
    elif fmt == "xlsx":
        body = reports.coverage_xlsx(report, version)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "md":
        body, media = reports.coverage_markdown(report), "text/markdown"
    else:
        body, media = reports.coverage_json(report, version), "application/json"
    return download(body, media, f"{name}.{fmt}")


def download(body: str | bytes, media: str, filename: str) -> Response:
    response = Response(body, mimetype=media)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = CACHE
    return response


def diff_args() -> tuple[str, str]:
    return request.args.get("a", DEFAULT_DIFF[0]), request.args.get("b", DEFAULT_DIFF[1])


@bp.get("/diff")
def diff() -> Response:
    s = site()
    a, b = diff_args()
    view = s.diff(a, b)
    if choose("", json_too=True) == "application/json":
        from rolegraph.web.api import to_json
        return to_json(view)
    return page("diff.html", view=view, models=[s.ref(m) for m in s.report.models],
                query=urlencode({"a": a, "b": b}),
                title=f"Compare: {view.a.label} and {view.b.label}")


@bp.get("/timeline/<any(role, function):kind>/<name>")
def timeline(kind: str, name: str) -> Response:
    s = site()
    view = s.timeline(kind, name)
    if choose("", json_too=True) == "application/json":
        from rolegraph.web.api import to_json
        return to_json(view)
    return page("timeline.html", view=view, title=f"Time line: {view.subject.label}")


@bp.get("/diff.<any(csv, md, json):fmt>")
def diff_download(fmt: str) -> Response:
    s = site()
    a, b = diff_args()
    s.diff(a, b)
    result, report = s.analysis.diff(a, b), s.analysis.report_for([a, b])
    if fmt == "csv":
        body, media = reports.diff_csv(result, report), "text/csv"
    elif fmt == "md":
        body, media = reports.diff_markdown(result, report), "text/markdown"
    else:
        body = json.dumps(reports.diff_records(result, report), indent=2, ensure_ascii=False)
        media = "application/json"
    return download(body, media, f"rolegraph-diff-{a}-{b}.{fmt}")


@bp.get("/around")
def around() -> Response:
    s = site()
    setting = request.args.get("setting", "childrens-home")
    model_name = request.args.get("model", "current")
    view = s.viewing(model_name).around(setting, model_name)
    return page("around.html", view=view,
                title=f"Around a child: {view.setting.label}, {view.model.label}")


# --- queries --------------------------------------------------------------------------------------

@bp.get("/queries")
def queries() -> Response:
    site()
    return page("queries.html", groups=gallery.by_group(), title="Example queries")


@bp.get("/queries/<name>")
def named_query(name: str) -> Response:
    found = gallery.gallery().get(name)
    if found is None:
        raise ProblemError(404, "Not Found", f"no example query '{name}' (see /queries)",
                           NOT_FOUND)
    if request.args.get("format") == "rq" or (
            request.accept_mimetypes.best_match([HTML, "application/sparql-query"])
            == "application/sparql-query"):
        return Response(found.text, mimetype="application/sparql-query")
    result = run_query(found.text)
    return page("query_result.html", query=found, result=result, title=found.title)


@bp.get("/query")
def query_page() -> Response:
    text = request.args.get("query", "")
    result = run_query(text) if text and request.args.get("run") else None
    example = next(iter(gallery.gallery().values()))
    return page("query.html", text=text or example.text, result=result,
                permalink=url_for("pages.query_page", query=text) if text else "",
                title="Ask your own question (SPARQL)")


def run_query(text: str) -> dict[str, Any]:
    """Run a query through the endpoint's runner (its time, row and size limits) and lay the
    answer out as a table whose IRIs link to their pages here."""
    s = site()
    limits = current_app.config
    outcome = served().runner.run(QueryJob(text, solutions_format="json", graph_format="turtle",
                                           max_rows=int(limits[config.MAX_ROWS]),
                                           max_bytes=int(limits[config.MAX_RESULT_BYTES])))
    if isinstance(outcome, Refusal):
        return {"error": outcome.message, "kind": outcome.kind}
    assert isinstance(outcome, Answer)
    if outcome.format != "json":
        return {"turtle": outcome.body.decode("utf-8")}
    data = json.loads(outcome.body)
    if "boolean" in data:
        return {"boolean": data["boolean"]}
    names: list[str] = data["head"]["vars"]
    rows = []
    for binding in data["results"]["bindings"]:
        row: list[Ref | str | None] = []
        for name in names:
            term = binding.get(name)
            if term is None:
                row.append(None)
            elif term["type"] == "uri":
                row.append(Ref(term["value"], s.label(term["value"]), href(term["value"]),
                               s.short(term["value"])))
            else:
                row.append(term["value"])
        rows.append(row)
    return {"vars": names, "rows": rows}


__all__ = ["DEF", "ID", "SITE", "bp", "init_app"]
