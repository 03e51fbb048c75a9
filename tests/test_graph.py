"""What the built graph says, checked against ../shared/reference/domain-facts.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from rolegraph import __version__
from rolegraph.analysis.questions import Analysis
from rolegraph.graph.snapshot import Snapshot
from rolegraph.query.engine import Engine
from rolegraph.vocab import ONTOLOGY, RG

REPO = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/rolegraph/id/"
LEG = "http://www.legislation.gov.uk/id/"
CA1989 = "http://www.legislation.gov.uk/id/ukpga/1989/41"
REG44 = "http://www.legislation.gov.uk/id/uksi/2015/541/regulation/44"
MODELS = [
    "current",
    "csw-bill-2016",
    "fostering-stocktake-2018",
    "adcs-2018",
    "government-response-2018",
    "care-review-2022",
    "nagalro-2022",
    "government-response-2023",
]
ROLES = [
    "iro",
    "advocate",
    "reg44-visitor",
    "cafcass-guardian",
    "social-worker",
    "team-manager",
    "independent-visitor",
]

HOLDERS = """
SELECT ?model ?function ?role ?basis ?source WHERE {
    ?a rg:model ?model ; rg:function ?function ; rg:role ?role .
    OPTIONAL { ?a rg:basis ?basis } OPTIONAL { ?a dcterms:source ?source }
}"""


def holders(engine: Engine, model: str, function: str) -> list[dict[str, str]]:
    return engine.select(HOLDERS, model=f"{ID}model/{model}", function=f"{ID}function/{function}")


def test_every_ttl_file_parses() -> None:
    files = [p for p in REPO.rglob("*.ttl") if ".venv" not in p.parts]
    assert len(files) > 10
    for path in files:
        Graph().parse(path, format="turtle")


def test_ontology_version_is_the_package_version() -> None:
    graph = Graph().parse(REPO / "ontology" / "rolegraph.ttl")
    assert str(graph.value(ONTOLOGY, OWL.versionInfo)) == __version__
    assert graph.value(ONTOLOGY, OWL.versionIRI) == URIRef(f"{ONTOLOGY}/{__version__}")


def test_vocab_module_mirrors_the_ontology() -> None:
    graph = Graph()
    for path in (REPO / "ontology").glob("*.ttl"):
        graph.parse(path)
    defined = {str(s)[len(str(RG._NS)) :] for s in graph.subjects(RDFS.isDefinedBy, ONTOLOGY)}
    assert defined == set(RG.__annotations__)
    for name in defined:  # every term labelled and defined
        term = RG[name]
        assert graph.value(term, RDFS.label) and graph.value(term, SKOS.definition), name


def test_all_models_and_canonical_roles_exist(engine: Engine) -> None:
    models = {r["m"] for r in engine.select("SELECT ?m WHERE { ?m a rg:ReformModel }")}
    assert {f"{ID}model/{m}" for m in MODELS} <= models
    roles = {r["r"] for r in engine.select("SELECT ?r WHERE { ?r a rg:Role }")}
    assert {f"{ID}role/{r}" for r in ROLES} <= roles


def test_every_model_has_date_status_and_proposer(engine: Engine) -> None:
    rows = engine.select("""SELECT ?m ?status ?proposer WHERE {
        ?m a rg:ReformModel ; rg:status ?status ; rg:proposedBy ?proposer }""")
    described = {r["m"] for r in rows}
    assert {f"{ID}model/{m}" for m in MODELS} <= described
    dated = {
        r["m"] for r in engine.select("SELECT ?m WHERE { ?m a rg:ReformModel ; dcterms:date ?d }")
    }
    assert {f"{ID}model/{m}" for m in MODELS if m != "current"} <= dated


def test_refer_to_cafcass_is_the_iros_under_current_by_section_25b(engine: Engine) -> None:
    rows = holders(engine, "current", "refer-to-cafcass")
    assert {r["role"] for r in rows} == {f"{ID}role/iro"}
    bases = {r["basis"] for r in rows if "basis" in r}
    assert any(
        b == f"{CA1989}/section/25B" or b.startswith(f"{CA1989}/section/25B/") for b in bases
    )
    labels = engine.select(
        "SELECT ?b ?label WHERE { ?b rdfs:label ?label }",
        b=sorted(b for b in bases if "25B" in b)[0],
    )
    assert labels and labels[0]["label"].startswith("CA 1989 s.25B")


def test_reg44_visits_are_the_reg44_visitors_under_regulation_44(engine: Engine) -> None:
    rows = holders(engine, "current", "visit-childrens-home-monthly-and-report")
    assert {r["role"] for r in rows} == {f"{ID}role/reg44-visitor"}
    assert any(
        r.get("basis", "").startswith(
            "http://www.legislation.gov.uk/id/uksi/2015/541/regulation/44"
        )
        for r in rows
    )


def test_care_review_removes_the_iro_and_the_reg44_visitor(engine: Engine) -> None:
    included = {
        r["r"]
        for r in engine.select(
            "SELECT ?m ?r WHERE { ?m rg:includesRole ?r }", m=f"{ID}model/care-review-2022"
        )
    }
    assert f"{ID}role/iro" not in included and f"{ID}role/reg44-visitor" not in included
    assert f"{ID}role/advocate" in included and f"{ID}role/cafcass-guardian" in included
    retired = {
        r["f"]
        for r in engine.select(
            "SELECT ?m ?f WHERE { ?m rg:retires ?f }", m=f"{ID}model/care-review-2022"
        )
    }
    assert retired == {f"{ID}function/appoint-iro", f"{ID}function/appoint-reg44-visitor"}


@pytest.mark.parametrize("model", ["csw-bill-2016", "fostering-stocktake-2018", "adcs-2018"])
def test_iro_optional_proposals_are_modelled_as_an_exempting_council(
    engine: Engine, model: str
) -> None:
    included = {
        r["r"]
        for r in engine.select(
            "SELECT ?m ?r WHERE { ?m rg:includesRole ?r }", m=f"{ID}model/{model}"
        )
    }
    assert f"{ID}role/iro" not in included
    # the reference names no new holder for the IRO-only referral power: it is left a gap
    assert holders(engine, model, "refer-to-cafcass") == []
    assert holders(engine, model, "escalate-and-resolve-disputes") == []


def test_every_answer_cites_a_basis_or_source(engine: Engine) -> None:
    uncited = engine.select("""SELECT ?a WHERE { ?a a rg:Assignment
        FILTER NOT EXISTS { ?a rg:basis ?b } FILTER NOT EXISTS { ?a dcterms:source ?s } }""")
    assert uncited == []
    counts = engine.select("""SELECT ?m (COUNT(?a) AS ?n) WHERE { ?a rg:model ?m } GROUP BY ?m""")
    assert {r["m"] for r in counts} >= {f"{ID}model/{m}" for m in MODELS}


def test_every_fact_names_its_source(engine: Engine, analysis: Analysis) -> None:
    """DESIGN: facts carry dcterms:source. An assignment or relation that cites only law
    has that law as its source (derived at build), and a page still names it once, as law."""
    sourceless = engine.select("""SELECT ?fact WHERE { VALUES ?kind { rg:Assignment rg:Relation }
        ?fact a ?kind FILTER NOT EXISTS { ?fact dcterms:source ?s } }""")
    assert sourceless == []
    example = f"{ID}assignment/current--iro--refer-to-cafcass"
    cited = {r["s"] for r in engine.select(f"SELECT ?s WHERE {{ <{example}> dcterms:source ?s }}")}
    assert f"{LEG}ukpga/1989/41/section/25B/3/a" in cited
    for cell in analysis.report.cells.values():
        for holder in cell.holders:
            assert not set(holder.bases) & set(holder.sources), (cell, holder)


def test_every_function_is_answered_under_every_model(engine: Engine) -> None:
    """Each (model, function) has a holder, is retired, is a function another model brings in
    (rg:introducedBy), or is one of the reference's gaps."""
    gaps = {
        (m, f)
        for m in ("csw-bill-2016", "fostering-stocktake-2018", "adcs-2018")
        for f in (
            "escalate-and-resolve-disputes",
            "refer-to-cafcass",
            "help-child-obtain-legal-advice",
        )
    }
    rows = engine.select("""SELECT ?m ?f WHERE {
        ?m a rg:ReformModel . ?f a rg:Function .
        FILTER NOT EXISTS { ?a rg:model ?m ; rg:function ?f }
        FILTER NOT EXISTS { ?m rg:retires ?f }
        FILTER NOT EXISTS { ?f rg:introducedBy ?by FILTER (?by != ?m) } }""")
    unanswered = {(r["m"].rsplit("/", 1)[1], r["f"].rsplit("/", 1)[1]) for r in rows}
    assert unanswered == gaps


