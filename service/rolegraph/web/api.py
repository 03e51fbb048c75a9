"""The JSON API: roles, functions, models, coverage, diffs and proposal checks, described
by OpenAPI 3.1 at /openapi.json. The records are the views the pages show (rolegraph.views),
so the API and the pages cannot disagree."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, render_template, request

from rolegraph import __version__
from rolegraph.analysis.coverage import slug
from rolegraph.present import law, reports
from rolegraph.present.evidence import CONFIDENCES
from rolegraph.present.search import MAX_QUERY as SEARCH_MAX_QUERY
from rolegraph.present.search import MAX_RESULTS as SEARCH_MAX_RESULTS
from rolegraph.web import problems, served
from rolegraph.web.proposals import (
    PROPOSAL_MAX_BYTES,
    CheckedProposal,
    checked_answer,
    wants_html,
)
from rolegraph.web.respond import HTML, evidence_json, plain, raw_json, to_json
from rolegraph.web.site import evidence_of, site

bp = Blueprint("api", __name__)


@bp.get("/api")
def index() -> Response:
    return to_json({"snapshot": served().version, "openapi": "/openapi.json",
                    "endpoints": [p for p in OPENAPI["paths"] if p.startswith("/api/")]})


@bp.get("/api/roles")
def roles() -> Response:
    s = site()
    return to_json([{"slug": slug(r.iri), "iri": r.iri, "label": r.label, "href": r.href,
                     "independence": kind, "employers": plain(employers)}
                    for r, kind, _, employers in s.role_list()])


@bp.get("/api/roles/<name>")
def role(name: str) -> Response:
    return to_json(site().role(name))


@bp.get("/api/functions")
def functions() -> Response:
    s = site()
    return to_json([{"slug": slug(f.iri), "iri": f.iri, "label": f.label, "href": f.href,
                     "notation": notation, "created_by": plain(created), "applies_in": plain(where)}
                    for f, notation, created, where in s.function_list()])


@bp.get("/api/functions/<name>")
def function(name: str) -> Response:
    return to_json(site().function(name))


@bp.get("/api/timeline/<any(role, function):kind>/<name>")
def timeline(kind: str, name: str) -> Response:
    """Who held what under the statutory system, when (the law over time)."""
    return to_json(law.timeline(site(), kind, name))


@bp.get("/api/models")
def models() -> Response:
    return to_json(site().models())


@bp.get("/api/models/<name>")
def model(name: str) -> Response:
    return to_json(site().viewing(name).model(name))  # law@YYYY-MM-DD too, as /models/...


@bp.get("/api/coverage")
def coverage() -> Response:
    s = site()
    report = s.filtered_report(request.args.get("setting", ""), request.args.get("role", ""),
                               request.args.getlist("model") or None,
                               request.args.get("severity", ""))
    return raw_json(reports.coverage_json(report, served().version))


@bp.get("/api/diff")
def diff() -> Response:
    s = site()
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not a or not b:
        raise problems.bad_request("give two model slugs: /api/diff?a=current&b=care-review-2022")
    result = s.analysis.diff(a, b)  # UnknownName (404) for a name it does not know
    return raw_json(json.dumps({"snapshot": served().version,
                                **reports.diff_records(result, s.analysis.report_for([a, b]))},
                               ensure_ascii=False))


@bp.get("/api/evidence")
def evidence() -> Response:
    return evidence_json(evidence_of(site()))


# --- checking a proposal ---------------------------------------------------------------------
# One form (templates/validate.html): a file or pasted text, then buttons that post it to
# /validate (check), /validate/compare, /validate/results.csv|xlsx and /validate/brief.docx|pdf
# (web/briefs.py). Every /validate/... path shares the /validate rate limit (ratelimit.py).

TEMPLATE = "proposals/template.yaml"  # in templates/: the downloadable starting point
RESULT_FORMATS = {"csv": "text/csv; charset=utf-8",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/validate")
def validate_form() -> Response:
    site()
    return validate_page(None)


@bp.get("/validate/template.yaml")
def validate_template() -> Response:
    """A proposal to start from: every key, commented (docs/proposals.md)."""
    body = render_template(TEMPLATE)
    return Response(body, mimetype="application/yaml", headers={
        "Content-Disposition": 'attachment; filename="proposal-template.yaml"'})


@bp.post("/validate")
@bp.post("/api/validate")
def validate() -> Response:
    """Check a proposed model (Turtle, YAML or JSON) against the graph: the coverage report
    (in a killable child, VALIDATE_TIMEOUT: web/proposals.py checked_answer)."""
    return checked_answer(validate_answer)


def validate_answer(proposal: CheckedProposal) -> Response:
    report = proposal.report()
    records = json.loads(reports.coverage_json(report, served().version))
    records["conforms"] = not report.of("Violation")
    if wants_html():
        return validate_page(records, proposal)
    return to_json(records)


@bp.post("/validate/results.<any(csv, xlsx):fmt>")
def validate_results(fmt: str) -> Response:
    """The check's results as a file: one row per cell (CSV), or the workbook (XLSX)."""

    def answer(proposal: CheckedProposal) -> Response:
        report = proposal.report()
        body: str | bytes = (reports.coverage_csv(report) if fmt == "csv"
                             else reports.coverage_xlsx(report, served().version))
        return Response(body, mimetype=RESULT_FORMATS[fmt], headers={
            "Content-Disposition": f'attachment; filename="{proposal.slug}-check.{fmt}"'})

    return checked_answer(answer)


