"""Each SHACL-SPARQL constraint runs once for all its focus nodes (shacl_oxigraph.py `batched`)
where that is sound, and finds exactly what it finds run once per focus node; the lists
the messages give (GROUP_CONCAT) come sorted, the same in every process."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.term import Node

from rolegraph.analysis.coverage import coverage_shapes
from rolegraph.analysis.questions import Analysis
from rolegraph.graph import shacl_oxigraph
from rolegraph.graph.proposal import load_proposal, proposal_shapes
from rolegraph.graph.rdf import overlaid
from rolegraph.graph.shacl_batchable import batchable
from rolegraph.graph.shacl_oxigraph import OxigraphQueryGraph, ordered_lists
from rolegraph.graph.sources import shipped_tree
from rolegraph.graph.validation import SH, run_shapes

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
EX = Namespace("https://example.org/")
PREFIXES = "PREFIX rg: <https://w3id.org/rolegraph/def#>\n"


def proposed(analysis: Analysis) -> tuple[Graph, Graph]:
    """The graph and shapes a check of examples/proposal.yaml validates (as
    Analysis.proposing builds them)."""
    proposal = load_proposal(REPO / "examples" / "proposal.yaml", analysis.graph)
    graph, shapes = Graph(), Graph()
    graph += analysis.graph
    graph += proposal.triples
    shapes += analysis.shapes
    shapes += proposal_shapes(proposal.models)
    return graph, shapes


def fixtures() -> Graph:
    graph = Graph()
    for path in sorted(FIXTURES.glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def cases(analysis: Analysis) -> dict[str, tuple[Graph, Graph]]:
    shapes = coverage_shapes(shipped_tree())
    law, _ = analysis.scope([analysis.model("law@2005-06-01")])
    return {
        "shipped": (analysis.graph, shapes),  # every shipped model
        "proposal": proposed(analysis),
        "law@2005-06-01": (law, shapes),
        "fixtures": (fixtures(), shapes),
    }


@pytest.mark.parametrize("case", ["shipped", "proposal", "law@2005-06-01", "fixtures"])
def test_batched_and_unbatched_find_the_same(cases: dict[str, tuple[Graph, Graph]],
                                              case: str) -> None:
    graph, shapes = cases[case]
    data = OxigraphQueryGraph(graph)
    batched = run_shapes(data, shapes)
    unbatched = run_shapes(data, shapes, batch=False)
    assert batched.results, "the comparison needs findings to compare"
    assert [(r.focus, r.value, r.message, r.severity, r.shape, r.path) for r in batched.results] \
        == [(r.focus, r.value, r.message, r.severity, r.shape, r.path) for r in unbatched.results]


def test_every_shipped_constraint_is_batched(cases: dict[str, tuple[Graph, Graph]],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Each shape of shapes/coverage.ttl, shapes/policy.ttl and a proposal's is run once,
    not once per function (batch_text gives None for a query it may not batch)."""
    made: list[str | None] = []
    real: Callable[..., str | None] = shacl_oxigraph.batch_text

    def spy(text: str, bindings: Mapping[str, Any], focus: Sequence[Node]) -> str | None:
        made.append(real(text, bindings, focus))
        return made[-1]

    monkeypatch.setattr(shacl_oxigraph, "batch_text", spy)
    graph, shapes = cases["proposal"]
    run_shapes(OxigraphQueryGraph(graph), shapes)
    assert len(made) == len(list(shapes.objects(None, SH.select))) == 7
    assert all(text is not None for text in made)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT $this ?value WHERE { $this rg:p ?value }",
        "SELECT $this ?value (COUNT(?x) AS ?n) WHERE { $this rg:p ?value ; rg:q ?x } "
        "GROUP BY $this ?value HAVING (COUNT(?x) > 1)",
        "SELECT $this ?value WHERE { $this rg:p ?value OPTIONAL { SELECT DISTINCT $this ?h "
        "WHERE { ?a rg:f $this ; rg:r ?h } } FILTER (!BOUND(?h)) }",
        "SELECT $this ?value ?l WHERE { ?a rg:f $this ; rg:m ?value FILTER NOT EXISTS { ?value "
        "rg:x $this } OPTIONAL { SELECT ?a (MIN(?s) AS ?l) WHERE { ?a rg:s ?s } GROUP BY ?a } }",
    ],
)
def test_sound_queries_are_batched(text: str) -> None:
    assert batchable(PREFIXES + text)