def test_reasoner_classifies_roles_by_employer(snapshot: Snapshot, engine: Engine) -> None:
    independent = {r["r"] for r in engine.select("SELECT ?r WHERE { ?r a rg:IndependentRole }")}
    local = {r["r"] for r in engine.select("SELECT ?r WHERE { ?r a rg:LocalAuthorityRole }")}
    assert {f"{ID}role/cafcass-guardian", f"{ID}role/advocate"} <= independent
    assert {f"{ID}role/iro", f"{ID}role/social-worker", f"{ID}role/team-manager"} <= local
    assert f"{ID}role/iro" not in independent
    # these memberships come from HermiT, not from the authors
    inferred = Graph().parse(snapshot.path / "inferred.nt")
    assert (URIRef(f"{ID}role/cafcass-guardian"), RDF.type, RG.IndependentRole) in inferred
    assert (URIRef(f"{ID}role/iro"), RDF.type, RG.LocalAuthorityRole) in inferred
    asserted = Graph().parse(snapshot.path / "asserted.nt")
    assert (None, RDF.type, RG.IndependentRole) not in asserted


def test_reasoner_classifies_provisions_and_contested_assignments(engine: Engine) -> None:
    assert bool(engine.query(f"ASK {{ <{CA1989}/section/25B> a <{RG.ActProvision}> }}"))
    assert bool(engine.query(f"ASK {{ <{REG44}> a <{RG.SecondaryProvision}> }}"))
    contested = engine.select("SELECT ?a WHERE { ?a a rg:ContestedAssignment }")
    marked = engine.select('SELECT ?a WHERE { ?a rg:confidence "contested" }')
    assert contested and {r["a"] for r in marked} <= {r["a"] for r in contested}


def test_holds_is_derived_for_the_current_system(engine: Engine) -> None:
    assert bool(
        engine.query(
            f"ASK {{ <{ID}role/iro> <{RG.holds}> <{ID}function/refer-to-cafcass> . "
            f"<{ID}function/refer-to-cafcass> <{RG.heldBy}> <{ID}role/iro> }}"
        )
    )
