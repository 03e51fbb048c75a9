"""Pages for people: dereferenceable entity IRIs (/id/{kind}/{slug}), the ontology (/def),
legislation (/legislation/...), the coverage matrix, model diffs, "around the child", how
sure the graph is (/evidence) and the query page. Views look up (present/views.py);
answers are made and negotiated in web/respond.py."""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, url_for

from rolegraph import config
from rolegraph.graph import lawtime
from rolegraph.present import law, reports
from rolegraph.present.records import (
    DEF,
    ID,
    KINDS,
    LEGISLATION,
    LEGISLATION_PATH,
    Ref,
    href,
    legislation_iri,
)
from rolegraph.present.views import Site
from rolegraph.query import gallery
from rolegraph.query.safety import Answer, QueryJob, Refusal
from rolegraph.vocab import UnknownName
from rolegraph.web import problems, served
from rolegraph.web.respond import (
    CACHE,
    CONTEXT,
    HTML,
    RDF_SUFFIX_RULE,
    choose,
    evidence_json,
    negotiated,
    page,
    split_suffix,
    to_json,
)
from rolegraph.web.site import evidence_of, site

bp = Blueprint("pages", __name__)
log = logging.getLogger("rolegraph.pages")

DEFAULT_DIFF = ("current", "care-review-2022")
LAW_ASSIGNMENT = re.compile(r"^(law-\d{4}-\d{2}-\d{2})--")  # an assignment of the law on a date


# --- entities ----------------------------------------------------------------------------------

@bp.get("/id/<kind>/<name>")
def entity(kind: str, name: str) -> Response:
    """Every https://w3id.org/rolegraph/id/{kind}/{slug} IRI, dereferenced."""
    slug, suffix = split_suffix(name)
    s = site()
    if kind not in KINDS:
        raise UnknownName(f"no kind '{kind}' (known: {', '.join(KINDS)})")
    if kind == "model" and lawtime.LAW.match(slug):
        return law_model(s, slug, suffix)
    if kind == "assignment" and (law_on := LAW_ASSIGNMENT.match(slug)) is not None:
        s.analysis.model(law_on.group(1))  # 404 for a date the law does not cover
        s = s.viewing(law_on.group(1))  # assignment:law-YYYY-MM-DD--role--function
    if slug != slug.lower() and s.exists(f"{ID}{kind}/{slug.lower()}"):
        moved = Response(status=301)  # /id/role/IRO: one spelling of each IRI
        moved.headers["Location"] = f"/id/{kind}/{slug.lower()}{suffix}"
        return moved
    try:
        iri = s.iri(kind, slug)
    except UnknownName as error:  # not a slug at all: say why, and what is near
        raise UnknownName(str(error), s.nearest(kind, slug)) from error
    if not s.exists(iri):
        raise UnknownName(f"no {kind} '{slug}'", s.nearest(kind, slug))
    return negotiated(f"/id/{kind}/{slug}", suffix, lambda: law.description(s, iri),
                      lambda: entity_page(s, kind, slug, iri))


def law_model(s: Site, name: str, suffix: str) -> Response:
    """model/law-YYYY-MM-DD, the IRI outputs name the law on a date by: in RDF its
    description (the model as viewed on that date), for people 303 See Other to its page
    /models/law@YYYY-MM-DD. A date the law does not cover is 404 (UnknownName)."""
    iri = s.analysis.model(name)  # the date checked, named as asked
    view = s.viewing(name)
    day = lawtime.canonical(name).removeprefix("law@")

    def see_other() -> Response:
        return Response(status=303, headers={"Location": f"/models/law@{day}"})

    return negotiated(f"/id/model/law-{day}", suffix, lambda: law.description(view, iri),
                      see_other)


def entity_page(s: Site, kind: str, slug: str, iri: str) -> Response:
    if kind == "role":
        return page("role.html", view=s.role(slug), title=s.label(iri))
    if kind == "function":
        return page("function.html", view=s.function(slug), title=s.label(iri))
    if kind == "model":
        return page("model.html", view=s.model(slug), title=s.label(iri))
    if kind == "instrument":
        return page("provision.html", view=law.provision(s, iri), title=s.label(iri))
    if kind == "position":
        return page("position.html", view=s.position(iri), entity=s.entity(iri),
                    title=s.label(iri))
    return page("entity.html", entity=s.entity(iri), incoming=s.incoming(iri),
                kind=kind, slug=slug, title=s.label(iri))


@bp.get("/legislation")
def legislation_index() -> Response:
    return page("legislation.html", instruments=law.instruments(site()), title="The law")


@bp.get("/legislation/<path:path>")
def legislation(path: str) -> Response:
    """Provisions and instruments, keyed by their legislation.gov.uk identifier IRI."""
    bare, suffix = split_suffix(path)
    s = site()
    if suffix and LEGISLATION_PATH.match(path) and s.exists(LEGISLATION + path):
        bare, suffix = path, ""  # a provision whose number ends like a format suffix
    iri = legislation_iri(bare)
    if not s.exists(iri):
        raise UnknownName(f"no provision <{iri}> in the graph")
    return negotiated(f"/legislation/{bare}", suffix, lambda: law.description(s, iri),
                      lambda: page("provision.html", view=law.provision(s, iri),
                                   title=s.label(iri)))


