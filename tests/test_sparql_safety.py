"""safety.py without HTTP: the screen, the caps and the killable runner."""

from __future__ import annotations

import gc
import time
import warnings
from functools import partial

import pyoxigraph as ox
import pytest

from rolegraph.query import safety
from rolegraph.query.isolation import ForkRunner
from rolegraph.query.safety import Answer, QueryJob, Refusal, evaluate, screen

SERVED = frozenset({"http://example.org/g"})


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for n in range(30):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/s{n}"),
                          ox.NamedNode("http://example.org/p"), ox.Literal(f"line {n}\nnext")))
    return store


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * { service silent ?endpoint { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
    "SELECT * { { SELECT ?s { SERVICE <http://x/> { ?s ?p ?o } } } }",
    "ASK { OPTIONAL { SERVICE <http://x/> {} } }",
])
def test_service_anywhere_is_refused(query: str) -> None:
    refusal = screen(query, SERVED)
    assert refusal is not None and refusal.kind == safety.SERVICE


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://elsewhere/> { ?s ?p ?o }",
    "PREFIX e: <http://elsewhere/> SELECT * FROM NAMED e:x { ?s ?p ?o }",
    "BASE <http://elsewhere/> SELECT * FROM <x> { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o } ",  # no FROM: allowed (checked below)
])
def test_from_outside_the_dataset_is_refused(query: str) -> None:
    refusal = screen(query, SERVED)
    if "FROM" in query:
        assert refusal is not None and refusal.kind == safety.DATASET
    else:
        assert refusal is None


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://example.org/g> { ?s ?p ?o }",
    "BASE <http://example.org/> SELECT * FROM NAMED <g> { GRAPH ?g { ?s ?p ?o } }",
    '# SERVICE <http://x/>\nSELECT ("FROM <http://x/>" AS ?t) { ?from ?service <urn:from> }',
])
def test_served_graphs_comments_strings_and_names_pass(query: str) -> None:
    assert screen(query, SERVED) is None


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p trueSERVICE <http://x/> {} }",  # Oxigraph reads keywords glued on
    "SELECT * { ?s ?p 1SERVICE <http://x/> {} }",
    "ASKFROM<http://elsewhere/>{}", "CONSTRUCTFROM<http://elsewhere/>WHERE{}",
    "SELECT*FROM<http://elsewhere/>{}", "DESCRIBE<urn:a>FROM<http://elsewhere/>",
    "SELECT(1 AS ?x)FROM<http://elsewhere/>{}", "CONSTRUCT{}FROM<http://elsewhere/>{}",
    # a less-than and a greater-than around the keyword, the latter in a comment
    "SELECT * { ?s ?p true FILTER(1<2)SERVICE#>\n<http://x/>{} }",
    "SELECT * { ?s ?p true FILTER(1<2)SERVICE?x{} FILTER(2>1) }",
    "SELECT * { ?s ?p true FILTER(?s<?o)SERVICE<http://x/>{} }",
])
def test_keywords_glued_to_what_precedes_them_are_still_screened(store: ox.Store,
                                                                 query: str) -> None:
    store.query(query)  # each is a query Oxigraph would run
    assert screen(query, SERVED) is not None


