"""Coverage of functions under reform models, read from the SHACL results of
shapes/coverage.ttl and shapes/policy.ttl (never recomputed here), with each cell's holders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from rdflib import Graph, URIRef

from rolegraph.graph.shacl_oxigraph import OxigraphQueryGraph, gc_paused
from rolegraph.graph.sources import SourceTree
from rolegraph.graph.validation import ShaclResult, load_shapes, run_shapes
from rolegraph.vocab import PREFIXES, RG

SEVERITIES = ("Violation", "Warning", "Info")
MARKS = {"Violation": "!", "Warning": "?", "Info": "+"}
LEGEND = (
    "! violation: nobody the model includes holds the function (or a holder does not exist)",
    "? warning: every holder is contested, or an independent function is held only by "
    "local-authority employees",
    "+ info: more than one holder (overlap)",
    "retired: the function only served to appoint a role the model removes",
)

HOLDERS = """
SELECT ?model ?function ?role ?confidence ?basis ?source WHERE {
    ?a rg:model ?model ; rg:function ?function ; rg:role ?role ; rg:confidence ?confidence .
    OPTIONAL { ?a rg:basis ?basis } OPTIONAL { ?a dcterms:source ?source }
}"""
NAMES = """
SELECT ?thing ?kind ?label ?order WHERE {
    VALUES ?kind { rg:ReformModel rg:Function rg:Role }
    ?thing a ?kind ; rdfs:label ?label .
    OPTIONAL { ?thing skos:notation|dcterms:date ?order }
}"""
CITATIONS = "SELECT ?thing ?label WHERE { ?thing rdfs:label ?label }"
RETIRED = "SELECT ?model ?function WHERE { ?model rg:retires ?function }"
NOT_RECORDED = "SELECT ?model ?function WHERE { ?model rg:notRecorded ?function }"
INCLUDED = "SELECT ?model ?role WHERE { ?model rg:includesRole ?role }"


def slug(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Holder:
    role: str
    confidence: str
    bases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    severity: str
    model: str
    function: str
    message: str
    shape: str
    role: str | None = None


@dataclass
class Cell:
    model: str
    function: str
    holders: list[Holder] = field(default_factory=list)
    retired: bool = False
    findings: list[Finding] = field(default_factory=list)
    not_recorded: bool = False  # the law at this date records no holder yet (rg:notRecorded)

    @property
    def severity(self) -> str | None:
        found = {f.severity for f in self.findings}
        return next((s for s in SEVERITIES if s in found), None)

    @property
    def marks(self) -> str:
        return "".join(MARKS[s] for s in SEVERITIES if any(f.severity == s for f in self.findings))

    def text(self) -> str:
        if self.retired:
            return "retired"
        if self.not_recorded:
            return "not recorded"
        holders = ", ".join(slug(h.role) for h in self.holders) or "—"
        return f"{holders} [{self.marks}]" if self.marks else holders


@dataclass
class CoverageReport:
    """The function x model matrix: holders in each cell and the SHACL findings."""

    models: dict[str, str]
    functions: dict[str, str]
    roles: dict[str, str]
    cells: dict[tuple[str, str], Cell]
    labels: dict[str, str]

    @cached_property
    def findings(self) -> list[Finding]:
        return [f for cell in self.cells.values() for f in cell.findings]

    def cell(self, model: str, function: str) -> Cell:
        return self.cells[(model, function)]

    def of(self, severity: str, model: str | None = None) -> list[Finding]:
        return [
            f
            for f in self.findings
            if f.severity == severity and (model is None or f.model == model)
        ]

    def label(self, iri: str) -> str:
        return self.labels.get(iri, slug(iri))

    def only(self, models: list[str]) -> CoverageReport:
        kept = {m: self.models[m] for m in models}
        return CoverageReport(
            kept,
            self.functions,
            self.roles,
            {k: c for k, c in self.cells.items() if k[0] in kept},
            self.labels,
        )


def coverage_shapes(tree: SourceTree) -> Graph:
    return load_shapes([tree.shape_file("coverage"), tree.shape_file("policy")])


def coverage_report(graph: Graph, shapes: Graph) -> CoverageReport:
    """Validate `graph` (ontology, data and inferred types) and lay the results out as cells."""
    if not isinstance(graph, OxigraphQueryGraph):
        graph = OxigraphQueryGraph(graph)  # the shapes' queries and the report's, on Oxigraph
    with gc_paused():
        return laid_out(graph, run_shapes(graph, shapes).results)


def laid_out(graph: OxigraphQueryGraph, results: list[ShaclResult]) -> CoverageReport:
    """The report: SHACL `results` and what the graph says of each cell."""
    names: dict[str, tuple[str, str, str]] = {}
    for r in texts(graph, NAMES):
        names.setdefault(r["thing"], (r["kind"], r["label"], r.get("order", "")))

    def of_kind(kind: URIRef) -> dict[str, str]:
        """Labels by IRI, in catalogue order (F01..., model dates; `current` first)."""
        chosen = [(iri, label, order) for iri, (k, label, order) in names.items() if k == str(kind)]
        chosen.sort(key=lambda t: (slug(t[0]) != "current", t[2] or "~", t[1].lower()))
        return {iri: label for iri, label, _ in chosen}

    models, functions, roles = of_kind(RG.ReformModel), of_kind(RG.Function), of_kind(RG.Role)
    cells = {(m, f): Cell(m, f) for m in models for f in functions}
    holders = texts(graph, HOLDERS)
    add_holders(holders, cells)
    for row in texts(graph, RETIRED):
        if (key := (row["model"], row["function"])) in cells:
            cells[key].retired = True
    for row in texts(graph, NOT_RECORDED):
        if (key := (row["model"], row["function"])) in cells:
            cells[key].not_recorded = True
    for finding in to_findings(results, graph, holders):
        if (key := (finding.model, finding.function)) in cells:
            cells[key].findings.append(finding)
    labels = {r["thing"]: r["label"] for r in texts(graph, CITATIONS)}
    return CoverageReport(models, functions, roles, cells, labels)


def texts(graph: OxigraphQueryGraph, query: str) -> list[dict[str, str]]:
    """The rows of a SELECT on the graph's Oxigraph copy, each bound variable's value as
    text (what this module reads of every term): no rdflib terms made only to be read."""
    return graph.texts(query, PREFIXES)


def add_holders(rows: list[dict[str, str]], cells: dict[tuple[str, str], Cell]) -> None:
    """Each cell's holders, from the rows of HOLDERS."""
    found: dict[tuple[str, str, str], dict[str, set[str]]] = {}
    for row in rows:
        key = (row["model"], row["function"], row["role"])
        entry = found.setdefault(key, {"confidence": set(), "bases": set(), "sources": set()})
        entry["confidence"].add(row["confidence"])
        if "basis" in row:
            entry["bases"].add(row["basis"])
        if "source" in row:
            entry["sources"].add(row["source"])
    for (model, function, role), entry in sorted(found.items()):
        if (model, function) in cells:
            cells[(model, function)].holders.append(
                Holder(
                    role,
                    min(entry["confidence"]),
                    tuple(sorted(entry["bases"])),
                    tuple(sorted(entry["sources"] - entry["bases"])),  # law once, as basis
                )
            )


def to_findings(results: list[ShaclResult], graph: OxigraphQueryGraph,
                holders: list[dict[str, str]]) -> list[Finding]:
    """The SHACL results as findings; one of HolderOutsideModel names the role (the first,
    in IRI order, of the rows of HOLDERS whose role the model does not include)."""
    included = {(r["model"], r["role"]) for r in texts(graph, INCLUDED)}
    outside: dict[tuple[str, str], list[str]] = {}
    for row in holders:
        if (row["model"], row["role"]) not in included:
            outside.setdefault((row["model"], row["function"]), []).append(row["role"])
    findings = []
    for result in results:
        if result.value is None:
            continue
        role = None
        if result.shape and result.shape.endswith("#HolderOutsideModel"):
            roles = outside.get((result.value, result.focus), [])
            role = min(roles) if roles else None
        findings.append(
            Finding(
                result.severity,
                result.value,
                result.focus,
                result.message,
                (result.shape or "").rsplit("#", 1)[-1],
                role,
            )
        )
    return findings
