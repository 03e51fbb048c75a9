"""web/sparql.PlainLookups: a plain GET /sparql?query=... answered without Flask's dispatch,
exactly as Flask answers it; everything else through Flask, every query run once."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import Client, TestResponse

from rolegraph.query import safety
from rolegraph.web import SERVED
from rolegraph.web.sparql import PlainLookups

RG = "PREFIX rg: <https://w3id.org/rolegraph/def#> "
SELECT = RG + "SELECT ?a ?r WHERE { ?a rg:role ?r } LIMIT 2"
ASK = RG + "ASK { ?a rg:role ?r }"
CONSTRUCT = RG + "CONSTRUCT { ?a rg:role ?r } WHERE { ?a rg:role ?r } LIMIT 2"
BIG = RG + "SELECT ?a ?r WHERE { ?a rg:role ?r }"  # over the compression threshold
NUMBER = itertools.count()


class Counting:
    """Counts what it wraps is called (a runner's run, or a WSGI app)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.inner(*args)

    def run(self, job: safety.QueryJob) -> safety.Outcome:
        self.calls += 1
        outcome: safety.Outcome = self.inner.run(job)
        return outcome


@pytest.fixture(scope="module")
def app(sparql_graphs: list[Path]) -> Iterator[Flask]:
    from rolegraph.web.app import create_app

    app = create_app({"TESTING": True, "GRAPH_FILES": [str(p) for p in sparql_graphs],
                      "ACCESS_LOG": False, "RESULT_CACHE_MB": 0, "RATE_LIMIT": 0})
    yield app
    app.extensions[SERVED].runner.close()


def lane_of(app: Flask) -> PlainLookups:
    layer: Any = app.wsgi_app
    while not isinstance(layer, PlainLookups):
        layer = layer.app
    return layer


def get(wsgi: Any, query: str, **headers: str) -> TestResponse:
    """A GET of a query text never asked before (a numbered comment), so no cache answers."""
    return Client(wsgi).get("/sparql", query_string={"query": f"{query} #{next(NUMBER)}"},
                            headers=headers)


def same(a: TestResponse, b: TestResponse) -> None:
    assert a.status == b.status
    assert sorted(a.headers.items()) == sorted(b.headers.items())
    assert a.get_data() == b.get_data()


@pytest.mark.parametrize(("query", "headers"), [
    (SELECT, {}),
    (SELECT, {"Accept": "application/sparql-results+json"}),
    (SELECT, {"Accept": "application/sparql-results+xml"}),
    (SELECT, {"Accept": "text/csv"}),
    (SELECT, {"Accept": "text/tab-separated-values"}),
    (SELECT, {"Accept": "*/*", "Accept-Encoding": "gzip, br"}),
    (ASK, {"Accept": "application/json"}),
    (CONSTRUCT, {"Accept": "text/turtle"}),
    (CONSTRUCT, {"Accept": "application/ld+json", "Accept-Encoding": "gzip"}),
    (CONSTRUCT, {"Accept": "application/rdf+xml"}),
])
def test_a_plain_lookup_is_answered_as_flask_answers_it(app: Flask, query: str,
                                                        headers: dict[str, str]) -> None:
    lane = lane_of(app)
    flask_path = lane.flask_path
    try:
        lane.flask_path = counted = Counting(flask_path)
        first = get(app.wsgi_app, query, **headers)  # the first of its kind: through Flask
        again = get(app.wsgi_app, query, **headers)
        assert counted.calls <= 1, "the second lookup of the same kind went through Flask"
    finally:
        lane.flask_path = flask_path
    assert first.status_code == 200, first.get_data(as_text=True)
    same(again, get(flask_path, query, **headers))  # Flask alone answers the same


@pytest.mark.parametrize(("params", "headers", "status"), [
    ({"query": "SELECT nonsense"}, {}, 400),
    ({"query": RG + "SELECT * { SERVICE <http://x/> {} }"}, {}, 400),
    ({"query": SELECT, "format": "csv"}, {}, 200),
    ({"query": SELECT}, {"Origin": "https://example.org"}, 200),
    ({"query": SELECT}, {"If-None-Match": '"other"'}, 200),
    ({"query": SELECT, "default-graph-uri": "http://example.org/nowhere"}, {}, 400),
    ({"query": BIG}, {"Accept-Encoding": "gzip"}, 200),
])
def test_anything_else_goes_through_flask_and_runs_once(
        app: Flask, params: dict[str, str], headers: dict[str, str], status: int) -> None:
    lane = lane_of(app)
    runner, flask_path = lane.runner, lane.flask_path
    served = app.extensions[SERVED]
    counted_runner = Counting(runner)
    try:
        lane.runner = served.runner = counted_runner  # type: ignore[assignment]
        lane.flask_path = counted = Counting(flask_path)
        for _ in range(2):  # the second of its kind too
            answer = Client(app.wsgi_app).get(
                "/sparql", query_string={**params, "query": f"{params['query']} #{next(NUMBER)}"},
                headers=headers)
            assert answer.status_code == status, answer.get_data(as_text=True)
        assert counted.calls == 2
        assert counted_runner.calls == (0 if "default-graph-uri" in params else 2)
    finally:
        lane.runner = served.runner = runner
        lane.flask_path = flask_path
    if "Accept-Encoding" in headers:
        assert answer.headers["Content-Encoding"] == "gzip"
    if "Origin" in headers:
        assert answer.headers["Access-Control-Allow-Origin"] in ("*", headers["Origin"])
