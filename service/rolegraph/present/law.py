"""The law's pages, from a Site: time lines of the statutory system, provisions and
instruments, the ontology, and each entity's RDF description."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS

from rolegraph.graph import lawtime
from rolegraph.present.records import (
    DEF,
    VANN_PREFIX,
    Fact,
    Holding,
    OntologyView,
    PeriodView,
    ProvisionView,
    Ref,
    TermView,
    TimelineView,
)
from rolegraph.present.views import Site, official_url
from rolegraph.vocab import ONTOLOGY, PREFIXES, RG, UnknownName


def timeline(site: Site, kind: str, name: str) -> TimelineView:
    """Who held the function (or what the role held) under the statutory system, when."""
    iri = site.iri(kind, name)
    known = site.report.roles if kind == "role" else site.report.functions
    if kind not in ("role", "function") or iri not in known:
        raise UnknownName(f"no {kind} '{name}'")
    periods = []
    for p in lawtime.timeline(site.graph, iri):
        holding = Holding(site.ref(str(lawtime.SYSTEM)), site.ref(p.role), site.ref(p.function),
                          p.confidence,
                          tuple(site.ref(b) for b in p.bases if not site.is_guidance(b)),
                          tuple(site.ref(s) for s in p.sources), site.ref(p.assignment),
                          p.quote, tuple(site.ref(b) for b in p.bases if site.is_guidance(b)))
        periods.append(PeriodView(p.valid_from, p.valid_until, holding))
    return TimelineView(site.ref(iri), kind, periods)


def provision(site: Site, iri: str) -> ProvisionView:
    entity = site.entity(iri)
    node = URIRef(iri)
    chain: list[Ref] = []
    parent = site.graph.value(node, RG.partOf)
    while isinstance(parent, URIRef) and len(chain) < 10:
        chain.insert(0, site.ref(str(parent)))
        parent = site.graph.value(parent, RG.partOf)
    family = {iri, *descendants(site, iri)}
    basis_for = []
    for model in site.report.models:
        for function in site.report.functions:
            for holder in site.report.cell(model, function).holders:
                if family & set(holder.bases):
                    basis_for.append(site.holding(model, function, holder))
    creates = site.refs(f for p in family for f in site.graph.subjects(RG.createdBy, URIRef(p)))
    establishes = site.refs(r for p in family
                            for r in site.graph.subjects(RG.establishedBy, URIRef(p)))
    return ProvisionView(entity, site.text(iri, SKOS.notation), chain,
                         site.refs(site.graph.subjects(RG.partOf, node)), creates,
                         establishes, basis_for, site.objects(iri, RG.insertedBy),
                         official_url(site, iri))


def descendants(site: Site, iri: str) -> set[str]:
    found: set[str] = set()
    todo = [URIRef(iri)]
    while todo:
        for child in site.graph.subjects(RG.partOf, todo.pop()):
            if isinstance(child, URIRef) and str(child) not in found:
                found.add(str(child))
                todo.append(child)
    return found


def instruments(site: Site) -> list[tuple[Ref, list[Ref]]]:
    """Each instrument with its top-level provisions (the ones it directly contains)."""
    kinds = (RG.LegalInstrument, RG.Act, RG.StatutoryInstrument, RG.StatutoryGuidance,
             RG.PracticeDirection)
    found = {str(s) for k in kinds for s in site.graph.subjects(RDF.type, k)}
    return [(site.ref(i), site.refs(site.graph.subjects(RG.partOf, URIRef(i))))
            for i in sorted(found, key=lambda i: site.label(i).lower())]


def ontology(site: Site) -> OntologyView:
    node = ONTOLOGY
    terms = [t for t in set(site.graph.subjects(RDFS.isDefinedBy, node))
             if isinstance(t, URIRef) and str(t).startswith(DEF)]

    def term(t: URIRef) -> TermView:
        facts = []
        for prop in (RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith, RDFS.domain,
                     RDFS.range, OWL.inverseOf, RDFS.subPropertyOf, DCTERMS.source):
            values = [site.ref(str(v)) for v in site.graph.objects(t, prop)
                      if isinstance(v, URIRef)]
            if values:
                facts.append(Fact(site.ref(str(prop)), tuple(values)))
        return TermView(site.ref(str(t)), str(t)[len(DEF):], site.text(str(t), SKOS.definition)
                        or site.text(str(t), RDFS.comment), facts)

    classes = [term(t) for t in terms if (t, RDF.type, OWL.Class) in site.graph]
    properties = [term(t) for t in terms if (t, RDF.type, OWL.Class) not in site.graph]
    order = lambda v: v.local.lower()  # noqa: E731
    facts = []
    for prop in (DCTERMS.creator, DCTERMS.license, DCTERMS.created, DCTERMS.modified,
                 OWL.priorVersion):
        values = [site.ref(str(v)) if isinstance(v, URIRef) else str(v)
                  for v in site.graph.objects(node, prop)]
        if values:
            facts.append(Fact(site.ref(str(prop)), tuple(values)))
    return OntologyView(site.text(str(node), DCTERMS.title) or site.label(str(node)),
                        site.text(str(node), DCTERMS.description)
                        or site.text(str(node), SKOS.definition)
                        or site.text(str(node), RDFS.comment),
                        site.text(str(node), OWL.versionInfo),
                        str(site.graph.value(node, OWL.versionIRI) or ""),
                        site.text(str(node), VANN_PREFIX) or "rg",
                        facts, sorted(classes, key=order), sorted(properties, key=order))


def ontology_graph(site: Site) -> Graph:
    """The ontology's own triples: its header and every term it defines, with blank nodes."""
    out = Graph()
    out.bind("rg", DEF)
    subjects = [ONTOLOGY, *(t for t in site.graph.subjects(RDFS.isDefinedBy, ONTOLOGY))]
    for subject in subjects:
        out += site.graph.cbd(subject)
    return out


def description(site: Site, iri: str) -> Graph:
    """The triples about one entity (its concise bounded description)."""
    node = URIRef(iri)
    out = site.graph.cbd(node)
    for assignment, link in site.graph.subject_predicates(node):  # who-does-what rows on it
        if link in (RG.role, RG.function, RG.model):
            out.add((assignment, link, node))
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace)
    return out