@bp.post("/validate/compare")
def validate_compare() -> Response:
    """The proposal against a model (current law unless `against` names another): what
    moves, what is lost, what to amend; HTML for the form, JSON for programs."""
    return checked_answer(compare_answer)


def compare_answer(proposal: CheckedProposal) -> Response:
    against = proposal.against()
    diff = proposal.view.diff(against, proposal.slug)
    report = proposal.view.report_for([against, proposal.slug])
    if not wants_html():
        return to_json({"snapshot": served().version, **reports.diff_records(diff, report)})
    records = json.loads(reports.coverage_json(proposal.report(), served().version))
    records["conforms"] = not proposal.report().of("Violation")
    return validate_page(records, proposal, reports.diff_sections(diff, report))


def validate_page(result: dict[str, Any] | None, proposal: CheckedProposal | None = None,
                  comparison: list[tuple[str, list[str], list[list[str]]]] | None = None,
                  ) -> Response:
    s = site()
    models = [(slug(m), label) for m, label in s.analysis.report.models.items()
              if slug(m) != "statutory-system"]
    body = render_template("validate.html", version=served().version, result=result,
                           title="Check a proposed model", text=proposal.text if proposal else "",
                           models=models, against=proposal.against() if proposal else "current",
                           comparison=comparison,
                           proposal_label=(proposal.view.report.models[proposal.models[0]]
                                           if proposal else ""))
    return Response(body, mimetype=HTML)


# --- OpenAPI ----------------------------------------------------------------------------------

def ref_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["iri", "label", "href"],
            "properties": {"iri": {"type": "string", "format": "uri"},
                           "label": {"type": "string"}, "href": {"type": "string"}}}


def evidence_schema() -> dict[str, Any]:
    ref, count = {"$ref": "#/components/schemas/Ref"}, {"type": "integer", "minimum": 0}
    flagged = {"type": "array", "items": {"type": "object", "required": [
        "entity", "kind", "note"], "properties": {
        "entity": ref, "kind": {"type": "string"}, "note": {"type": "string"}}}}
    secondary = {"type": "object", "required": ["assignment", "confidence", "sources"],
                 "properties": {"assignment": ref, "role": {"oneOf": [ref, {"type": "null"}]},
                                "function": {"oneOf": [ref, {"type": "null"}]},
                                "confidence": {"type": "string"},
                                "sources": {"type": "array", "items": ref}}}
    model = {"type": "object", "required": [
        "model", "status", "assignments", "counts", "quoted", "basis_without_quote",
        "secondary_only"], "properties": {
        "model": ref, "status": {"type": "string"}, "date": {"type": "string"},
        "assignments": count,
        "counts": {"type": "object", "required": list(CONFIDENCES),
                   "additionalProperties": count},
        "quoted": {**count, "description": "stated assignments with rg:quote"},
        "basis_without_quote": {**count, "description": "stated assignments with rg:basis "
                                                        "but no rg:quote"},
        "secondary_only": {"type": "array", "items": secondary}}}
    return {"type": "object", "required": ["snapshot", "models", "unverified", "inferred"],
            "properties": {"snapshot": {"type": "string"},
                           "models": {"type": "array", "items": model},
                           "unverified": flagged, "inferred": flagged}}


def json_ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": schema or {"type": "object"}}}}


