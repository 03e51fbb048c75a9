"""Relations between the roles around a child (issue 18, part 3), read from the data
(`rg:Relation`, data/relations.ttl) and drawn with the child at the centre: who appoints,
refers to, visits, reports to, inspects or represents whom, each edge labelled with its kind
and carrying its legal basis (or source) in its tooltip. See docs/decisions/
20261202-relations.md. Nothing here is drawn by hand: an edge is a relation of the model."""

from __future__ import annotations

from dataclasses import dataclass

from graphviz import Digraph
from rdflib import Graph

from rolegraph.analysis.coverage import CoverageReport, slug
from rolegraph.graph.rdf import select
from rolegraph.trainer.dottext import esc, html_label, plain
from rolegraph.vocab import RG

FONT = "DejaVu Sans"  # as facts.FONT (facts imports this module)
CHILD = str(RG.theChild)
CHILD_NODE = "the-child"
KIND_STYLE = {  # colour and line style per kind, so it reads in black and white too
    "appoints": ("#1f4e99", "solid"),
    "refers to": ("#8a2be2", "dashed"),
    "visits": ("#1b7a3a", "solid"),
    "reports to": ("#c05800", "dashed"),
    "inspects": ("#6a3d9a", "bold"),
    "represents": ("#b8860b", "bold"),
}
RELATIONS = """
SELECT ?model ?relation ?label ?from ?to ?kind ?confidence ?basis ?source ?quote ?unverified WHERE {
    ?relation a rg:Relation ; rg:model ?model ; rg:fromRole ?from ; rg:toRole ?to ;
        rg:relationKind ?kind ; rg:confidence ?confidence .
    OPTIONAL { ?relation rdfs:label ?label }
    OPTIONAL { ?relation rg:basis ?basis }
    OPTIONAL { ?relation dcterms:source ?source }
    OPTIONAL { ?relation rg:quote ?quote }
    OPTIONAL { ?relation rg:unverified ?unverified }
}"""


@dataclass(frozen=True)
class Relation:
    """One sourced relation of a model: `source` acts on `target` (a role IRI or CHILD)."""

    iri: str
    label: str
    source: str
    target: str
    kind: str
    confidence: str
    bases: tuple[str, ...]
    sources: tuple[str, ...]
    quote: str = ""
    unverified: str = ""

    @property
    def to_child(self) -> bool:
        return self.target == CHILD

    def citation(self, report: CoverageReport) -> str:
        """The labels of its bases, else of its sources."""
        return "; ".join(report.label(x) for x in self.bases or self.sources)

    def tooltip(self, report: CoverageReport) -> str:
        text = f"{self.label}. Basis: {self.citation(report)} ({self.confidence})."
        if self.quote:
            text += f' "{self.quote}"'
        if self.unverified:
            text += " Not verified: " + self.unverified
        return text


def relations_by_model(graph: Graph) -> dict[str, list[Relation]]:
    """Every model's relations (model IRI -> relations in a stable order: kind, from, to)."""
    found: dict[tuple[str, str], dict[str, object]] = {}
    for row in select(graph, RELATIONS):
        item = found.setdefault((str(row.model), str(row.relation)), {
            "label": str(row.label or ""), "from": str(row["from"]), "to": str(row.to),
            "kind": str(row.kind), "confidence": str(row.confidence), "bases": set(),
            "sources": set(), "quote": str(row.quote or ""),
            "unverified": str(row.unverified or "")})
        for key, value in (("bases", row.basis), ("sources", row.source)):
            if value is not None:
                bucket = item[key]
                assert isinstance(bucket, set)
                bucket.add(str(value))
    out: dict[str, list[Relation]] = {}
    for (model, iri), item in found.items():
        bases, sources = item["bases"], item["sources"]
        assert isinstance(bases, set) and isinstance(sources, set)
        out.setdefault(model, []).append(Relation(
            iri, str(item["label"]), str(item["from"]), str(item["to"]), str(item["kind"]),
            str(item["confidence"]), tuple(sorted(bases)), tuple(sorted(sources - bases)),
            str(item["quote"]), str(item["unverified"])))
    return {m: sorted(rs, key=lambda r: (list(KIND_STYLE).index(r.kind)
                                         if r.kind in KIND_STYLE else 99, r.source, r.target))
            for m, rs in out.items()}


def shown(relations: list[Relation], roles: set[str]) -> list[Relation]:
    """The relations both of whose ends are in the drawing (`roles`, or the child)."""
    return [r for r in relations if r.source in roles and (r.to_child or r.target in roles)]


def edge_label(relation: Relation) -> str:
    mark = "" if relation.confidence == "stated" else f" ({relation.confidence})"
    return relation.kind + mark


def dot_edges(graph: Digraph, relations: list[Relation], tips: dict[str, str],
              node: dict[str, str], constraint: bool = False) -> None:
    """One edge per relation in `graph`, between the nodes `node` names (role IRI -> node
    name; the child is CHILD_NODE). Each edge's id names the relation's slug. A `label`, not
    an `xlabel`: dot makes room for a label (between two neighbours, or in the rank above),
    while it puts an xlabel wherever it falls, on the boxes and on each other."""
    for relation in relations:
        colour, style = KIND_STYLE.get(relation.kind, ("#555555", "solid"))
        if relation.confidence != "stated":
            style = "dotted"
        head = CHILD_NODE if relation.to_child else node[relation.target]
        graph.edge(node[relation.source], head, id=f"rel--{slug(relation.iri)}", style=style,
                   color=colour, fontcolor=colour, penwidth="1.8",
                   label=html_label(f"<B>{esc(edge_label(relation))}</B>"),
                   fontname=FONT, fontsize="11", constraint=str(constraint).lower(),
                   tooltip=plain(tips.get(relation.iri, relation.label)))


def child_node(graph: Digraph, size: float = 1.3) -> None:
    graph.node(CHILD_NODE, html_label('<FONT POINT-SIZE="16"><B>the child</B></FONT>'),
               id=CHILD_NODE,
               shape="circle", width=f"{size}", fixedsize="true", style="filled,bold",
               fillcolor="#ffe9a8", color="#b8860b", penwidth="3")


def legend_text() -> str:
    return ("Arrows between roles are relations in the data, each with its law: "
            + ", ".join(KIND_STYLE) + "; a dotted arrow is inferred, not stated in the law read.")
