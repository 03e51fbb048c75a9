"""OWL reasoning with HermiT (through owlready2): a consistency check and the class
memberships it infers, returned as triples. Runs at build time only, never per request."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from rolegraph.graph.rdf import qname, select
from rolegraph.vocab import BASE

BUILD_ONTOLOGY = BASE + "build"
SKIPPED_CLASSES = {OWL.Thing, OWL.NamedIndividual}


class InconsistencyError(Exception):
    """The ontology and data contradict each other; `clashes` names who and why."""

    def __init__(self, clashes: list[str]) -> None:
        self.clashes = clashes
        summary = "\n".join(f"  - {clash}" for clash in clashes)
        super().__init__(f"the ontology and data are inconsistent (HermiT):\n{summary}")


# Inferences already made in this process, by the content hash of the tree they came from:
# reasoning is a pure function of the input files, and a process that builds the same tree
# twice (tests, a server's reload) need not start HermiT twice. A few entries, each only the
# inferred triples (no blank nodes: they are class memberships of named individuals).
_MEMO: dict[str, bytes] = {}


def reason(graph: Graph, key: str | None = None) -> Graph:
    """Check consistency with HermiT and return the inferred rdf:type triples; `key` names
    the input (the tree's content hash) so that the same input is reasoned over once."""
    if key is not None and key in _MEMO:
        return Graph().parse(data=_MEMO[key].decode("utf-8"), format="nt")
    text = with_individual_declarations(graph).serialize(format="nt", encoding="utf-8")
    inferred = hermit(graph, text)
    if key is not None:
        if len(_MEMO) >= 4:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = inferred.serialize(format="nt", encoding="utf-8")
    return inferred


def hermit(graph: Graph, text: bytes) -> Graph:
    """Run HermiT on `text` (the N-Triples of `graph`); an inconsistency names its culprits."""
    import owlready2  # imported here: slow to import, and only a build needs it

    world = owlready2.World()
    ontology = world.get_ontology(BUILD_ONTOLOGY).load(fileobj=io.BytesIO(text), format="ntriples")
    try:
        with ontology:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError as error:
        world.close()
        raise InconsistencyError(diagnose(graph)) from error
    inferred = Graph()
    asserted = set(graph.subject_objects(RDF.type))
    for individual, cls in memberships(world):
        if (individual, cls) not in asserted:
            inferred.add((individual, RDF.type, cls))
    world.close()
    return inferred


# Dates outside the OWL 2 datatype map, which HermiT refuses; no class inference needs them.
NON_OWL_DATATYPES = {XSD.date, XSD.gYear, XSD.gYearMonth}


def with_individual_declarations(graph: Graph) -> Graph:
    """A copy for HermiT: dates it cannot read left out, and owl:NamedIndividual declared for
    every instance of a declared class (owlready2 only reports inferences for those)."""
    declared = Graph()
    for triple in graph:
        obj = triple[2]
        if not (isinstance(obj, Literal) and obj.datatype in NON_OWL_DATATYPES):
            declared.add(triple)
    classes = set(graph.subjects(RDF.type, OWL.Class))
    for subject, cls in graph.subject_objects(RDF.type):
        if cls in classes and isinstance(subject, URIRef):
            declared.add((subject, RDF.type, OWL.NamedIndividual))
    return declared


def memberships(world: Any) -> Iterator[tuple[URIRef, URIRef]]:
    """Every named class each individual belongs to, directly or through superclasses."""
    import owlready2

    for individual in world.individuals():
        for cls in individual.INDIRECT_is_a:
            if isinstance(cls, owlready2.ThingClass):
                iri = URIRef(cls.iri)
                if iri not in SKIPPED_CLASSES:
                    yield URIRef(individual.iri), iri


# Diagnosis: HermiT says only "inconsistent"; find the usual culprits so that a data
# author learns which individual and which statements clash.


def diagnose(graph: Graph) -> list[str]:
    clashes = list(disjoint_type_clashes(graph))
    clashes += list(functional_value_clashes(graph))
    clashes += list(enumeration_clashes(graph))
    clashes += list(employer_clashes(graph))
    return clashes or [
        "no simple clash found (disjoint types, repeated or out-of-range values); "
        "check the axioms added since the last good build"
    ]


def superclasses(graph: Graph, cls: URIRef) -> set[URIRef]:
    found = {cls}
    for parent in graph.transitive_objects(cls, RDFS.subClassOf):
        if isinstance(parent, URIRef):
            found.add(parent)
    return found


def disjoint_pairs(graph: Graph) -> set[frozenset[URIRef]]:
    pairs: set[frozenset[Node]] = {
        frozenset((a, b)) for a, b in graph.subject_objects(OWL.disjointWith)
    }
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = rdf_list(graph, graph.value(group, OWL.members))
        pairs |= {frozenset((a, b)) for a in members for b in members if a != b}
    return {
        frozenset(c for c in pair if isinstance(c, URIRef))
        for pair in pairs
        if all(isinstance(c, URIRef) for c in pair)
    }


def rdf_list(graph: Graph, head: Node | None) -> list[Node]:
    return [] if head is None else list(Collection(graph, head))


def explained_types(graph: Graph) -> dict[URIRef, dict[URIRef, str]]:
    """For each individual, the classes it must belong to and the statement that says so."""
    types: dict[URIRef, dict[URIRef, str]] = defaultdict(dict)

    def note(node: object, cls: object, why: str) -> None:
        if isinstance(node, URIRef) and isinstance(cls, URIRef):
            for parent in superclasses(graph, cls):
                types[node].setdefault(parent, why)

    declared_classes = set(graph.subjects(RDF.type, OWL.Class))
    for subject, cls in graph.subject_objects(RDF.type):
        if cls in declared_classes:
            note(subject, cls, f"it is typed {qname(graph, cls)}")
    for prop, domain in graph.subject_objects(RDFS.domain):
        for subject in graph.subjects(prop, None):
            note(subject, domain, f"it is the subject of {qname(graph, prop)}")
    for prop, rng in graph.subject_objects(RDFS.range):
        for subject, value in graph.subject_objects(prop):
            note(value, rng, f"it is the value of {qname(graph, prop)} on <{subject}>")
    return types


def disjoint_type_clashes(graph: Graph) -> Iterator[str]:
    pairs = disjoint_pairs(graph)
    for individual, classes in explained_types(graph).items():
        for pair in pairs:
            first, second = sorted(pair)
            if first in classes and second in classes:
                yield (
                    f"<{individual}> is both {qname(graph, first)} (because {classes[first]}) "
                    f"and {qname(graph, second)} (because {classes[second]}), "
                    "which the ontology declares disjoint"
                )
        yield from union_range_clashes(graph, individual, classes, pairs)


def union_range_clashes(
    graph: Graph, individual: URIRef, classes: dict[URIRef, str], pairs: set[frozenset[URIRef]]
) -> Iterator[str]:
    for prop, rng in graph.subject_objects(RDFS.range):
        if not isinstance(rng, BNode):
            continue
        options = [
            o for o in rdf_list(graph, graph.value(rng, OWL.unionOf)) if isinstance(o, URIRef)
        ]
        for subject in graph.subjects(prop, individual):
            for cls in classes:
                if options and all(frozenset((cls, option)) in pairs for option in options):
                    names = " or ".join(qname(graph, o) for o in options)
                    yield (
                        f"<{individual}> is the value of {qname(graph, prop)} on <{subject}>, "
                        f"which must be {names}, but {classes[cls]} "
                        f"({qname(graph, cls)} is disjoint with each)"
                    )


def functional_value_clashes(graph: Graph) -> Iterator[str]:
    for prop in graph.subjects(RDF.type, OWL.FunctionalProperty):
        if (prop, RDF.type, OWL.DatatypeProperty) not in graph:
            continue
        for subject in set(graph.subjects(prop, None)):
            values = set(graph.objects(subject, prop))
            if len(values) > 1:
                shown = ", ".join(sorted(f'"{v}"' for v in values))
                yield (
                    f"<{subject}> has {len(values)} values of {qname(graph, prop)} "
                    f"({shown}); it allows one"
                )


def enumeration_clashes(graph: Graph) -> Iterator[str]:
    for prop, rng in graph.subject_objects(RDFS.range):
        allowed_list = graph.value(rng, OWL.oneOf) if isinstance(rng, BNode) else None
        if allowed_list is None:
            continue
        allowed = {str(v) for v in Collection(graph, allowed_list)}
        for subject, value in graph.subject_objects(prop):
            if isinstance(value, Literal) and str(value) not in allowed:
                yield (
                    f'<{subject}> has {qname(graph, prop)} "{value}"; allowed: '
                    + ", ".join(f'"{a}"' for a in sorted(allowed))
                )


def employer_clashes(graph: Graph) -> Iterator[str]:
    query = """
        SELECT ?role ?employer WHERE {
            ?role rg:employedBy ?employer . ?employer a/rdfs:subClassOf* rg:LocalAuthority .
            { ?role rg:independentOf ?la . ?la a/rdfs:subClassOf* rg:LocalAuthority }
            UNION { ?role rg:employedBy ?other . ?other a/rdfs:subClassOf* rg:IndependentBody }
        }"""
    for row in select(graph, query):
        yield (
            f"<{row[0]}> is employed by the local authority <{row[1]}> and also independent "
            "of it (rg:IndependentRole and rg:LocalAuthorityRole are disjoint)"
        )
