"""Search: the box on every page answers at /search?q= (a page) and /api/search?q= (JSON,
best first: {"results": [{"iri", "kind", "label", "href", "snippet"}]}), from the served version's
full-text index (present/search.py). The index is built from the read path once per Site,
that is once per served version, following a remote store's version switches."""

from __future__ import annotations

from flask import Blueprint, Response, request

from rolegraph.present.search import MAX_QUERY, MAX_RESULTS, Answer, QueryProblem, SearchIndex
from rolegraph.present.views import Site
from rolegraph.web import problems
from rolegraph.web.problems import BAD_SEARCH, ProblemError
from rolegraph.web.respond import page, to_json
from rolegraph.web.site import kept_with_site, site

bp = Blueprint("search", __name__)

INDEX = "rolegraph.search"  # key in app.extensions: (Site, its search index)


def index_of(s: Site) -> SearchIndex:
    """The search index of the Site's version (about 0.1 s)."""
    return kept_with_site(INDEX, s, lambda: SearchIndex.of(s.analysis.reader), "Search")


def asked() -> tuple[str, int]:
    """The search text and how many results to give (?limit=, 1 to MAX_RESULTS)."""
    text = request.args.get("q", "")
    limit = request.args.get("limit", "20")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_RESULTS:
        raise problems.bad_parameter(f"limit must be a whole number from 1 to {MAX_RESULTS}")
    return text, int(limit)


def answer(text: str, limit: int) -> Answer:
    try:
        return index_of(site()).search(text, limit)
    except QueryProblem as problem:
        raise ProblemError(400, "Bad search", str(problem), BAD_SEARCH) from problem


@bp.get("/search")
def search_page() -> Response:
    """The results page; with no words, the search form alone."""
    text, limit = asked()
    if not text.strip():
        return page("search.html", title="Search", query="", result=None, problem=None,
                    max_query=MAX_QUERY)
    try:
        result = index_of(site()).search(text, limit)
    except QueryProblem as problem:  # the page again, saying what to change
        response = page("search.html", status=400, title="Search", query=text[:MAX_QUERY],
                        result=None, problem=str(problem), max_query=MAX_QUERY)
        response.headers["Cache-Control"] = "no-store"
        return response
    return page("search.html", title=f"Search: {result.query}", query=result.query,
                result=result, problem=None, max_query=MAX_QUERY)


@bp.get("/api/search")
def search_api() -> Response:
    """Search as JSON, best first."""
    text, limit = asked()
    result = answer(text, limit)
    return to_json({"query": result.query, "searched": result.searched,
                    "version": result.version, "results": [h.record() for h in result.hits]})