PROBLEM = {"description": "An RFC 9457 problem", "content": {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
SLUG_PARAM = {"name": "slug", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}}
# a model's name: its slug, or law@YYYY-MM-DD for the law on that date
MODEL_NAME = {"type": "string", "pattern": r"^([a-z0-9][a-z0-9-]*|law@\d{4}-\d{2}-\d{2})$"}


def one(kind: str, example: str, summary: str) -> dict[str, Any]:
    return {"get": {"summary": summary, "operationId": f"get{kind.capitalize()}",
                    "parameters": [{**SLUG_PARAM, "example": example}],
                    "responses": {"200": json_ok(f"The {kind}, with who holds what under each "
                                                 "model and the legal basis or source of each"),
                                  "404": PROBLEM}}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "rolegraph API", "version": __version__,
             "description": "Who does what for a child in care in England, under which law, and "
                            "under each reform model. Every holding carries its legal basis "
                            "(legislation.gov.uk provisions) and sources. The same data is "
                            "queryable with SPARQL at /sparql.",
             "license": {"name": "MIT", "identifier": "MIT"}},
    "servers": [{"url": "/"}],
    "paths": {
        "/api/roles": {"get": {"summary": "Every role, with its employer and independence",
                               "operationId": "listRoles",
                               "responses": {"200": json_ok("Roles", {
                                   "type": "array", "items": {"type": "object", "required": [
                                       "slug", "iri", "label", "independence"], "properties": {
                                       "slug": {"type": "string"}, "iri": {"type": "string"},
                                       "label": {"type": "string"}, "href": {"type": "string"},
                                       "independence": {"type": "string", "enum": [
                                           "independent", "local-authority", "unclassified"]},
                                       "employers": {"type": "array", "items": {
                                           "$ref": "#/components/schemas/Ref"}}}}})}}},
        "/api/roles/{slug}": one("role", "iro", "A role: employer, independence, legal basis, "
                                 "functions under each model, positions about it"),
        "/api/functions": {"get": {"summary": "Every function in catalogue order",
                                   "operationId": "listFunctions",
                                   "responses": {"200": json_ok("Functions", {
                                       "type": "array", "items": {"type": "object"}})}}},
        "/api/functions/{slug}": one("function", "refer-to-cafcass",
                                     "A function: its holders under every model side by side"),
        "/api/models": {"get": {"summary": "Every reform model with status, date, proposer and "
                                           "coverage counts", "operationId": "listModels",
                                "responses": {"200": json_ok("Models", {
                                    "type": "array", "items": {"type": "object"}})}}},
        "/api/models/{slug}": {"get": {
            **one("model", "care-review-2022", "A model (a slug, or law@YYYY-MM-DD for the law "
                  "on that date): roles, assignments and coverage findings")["get"],
            "parameters": [{**SLUG_PARAM, "schema": MODEL_NAME, "example": "care-review-2022"}]}},
        "/api/coverage": {"get": {
            "summary": "The coverage matrix: one record per function and model",
            "operationId": "getCoverage",
            "parameters": [
                {"name": "model", "in": "query", "schema": {"type": "array", "items": {
                    "type": "string"}}, "style": "form", "explode": True,
                 "description": "Only these models (repeatable)"},
                {"name": "setting", "in": "query", "schema": {"type": "string"},
                 "description": "Only functions that apply in this setting, e.g. childrens-home"},
                {"name": "role", "in": "query", "schema": {"type": "string"},
                 "description": "Only functions this role holds under some model"},
                {"name": "severity", "in": "query", "schema": {
                    "type": "string", "enum": ["violation", "warning", "info"]},
                 "description": "Only cells with a finding of this severity"}],
            "responses": {"200": json_ok("The matrix", {"type": "object", "required": [
                "snapshot", "models", "functions", "counts", "cells"]}), "404": PROBLEM}}},
        "/api/diff": {"get": {
            "summary": "What changes between two models: moved, lost and retired functions, "
                       "roles added and removed, provisions to amend",
            "operationId": "getDiff",
            "parameters": [
                {"name": "a", "in": "query", "required": True,
                 "schema": MODEL_NAME, "example": "current"},
                {"name": "b", "in": "query", "required": True,
                 "schema": MODEL_NAME, "example": "care-review-2022"}],
            "responses": {"200": json_ok("The diff", {"type": "object", "required": [
                "a", "b", "changes", "provisions_to_amend"]}), "400": PROBLEM, "404": PROBLEM}}},
        "/api/timeline/{kind}/{slug}": {"get": {
            "summary": "The law over time: who held the function (or what the role held) under "
                       "the statutory system, period by period, each with its basis and quote",
            "operationId": "getTimeline",
            "parameters": [{"name": "kind", "in": "path", "required": True, "example": "role",
                            "schema": {"type": "string", "enum": ["role", "function"]}},
                {**SLUG_PARAM, "example": "iro"}],
            "responses": {"200": json_ok("The periods, oldest first"), "404": PROBLEM}}},
        "/api/search": {"get": {
            "summary": "Search the names and definitions of everything in the graph, best first",
            "operationId": "search",
            "parameters": [
                {"name": "q", "in": "query", "required": True, "example": "reg 44",
                 "schema": {"type": "string", "minLength": 1, "maxLength": SEARCH_MAX_QUERY}},
                {"name": "limit", "in": "query", "schema": {
                    "type": "integer", "minimum": 1, "maximum": SEARCH_MAX_RESULTS,
                    "default": 20}}],
            "responses": {"200": json_ok("The results", {
                "type": "object", "required": ["query", "searched", "version", "results"],
                "properties": {
                    "query": {"type": "string"}, "searched": {"type": "string"},
                    "version": {"type": "string"},
                    "results": {"type": "array", "items": {"allOf": [
                        {"$ref": "#/components/schemas/Ref"},
                        {"type": "object", "required": ["kind", "snippet"], "properties": {
                            "kind": {"type": "string"}, "snippet": {"type": "string"}}}]}}}}),
                "400": PROBLEM}}},
        "/api/evidence": {"get": {
            "summary": "How sure is this? Per model, its assignments by confidence and quotation "
                       "and those resting on secondary sources only; every entity still marked "
                       "unverified, and every entity only inferred",
            "operationId": "getEvidence",
            "responses": {"200": json_ok("The evidence summary", evidence_schema())}}},
        "/api/validate": {"post": {
            "summary": "Check a proposed model against the graph (nothing is stored)",
            "operationId": "validateProposal",
            "description": "The proposal is merged into a copy of the graph and checked with the "
                           "coverage and policy shapes. Format: see docs/proposals.md. "
                           f"At most {PROPOSAL_MAX_BYTES // 1024} KiB.",
            "requestBody": {"required": True, "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
                "text/turtle": {"schema": {"type": "string"}},
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "proposal": {"type": "string", "format": "binary"}}}}}},
            "responses": {"200": json_ok("The coverage report of the proposal's models, with "
                                         "`conforms` false when a function has no holder"),
                          "400": PROBLEM, "413": PROBLEM, "415": PROBLEM, "422": PROBLEM,
                          "429": PROBLEM, "503": PROBLEM}}},
        "/sparql": {"get": {
            "summary": "SPARQL 1.1 Protocol query (read-only)", "operationId": "sparqlQuery",
            "parameters": [{"name": "query", "in": "query", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Results in the negotiated format", "content": {
                "application/sparql-results+json": {}, "application/sparql-results+xml": {},
                "text/csv": {}, "text/tab-separated-values": {}, "text/turtle": {},
                "application/ld+json": {}, "application/n-triples": {}}},
                "400": PROBLEM, "406": PROBLEM, "429": PROBLEM, "503": PROBLEM}}},
        "/id/{kind}/{slug}": {"get": {
            "summary": "An entity: HTML for browsers, RDF by Accept or suffix (.ttl, .jsonld, .nt)",
            "operationId": "getEntity",
            "parameters": [{"name": "kind", "in": "path", "required": True, "schema": {
                "type": "string", "enum": ["role", "function", "model", "assignment",
                                           "organisation", "person", "setting", "source",
                                           "position", "instrument"]}}, SLUG_PARAM],
            "responses": {"200": {"description": "The entity's description", "content": {
                "text/html": {}, "text/turtle": {}, "application/ld+json": {},
                "application/n-triples": {}}}, "404": PROBLEM, "406": PROBLEM}}},
    },
    "components": {"schemas": {
        "Ref": ref_schema(),
        "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
            "type": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "integer"}, "detail": {"type": "string"}}},
    }},
}


@bp.get("/openapi.json")
def openapi() -> Response:
    response = Response(json.dumps(OPENAPI, indent=1), mimetype="application/json")
    return response


__all__ = ["OPENAPI", "bp", "to_json"]