@pytest.mark.parametrize(
    ("why", "text"),
    [
        ("this not projected", "SELECT ?value WHERE { $this rg:p ?value }"),
        ("limit", "SELECT $this ?value WHERE { $this rg:p ?value } LIMIT 1"),
        ("grouped without this", "SELECT $this (COUNT(?v) AS ?n) WHERE { $this rg:p ?v } "
         "GROUP BY ?v"),
        ("one group over all", "SELECT (COUNT(?v) AS ?n) WHERE { $this rg:p ?v }"),
        ("correlated subquery", "SELECT $this ?n WHERE { $this rg:p ?v { SELECT (COUNT(?x) AS ?n) "
         "WHERE { $this rg:q ?x } } }"),
        ("minus", "SELECT $this WHERE { $this rg:p ?v MINUS { $this rg:q ?v } }"),
        ("values", "SELECT $this WHERE { VALUES $this { rg:a } $this rg:p ?v }"),
        ("bind", "SELECT $this WHERE { ?v rg:p ?w { BIND (?w AS $this) } }"),
        ("not a query", "SELECT $this WHERE { $this rg:p "),
    ],
)
def test_unsound_queries_are_not_batched(why: str, text: str) -> None:
    assert not batchable(PREFIXES + text), why


def test_lists_in_messages_are_sorted(analysis: Analysis) -> None:
    """The holders a message lists are in sorted order, whatever order the store keeps."""
    listed = 0
    for finding in analysis.report.findings:
        found = re.search(r"holders: (.*)\.$", finding.message) or re.search(
            r"local authority \((.*)\)\.$", finding.message)
        if found:
            names = found.group(1).split(", ")
            assert names == sorted(names), finding.message
            listed += len(names) > 1
    assert listed, "the shipped data needs messages that list several holders"


@pytest.mark.parametrize("order", [["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]])
def test_group_concat_is_sorted_whatever_the_order_of_the_data(order: list[str]) -> None:
    graph = Graph()
    for name in order:
        graph.add((EX.thing, EX.holder, EX[name]))
        graph.add((EX[name], EX.label, Literal(f"{name}, {name}")))
    text = ("SELECT ?t (GROUP_CONCAT(DISTINCT ?l; separator=\"; \") AS ?all) "
            "(GROUP_CONCAT(?l) AS ?spaced) WHERE { ?t <https://example.org/holder> ?h . "
            "?h <https://example.org/label> ?l } GROUP BY ?t")
    rows = list(OxigraphQueryGraph(graph).query(text, initBindings={"t": EX.thing}))
    assert [(str(r[1]), str(r[2])) for r in rows] == [
        ("a, a; b, b; c, c", "a, a b, b c, c")]


def test_only_group_concat_with_as_is_rewritten() -> None:
    text = 'SELECT (GROUP_CONCAT(DISTINCT COALESCE(?l, ""); separator=", ") AS ?x) ' \
        '(CONCAT("(", GROUP_CONCAT(?m), ")") AS ?y) WHERE { ?s ?p ?l }'
    rewritten, lists = ordered_lists(text)
    assert lists == {shacl_oxigraph.Variable("x"): ", "}
    assert rewritten == text.replace('separator=", "', f'separator="{shacl_oxigraph.UNIT}"')


def test_a_proposals_overlay_finds_what_a_full_copy_finds(analysis: Analysis) -> None:
    """Analysis.proposing reads the served graph and shapes through overlays (rdf.overlaid)
    and copies the served Oxigraph store as quads (so blank nodes keep their names) instead
    of copying every triple again: the findings must be those of full copies, and the served
    graph must not change."""
    graph, shapes = proposed(analysis)
    served = len(analysis.graph)
    proposal = load_proposal(REPO / "examples" / "proposal.yaml", analysis.graph)
    over, over_shapes = overlaid(analysis.graph), overlaid(analysis.shapes)
    over += proposal.triples
    over_shapes += proposal_shapes(proposal.models)
    assert len(over) == len(graph) and set(over) == set(graph)
    assert len(over_shapes) == len(shapes) and len(analysis.graph) == served
    copied = analysis.queryable.adding(over)
    assert len(copied.oxigraph) == len(OxigraphQueryGraph(graph).oxigraph)

    def found(data: OxigraphQueryGraph, shapes: Graph) -> list[tuple[Any, ...]]:
        return sorted((str(r.focus), str(r.value), r.message, r.severity, str(r.shape))
                      for r in run_shapes(data, shapes).results)

    afresh = found(OxigraphQueryGraph(graph), shapes)
    assert afresh and found(copied, over_shapes) == afresh
    with pytest.raises(TypeError):
        analysis.queryable.adding(graph)  # a copy, not an overlay of the served graph


def test_an_overlay_adds_without_changing_its_base() -> None:
    base = Graph()
    base.add((EX.a, EX.p, EX.b))
    over = overlaid(base)
    over.add((EX.a, EX.p, EX.b))  # held by the base: not added twice
    over.add((EX.a, EX.p, EX.c))
    assert len(over) == 2 and len(base) == 1
    assert sorted(over.objects(EX.a, EX.p)) == [EX.b, EX.c]  # the base's, then its own
    assert (EX.a, EX.p, EX.c) in over and (EX.a, EX.p, EX.c) not in base
    over.remove((EX.a, EX.p, EX.c))
    assert len(over) == 1
    with pytest.raises(TypeError):
        over.remove((EX.a, EX.p, EX.b))
    assert len(base) == 1
