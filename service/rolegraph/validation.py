"""SHACL validation with pySHACL, turned into plain results a report or a build can use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node

from rolegraph.sources import parse_turtle

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ShaclResult:
    """One validation result: who, what and why, in a data author's words."""

    severity: str
    focus: str
    message: str
    path: str | None = None
    value: str | None = None
    shape: str | None = None


@dataclass(frozen=True)
class ValidationOutcome:
    results: list[ShaclResult] = field(default_factory=list)

    def of(self, severity: str) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == severity]

    @property
    def conforms(self) -> bool:
        return not self.of("Violation")


def load_shapes(paths: list[Path]) -> Graph:
    shapes = Graph()
    for path in paths:
        parse_turtle(path, into=shapes)
    return shapes


class PreparedQueryGraph(Graph):
    """A view of a graph that parses each SPARQL text once. pySHACL passes a SHACL-SPARQL
    query as text once per focus node, and rdflib would parse it every time: without this
    cache, parsing was 55% of a coverage run."""

    def __init__(self, graph: Graph) -> None:
        super().__init__(
            store=graph.store,
            identifier=graph.identifier,
            namespace_manager=graph.namespace_manager,
        )
        self.prepared: dict[tuple[str, tuple[tuple[str, str], ...]], Query] = {}

    def query(
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Any = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str):
            key = (query_object, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            if key not in self.prepared:
                self.prepared[key] = prepareQuery(query_object, initNs=dict(initNs or {}))
            query_object, initNs = self.prepared[key], None
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


def run_shapes(data: Graph, shapes: Graph) -> ValidationOutcome:
    """Validate `data` (which must already hold the ontology and inferred types)."""
    from pyshacl import validate  # imported here: it takes 0.4 s, and most commands never need it

    _conforms, report, _text = validate(
        PreparedQueryGraph(data),
        shacl_graph=shapes,
        inference="none",
        inplace=True,
        allow_warnings=True,
    )  # inplace: nothing writes to the data graph, so skip pySHACL's copy
    assert isinstance(report, Graph)
    return ValidationOutcome(
        sorted(
            (to_result(report, node) for node in report.subjects(RDF.type, SH.ValidationResult)),
            key=lambda r: (r.severity, r.focus, r.message),
        )
    )


def to_result(report: Graph, node: Node) -> ShaclResult:
    def text(prop: URIRef) -> str | None:
        value = report.value(node, prop)
        return None if value is None else str(value)

    severity = report.value(node, SH.resultSeverity)
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    return ShaclResult(
        severity=SEVERITY.get(severity, str(severity)) if isinstance(severity, URIRef) else "",
        focus=text(SH.focusNode) or "",
        message=messages[0] if messages else "",
        path=text(SH.resultPath),
        value=text(SH.value),
        shape=text(SH.sourceShape),
    )