@pytest.mark.parametrize("query", [
    "PREFIX rg: <https://w3id.org/rolegraph/def#> SELECT ?d { ?a rg:validFrom ?d }",
    "SELECT ?dateFrom ?inForceFrom $from { ?a ?p ?dateFrom OPTIONAL { ?a ?q ?from } }",
    "SELECT ?x { ?x <https://w3id.org/rolegraph/def#derivedFrom> ?y }",
    "SELECT ?f { ?a <urn:role> <https://w3id.org/rolegraph/id/role/director-childrens-services>"
    " ; <urn:function> ?f }",
])
def test_names_and_iris_holding_from_or_service_skip_the_slow_parse(query: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """rg:validFrom and IRIs written out are names, never the keyword: no ~3 ms parse."""
    def no_parse(text: str) -> None:
        raise AssertionError(f"parsed: {text}")
    monkeypatch.setattr(safety, "parseQuery", no_parse)
    assert screen(query, SERVED) is None
    with pytest.raises(AssertionError):  # and the parse would be noticed
        screen(query.replace("SELECT", "SELECT * FROM <http://example.org/g>", 1), SERVED)


def test_unknown_graphs_may_read_as_empty(store: ox.Store) -> None:
    assert screen("SELECT * FROM <http://elsewhere/> {}", None) is None


def test_update_is_classified_as_update(store: ox.Store) -> None:
    outcome = evaluate(store, SERVED, QueryJob("DELETE DATA { <urn:a> <urn:b> <urn:c> }"))
    assert isinstance(outcome, Refusal) and outcome.kind == safety.UPDATE


def test_syntax_error_keeps_the_parser_position(store: ox.Store) -> None:
    outcome = evaluate(store, SERVED, QueryJob("SELECT * {\n  ?s ?p }"))
    assert isinstance(outcome, Refusal) and outcome.kind == safety.MALFORMED
    assert outcome.position == {"line": 2, "column": 10}  # "  ?s ?p }": the brace


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_row_cap_counts_exactly_in_every_format(store: ox.Store, fmt: str) -> None:
    query = "SELECT ?s ?o { ?s ?p ?o }"  # literals with newlines: one row is not one line
    at_cap = evaluate(store, SERVED, QueryJob(query, solutions_format=fmt, max_rows=30))
    assert isinstance(at_cap, Answer)
    over = evaluate(store, SERVED, QueryJob(query, solutions_format=fmt, max_rows=29))
    assert isinstance(over, Refusal) and over.kind == safety.TOO_LARGE


def test_triple_cap_on_construct(store: ox.Store) -> None:
    job = QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", max_rows=10)
    outcome = evaluate(store, SERVED, job)
    assert isinstance(outcome, Refusal) and outcome.kind == safety.TOO_LARGE


def test_byte_cap(store: ox.Store) -> None:
    outcome = evaluate(store, SERVED, QueryJob("SELECT * { ?s ?p ?o }", max_bytes=500))
    assert isinstance(outcome, Refusal) and outcome.kind == safety.TOO_LARGE


def test_fork_runner_kills_a_slow_query_and_recovers(store: ox.Store) -> None:
    runner = ForkRunner(partial(evaluate, store, SERVED), timeout=0.5)
    slow = "SELECT (COUNT(*) AS ?n) { " + " ".join(
        f"?s{i} ?p{i} ?o{i} ." for i in range(7)) + " }"
    try:
        started = time.monotonic()
        outcome = runner.run(QueryJob(slow))
        assert isinstance(outcome, Refusal) and outcome.kind == safety.TIMEOUT
        assert time.monotonic() - started < 3
        answer = runner.run(QueryJob("ASK { ?s ?p ?o }"))
        assert isinstance(answer, Answer) and b"true" in answer.body
    finally:
        runner.close()


def test_fork_runner_carries_large_jobs_and_answers_whole(store: ox.Store) -> None:
    # Frames bigger than a socket buffer: a long query text in, a long answer out.
    runner = ForkRunner(partial(evaluate, store, SERVED), timeout=5)
    padding = "# " + "x" * 300_000 + "\n"
    try:
        outcome = runner.run(QueryJob(padding + "SELECT * { ?s ?p ?o }", solutions_format="xml"))
        inline = evaluate(store, SERVED, QueryJob("SELECT * { ?s ?p ?o }",
                                                  solutions_format="xml"))
        assert isinstance(outcome, Answer) and isinstance(inline, Answer)
        assert outcome.body == inline.body and len(outcome.body) > 3000
    finally:
        runner.close()


def test_a_fork_runner_dropped_unclosed_leaves_no_open_socket(store: ox.Store) -> None:
    # Under -W error an unclosed socket's ResourceWarning fails whichever test the garbage
    # collector happens to run in; the runner's descriptors must close quietly.
    runner = ForkRunner(partial(evaluate, store, SERVED), timeout=5)
    assert isinstance(runner.run(QueryJob("ASK { ?s ?p ?o }")), Answer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del runner
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
