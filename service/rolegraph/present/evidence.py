"""How sure the graph is of who does what ("How sure is this?"): per reform model, its
assignments by confidence and quotation, those resting on secondary sources only, and every
entity still marked unverified or only inferred. The questions are the SPARQL files in
`queries/evidence/` (not the public gallery); this module only lays their answers out:

    >>> summary = evidence(site.graph)
    >>> summary.models[0].counts["stated"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from rdflib import Graph
from rdflib.query import ResultRow
from rdflib.term import Node

from rolegraph.analysis.coverage import slug
from rolegraph.graph.rdf import select
from rolegraph.graph.shacl_oxigraph import OxigraphQueryGraph
from rolegraph.present.records import Ref, href

CONFIDENCES = ("stated", "inferred", "contested")


@dataclass(frozen=True)
class SecondaryOnly:
    """An assignment with no legal basis whose every source is a secondary source."""

    assignment: Ref
    role: Ref | None
    function: Ref | None
    confidence: str
    sources: tuple[Ref, ...]


@dataclass
class ModelEvidence:
    """One model's assignments: counts by confidence, and how the stated ones are quoted."""

    model: Ref
    status: str
    date: str
    assignments: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONFIDENCES, 0))
    quoted: int = 0  # stated, with rg:quote
    basis_without_quote: int = 0  # stated, with rg:basis but no rg:quote: should be none
    secondary_only: list[SecondaryOnly] = field(default_factory=list)


@dataclass(frozen=True)
class Flagged:
    """An entity whose evidence is marked short: what it is, and the note that says why."""

    entity: Ref
    kind: str
    note: str


@dataclass
class EvidenceSummary:
    models: list[ModelEvidence]
    unverified: list[Flagged]  # every subject with rg:unverified, one entry per note
    inferred: list[Flagged]  # entities other than assignments with rg:confidence "inferred"


@cache
def query(name: str) -> str:
    """The text of `queries/evidence/{name}.rq`."""
    path = resources.files("rolegraph").joinpath("queries", "evidence", f"{name}.rq")
    return path.read_text(encoding="utf-8")


def evidence(graph: Graph) -> EvidenceSummary:
    """The whole evidence summary of `graph` (the pages' graph, or any other)."""
    if not isinstance(graph, OxigraphQueryGraph):
        graph = OxigraphQueryGraph(graph)  # the queries on Oxigraph: 5 ms, not 0.6 s, each
    models = model_counts(graph)
    for model, entry in secondary_only(graph):
        if model in models:
            models[model].secondary_only.append(entry)
    ordered = sorted(models.values(), key=lambda m: (
        slug(m.model.iri) != "current", m.date or "~", m.model.label.lower()))
    return EvidenceSummary(ordered, flagged(graph, "unverified"),
                           flagged(graph, "inferred-entities"))


def model_counts(graph: Graph) -> dict[str, ModelEvidence]:
    models: dict[str, ModelEvidence] = {}
    seen: set[tuple[str, str]] = set()
    for row in select(graph, query("models")):
        iri = str(row.model)
        if iri not in models:
            models[iri] = ModelEvidence(ref(row.model, row.label), text(row.status),
                                        text(row.date))
        if row.confidence is None or (iri, str(row.confidence)) in seen:
            continue  # no assignments, or the same counts again under another label
        seen.add((iri, str(row.confidence)))
        counted, confidence = models[iri], str(row.confidence) or "none"
        how_many = number(row.assignments)
        counted.assignments += how_many
        counted.counts[confidence] = counted.counts.get(confidence, 0) + how_many
        if confidence == "stated":
            counted.quoted += number(row.quoted)
            counted.basis_without_quote += number(row.basisWithoutQuote)
    return models


def secondary_only(graph: Graph) -> list[tuple[str, SecondaryOnly]]:
    """(model, assignment) for each assignment resting on secondary sources only."""
    rows: dict[str, list[ResultRow]] = {}
    for row in select(graph, query("secondary-only")):
        rows.setdefault(str(row.assignment), []).append(row)
    found = []
    for group in rows.values():
        first = group[0]
        sources = {str(r.source): ref(r.source, r.sourceLabel) for r in group}
        found.append((str(first.model), SecondaryOnly(
            ref(first.assignment, first.label),
            ref(first.role, first.roleLabel) if first.role is not None else None,
            ref(first.function, first.functionLabel) if first.function is not None else None,
            text(first.confidence), tuple(sorted(sources.values(), key=lambda s: s.label)))))
    return found


def flagged(graph: Graph, name: str) -> list[Flagged]:
    """Each subject and note the query names once, under its most specific kind."""
    found: dict[tuple[str, str], Flagged] = {}
    for row in select(graph, query(name)):  # ordered by subject, then kind rank
        key = (str(row.subject), text(row.note))
        if key not in found:
            kind = text(row.kind) or kind_from_iri(str(row.subject))
            found[key] = Flagged(ref(row.subject, row.label), kind, text(row.note))
    return sorted(found.values(), key=lambda f: (f.kind, f.entity.label.lower(), f.note))


def ref(node: Node, label: Node | None) -> Ref:
    iri = str(node)
    return Ref(iri, str(label) if label is not None else slug(iri), href(iri))


def text(node: Node | None) -> str:
    return "" if node is None else str(node)


def number(node: Node | None) -> int:
    return int(str(node)) if node is not None else 0


def kind_from_iri(iri: str) -> str:
    """`role` for https://w3id.org/rolegraph/id/role/..., else "other"."""
    marker = "/rolegraph/id/"
    return iri.split(marker, 1)[1].split("/", 1)[0] if marker in iri else "other"


__all__ = ["CONFIDENCES", "EvidenceSummary", "Flagged", "ModelEvidence", "SecondaryOnly",
           "evidence"]
