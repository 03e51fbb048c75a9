"""The shapes' SPARQL runs on Oxigraph with pre-binding as VALUES, and finds exactly what
pySHACL finds evaluating the same shapes on rdflib."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, BNode, Graph, Literal, URIRef

from rolegraph.analysis.coverage import coverage_shapes
from rolegraph.analysis.questions import Analysis
from rolegraph.graph.shacl_oxigraph import OxigraphQueryGraph, prebound
from rolegraph.graph.sources import shipped_tree
from rolegraph.graph.validation import SH, ShaclResult, run_shapes, to_result

FIXTURES = Path(__file__).parent / "fixtures"
FUNCTION = URIRef("https://w3id.org/rolegraph/id/function/refer-to-cafcass")


def on_rdflib(graph: Graph, shapes: Graph) -> list[ShaclResult]:
    """pySHACL's own evaluation: every query on rdflib's engine."""
    plain = Graph()
    plain += graph
    _conforms, report, _text = validate(
        plain, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    assert isinstance(report, Graph)
    return [to_result(report, n) for n in report.subjects(RDF.type, SH.ValidationResult)]


def comparable(results: list[ShaclResult]) -> list[tuple[object, ...]]:
    """Results without the order of GROUP_CONCAT's lists, which SPARQL leaves open."""
    return sorted(
        (r.severity, r.focus, r.value, r.shape, tuple(sorted(re.findall(r"[\w']+", r.message))))
        for r in results
    )


def fixture_graph() -> Graph:
    graph = Graph()
    for path in sorted(FIXTURES.glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.mark.parametrize("which", ["shipped", "fixtures"])
def test_oxigraph_finds_what_rdflib_finds(analysis: Analysis, which: str) -> None:
    graph = analysis.graph if which == "shipped" else fixture_graph()
    shapes = coverage_shapes(shipped_tree())
    expected = comparable(on_rdflib(graph, shapes))
    assert expected, "the comparison needs findings to compare"
    assert comparable(run_shapes(OxigraphQueryGraph(graph), shapes).results) == expected


def test_every_shipped_shape_query_runs_on_oxigraph() -> None:
    shapes = coverage_shapes(shipped_tree())
    texts = [str(t) for t in shapes.objects(None, SH.select)]
    assert len(texts) >= 6  # two contested/independence warnings, two infos, gap, outside
    for text in texts:
        assert prebound(text, {"this": FUNCTION}) is not None, text


def test_prebinding_opens_every_where_group() -> None:
    text = "SELECT $this ?x WHERE { ?x ?p $this OPTIONAL { SELECT $this WHERE { $this ?q ?y } } }"
    out = prebound(text, {"this": FUNCTION, "label": Literal("a", lang="en")})
    assert out is not None
    assert out.count(f'VALUES (?this ?label) {{ (<{FUNCTION}> "a"@en) }}') == 2
    assert re.sub(r"\s*VALUES \([^)]*\) \{ \([^)]*\) \}\s*", " ", out).split() == text.split()


@pytest.mark.parametrize(
    ("text", "bindings"),
    [
        ("ASK { $this ?p ?o }", {"this": FUNCTION}),
        ("SELECT $this { $this ?p ?o }", {"this": FUNCTION}),
        ("SELECT $this WHERE { $this ?p ?o }", {"this": BNode()}),
    ],
)
def test_queries_prebinding_cannot_rewrite_stay_on_rdflib(
    text: str, bindings: dict[str, URIRef | BNode]
) -> None:
    assert prebound(text, bindings) is None


def test_a_query_left_to_rdflib_still_answers(analysis: Analysis) -> None:
    graph = OxigraphQueryGraph(analysis.graph)
    ask = graph.query("ASK { $this a ?type }", initBindings={"this": FUNCTION})
    assert ask.askAnswer is True


def test_literals_come_back_as_rdflib_writes_them(analysis: Analysis) -> None:
    graph = OxigraphQueryGraph(analysis.graph)
    rows = list(
        graph.query(
            'SELECT ?plain ?number ?tagged WHERE { BIND ("a" AS ?plain) BIND (2 AS ?number) '
            'BIND ("b"@en AS ?tagged) }'
        )
    )
    assert tuple(rows[0]) == (Literal("a"), Literal(2), Literal("b", lang="en"))


def test_other_validations_still_get_a_report_graph() -> None:
    """run_shapes takes pySHACL's results as triples (shacl_oxigraph.results_only); a plain
    pySHACL validation in the same process, after it, still gets its report graph."""
    graph, shapes = fixture_graph(), coverage_shapes(shipped_tree())
    ours = run_shapes(OxigraphQueryGraph(graph), shapes).results
    assert ours and comparable(on_rdflib(graph, shapes)) == comparable(ours)