@bp.get("/provisions")
def provision_by_iri() -> Response:
    """/provisions?iri=http://www.legislation.gov.uk/id/... redirects to its page."""
    iri = request.args.get("iri", "")
    if not iri.startswith(LEGISLATION):
        raise problems.bad_request(f"iri must start with {LEGISLATION}")
    return Response(status=303, headers={"Location": href(iri)})


# --- the ontology ------------------------------------------------------------------------------

@bp.get("/context.jsonld")
def jsonld_context() -> Response:
    """The JSON-LD context every JSON-LD answer is compacted with."""
    response = to_json(CONTEXT)
    response.mimetype = "application/ld+json"
    return response


@bp.get("/def")
@bp.get(f"/def{RDF_SUFFIX_RULE}")
def ontology(suffix: str = "") -> Response:
    s = site()
    return negotiated("/def", suffix, lambda: law.ontology_graph(s),
                      lambda: page("def.html", view=law.ontology(s),
                                   title="The rolegraph vocabulary"))


# --- home and lists ----------------------------------------------------------------------------

@bp.get("/")
def home() -> Response:
    s = site()
    return page("home.html", models=s.models(), roles=[s.ref(r) for r in s.role_iris()],
                settings=s.settings(), title="Who does what for a child in care")


@bp.get("/accessibility")
def accessibility() -> Response:
    """The accessibility statement (the public sector accessibility regulations, GOV.UK style)."""
    return page("accessibility.html", title="Accessibility statement")


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
        return to_json(s.models())
    return page("models.html", models=s.models(), title="Reform models")


@bp.get("/models/<name>")
def model(name: str) -> Response:
    s = site().viewing(name)  # law@YYYY-MM-DD: the law on that date, as a model
    view = s.model(name)
    if choose("", json_too=True) == "application/json":
        return to_json(view)
    return page("model.html", view=view, title=view.entity.ref.label)


@bp.get("/evidence")
def evidence_page() -> Response:
    """How sure is this? Per model, assignments by confidence, and what is still unverified."""
    s = site()
    summary = evidence_of(s)
    if choose("", json_too=True) == "application/json":
        return evidence_json(summary)
    return page("evidence.html", view=summary, title="How sure is this?")


@bp.get("/sources")
def sources() -> Response:
    return page("sources.html", sources=site().sources(), title="Sources")


@bp.get("/positions")
def positions() -> Response:
    return page("positions.html", positions=site().positions(), title="Positions")


# --- coverage, diff, around the child -------------------------------------------------------------

def filters() -> tuple[str, str, list[str], str]:
    """The matrix's filters: setting, role, models (repeatable; law@DATE too), severity."""
    return (request.args.get("setting", ""), request.args.get("role", ""),
            [m for m in request.args.getlist("model") if m], request.args.get("severity", ""))


def filter_query() -> str:
    """The filters as a query string, for the downloads that follow them."""
    setting, role, models, severity = filters()
    pairs = [("setting", setting), ("role", role), *(("model", m) for m in models),
             ("severity", severity)]
    query = urlencode([(k, v) for k, v in pairs if v])
    return ("?" + query) if query else ""


@bp.get("/coverage")
def coverage() -> Response:
    s = site()
    view = s.matrix(*filters())
    if choose("", json_too=True) == "application/json":
        return to_json(view)
    return page("coverage.html", view=view, query=filter_query(),
                title="Coverage: who holds each function under each model")


@bp.get("/coverage.<any(csv, xlsx, md, json):fmt>")
def coverage_download(fmt: str) -> Response:
    s = site()
    setting, role, models, severity = filters()
    report = s.filtered_report(setting, role, models, severity)
    version = served().version
    name = "rolegraph-coverage" + "".join(f"-{v}" for v in (setting, role, *models, severity) if v)
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
        return to_json(view)
    return page("diff.html", view=view, models=[s.ref(m) for m in s.report.models],
                query=urlencode({"a": a, "b": b}),
                title=f"Compare: {view.a.label} and {view.b.label}")


@bp.get("/timeline/<any(role, function):kind>/<name>")
def timeline(kind: str, name: str) -> Response:
    s = site()
    view = law.timeline(s, kind, name)
    if choose("", json_too=True) == "application/json":
        return to_json(view)
    return page("timeline.html", view=view, title=f"Time line: {view.subject.label}")


@bp.get("/diff.<any(csv, xlsx, md, json):fmt>")
def diff_download(fmt: str) -> Response:
    s = site()
    a, b = diff_args()
    s.diff(a, b)
    result, report = s.analysis.diff(a, b), s.analysis.report_for([a, b])
    body: str | bytes
    if fmt == "csv":
        body, media = reports.diff_csv(result, report), "text/csv"
    elif fmt == "xlsx":
        body = reports.diff_xlsx(result, report, served().version)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
        raise problems.not_found(f"no example query '{name}' (see /queries)")
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


__all__ = ["DEF", "ID", "bp"]
