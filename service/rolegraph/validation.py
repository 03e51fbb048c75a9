"""SHACL validation with pySHACL, turned into plain results a report or a build can use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef
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


def run_shapes(data: Graph, shapes: Graph) -> ValidationOutcome:
    """Validate `data` (which must already hold the ontology and inferred types)."""
    _conforms, report, _text = validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    assert isinstance(report, Graph)
    return ValidationOutcome(sorted(
        (to_result(report, node) for node in report.subjects(RDF.type, SH.ValidationResult)),
        key=lambda r: (r.severity, r.focus, r.message)))


def to_result(report: Graph, node: Node) -> ShaclResult:
    def text(prop: URIRef) -> str | None:
        value = report.value(node, prop)
        return None if value is None else str(value)

    severity = report.value(node, SH.resultSeverity)
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    return ShaclResult(
        severity=SEVERITY.get(severity, str(severity)),  # type: ignore[arg-type]
        focus=text(SH.focusNode) or "",
        message=messages[0] if messages else "",
        path=text(SH.resultPath),
        value=text(SH.value),
        shape=text(SH.sourceShape),
    )
