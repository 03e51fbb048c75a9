"""Relations between roles (issue 18, part 3): data checked against the graph, the integrity
shape, and every drawn edge (Graphviz SVG, Mermaid, the slide's centre picture) checked against
the data: each edge is a relation of the model with its basis or source, and no edge is drawn
that the data does not hold."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.query.engine import Engine
from rolegraph.trainer import diagrams, render, slides
from rolegraph.trainer.relations import CHILD, KIND_STYLE, Relation
from rolegraph.vocab import RG, entity

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
CURRENT = str(entity("model", "current"))
LEG = "http://www.legislation.gov.uk/id/"

# The relations the brief asks for, each by the provision that says so (the data's words are
# checked below; these pin that the right law is cited, not just some law).
EXPECTED = {
    ("local-authority", "appoints", "iro"): LEG + "ukpga/1989/41/section/25A",
    ("registered-person", "appoints", "reg44-visitor"): LEG + "uksi/2015/541/regulation/43",
    ("iro", "refers to", "cafcass-guardian"): LEG + "ukpga/1989/41/section/25B/3/a",
    ("reg44-visitor", "visits", "registered-person"): LEG + "uksi/2015/541/regulation/44",
    ("reg44-visitor", "reports to", "registered-person"): LEG + "uksi/2015/541/regulation/44",
    ("ofsted", "inspects", "registered-person"): LEG + "ukpga/2000/14/section/31",
    ("family-court", "appoints", "cafcass-guardian"): LEG + "ukpga/1989/41/section/41",
}


def end(iri: str) -> str:
    return "the-child" if iri == CHILD else slug(iri)


def current(facts: diagrams.Facts) -> list[Relation]:
    return facts.relations[CURRENT]


def test_relations_are_read_from_the_graph_with_their_law(engine: Engine,
                                                          facts: diagrams.Facts) -> None:
    rows = engine.select("""SELECT ?r ?from ?kind ?to WHERE { ?r a rg:Relation ;
        rg:model model:current ; rg:fromRole ?from ; rg:relationKind ?kind ; rg:toRole ?to }""")
    in_graph = {(r["r"], r["from"], r["kind"], r["to"]) for r in rows}
    read = {(x.iri, x.source, x.kind, x.target) for x in current(facts)}
    assert in_graph == read and len(read) >= len(EXPECTED)
    by_triple = {(end(x.source), x.kind, end(x.target)): x for x in current(facts)}
    for triple, provision in EXPECTED.items():
        assert provision in by_triple[triple].bases, triple
    refer = by_triple[("iro", "refers to", "cafcass-guardian")]
    assert "may be referred" in refer.quote  # s.25B(3) is a power, never "must refer"


def test_every_relation_cites_law_or_a_source_and_stated_ones_quote(
        facts: diagrams.Facts, engine: Engine) -> None:
    provisions = {r["p"] for r in engine.select(
        "SELECT ?p WHERE { { ?p a rg:Provision } UNION { ?p a rg:LegalInstrument } }")}
    for relation in current(facts):
        assert relation.bases or relation.sources, relation.iri
        assert set(relation.bases) <= provisions, relation.iri
        assert relation.kind in KIND_STYLE
        if relation.confidence == "stated" and relation.bases:
            assert relation.quote, relation.iri
        else:  # what is not stated in the law read says what would settle it
            assert relation.unverified, relation.iri


def broken(data: Graph, focus: URIRef) -> set[str]:
    """The integrity messages about `focus` (the other entities are stubs)."""
    shapes = Graph().parse(REPO / "shapes" / "integrity.ttl")
    _, report, _ = validate(data, shacl_graph=shapes)
    assert isinstance(report, Graph)
    return {str(report.value(r, SH.resultMessage)) for r in report.subjects(SH.focusNode, focus)}


def test_the_integrity_shape_refuses_an_unsourced_or_unquoted_relation() -> None:
    rel, role = URIRef("https://w3id.org/rolegraph/id/relation/x"), entity("role", "iro")
    model, basis = entity("model", "current"), URIRef(LEG + "ukpga/1989/41/section/25A")
    data = Graph()
    data.add((rel, RDF.type, RG.Relation))
    for s, p, o in ((role, RDF.type, RG.Role), (model, RDF.type, RG.ReformModel),
                    (basis, RDF.type, RG.Provision)):
        data.add((s, p, o))
    for p, o in ((RG.model, model), (RG.fromRole, role), (RG.toRole, RG.theChild),
                 (RG.relationKind, Literal("visits")), (RG.confidence, Literal("stated"))):
        data.add((rel, p, o))
    data.add((RG.theChild, RDF.type, RG.Child))
    data.add((rel, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("x")))
    unsourced = broken(data, rel)
    assert any("cites something" in m for m in unsourced)
    data.add((rel, RG.basis, basis))
    unquoted = broken(data, rel)
    assert any("no rg:quote" in m for m in unquoted)
    data.add((rel, RG.quote, Literal("the words")))
    assert not broken(data, rel)
    data.set((rel, RG.relationKind, Literal("supervises")))
    assert any("rg:relationKind" in m for m in broken(data, rel))


def edges(svg: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {e.get("id", ""): e for e in root.iter() if (e.get("id") or "").startswith("rel--")}


@pytest.mark.parametrize("setting", [None, "childrens-home", "foster-care", "care-proceedings"])
def test_each_drawn_edge_is_a_relation_with_its_basis(facts: diagrams.Facts,
                                                      setting: str | None) -> None:
    view = diagrams.model_view(facts, "current", setting=setting)
    svg = render.render(diagrams.to_dot(view), "svg")
    drawn = edges(svg)
    known = {f"rel--{slug(x.iri)}": x for x in current(facts)}
    assert set(drawn) <= set(known)  # no edge without a relation in the data
    boxes = set(view.boxes)
    expected = {k for k, x in known.items()
                if x.source in boxes and (x.target == CHILD or x.target in boxes)}
    assert set(drawn) == expected  # and every relation between drawn roles is drawn
    for key, element in drawn.items():
        relation = known[key]
        assert relation.kind in " ".join(t.text or "" for t in element.iter(f"{SVG}text"))
        title = " ".join(a.get(f"{XLINK}title", "") for a in element.iter(f"{SVG}a"))
        assert relation.citation(facts.report) and relation.citation(facts.report) in title
    assert "the-child" in {e.get("id") for e in ET.fromstring(svg).iter()}


def test_the_childrens_home_shows_who_appoints_visits_and_inspects(
        facts: diagrams.Facts) -> None:
    view = diagrams.model_view(facts, "current", setting="childrens-home")
    kinds = {(end(x.source), x.kind, end(x.target)) for x in view.relations}
    assert {("registered-person", "appoints", "reg44-visitor"),
            ("reg44-visitor", "visits", "registered-person"),
            ("ofsted", "inspects", "registered-person"),
            ("local-authority", "appoints", "iro")} <= kinds


def test_mermaid_draws_the_same_relations(facts: diagrams.Facts) -> None:
    view = diagrams.model_view(facts, "current", setting="childrens-home")
    text = diagrams.to_mermaid(view)
    links = re.findall(r"^  (\w+) (==>|-\.->)\|\"([^\"]+)\"\| (\w+)$", text, re.M)
    assert len(links) == len(view.relations) > 0
    want = {(f"role_{end(x.source)}".replace("-", "_"), x.kind,
             "child" if x.to_child else f"role_{end(x.target)}".replace("-", "_"))
            for x in view.relations}
    assert {(a, label.split(" (")[0], b) for a, _, label, b in links} == want
    dotted = {(a, b) for a, arrow, _, b in links if arrow == "-.->"}
    assert len(dotted) == sum(x.confidence != "stated" for x in view.relations)


def test_the_slide_centre_draws_the_relations(analysis: Analysis,
                                              facts: diagrams.Facts) -> None:
    roles = slides.role_slides(analysis, facts, "current")
    svg = ET.fromstring(render.render(slides.centre_dot(facts, roles, "t", current(facts)),
                                      "svg"))
    ns = "{http://www.w3.org/2000/svg}"
    labels = ["".join(t.text or "" for t in g.iter(f"{ns}text")) for g in svg.iter(f"{ns}g")
              if g.get("id", "").startswith("rel--")]
    with_functions = {s.role for s in roles if s.lines}
    expected = [x for x in current(facts) if x.source in with_functions
                and (x.to_child or x.target in with_functions)]
    assert sorted(labels) == sorted(x.kind + ("" if x.confidence == "stated"
                                              else f" ({x.confidence})") for x in expected)


def test_print_the_child_centred_drawings(facts: diagrams.Facts, analysis: Analysis) -> None:
    out = REPO / "test-output" / "relations"
    out.mkdir(parents=True, exist_ok=True)
    for setting in (None, "childrens-home"):
        dot = diagrams.to_dot(diagrams.model_view(facts, "current", setting=setting))
        png = render.render(dot, "png")
        assert png.startswith(b"\x89PNG")
        (out / f"current-{setting or 'all'}.png").write_bytes(png)
    roles = slides.role_slides(analysis, facts, "current")
    centre = slides.centre_dot(facts, roles, "Around the child: current", current(facts))
    (out / "slide-centre.png").write_bytes(render.render(centre, "png", dpi=100, fit="12,6.2"))
