"""SHACL validation with pySHACL, turned into plain results a report or a build can use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.term import Node

from rolegraph.graph.shacl_oxigraph import (
    READING_RESULTS,
    OxigraphQueryGraph,
    batched,
    checked_once,
    gc_paused,
    prebinding_once,
    results_only,
    untold,
)
from rolegraph.graph.sources import parse_turtle

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


def run_shapes(data: Graph, shapes: Graph, *, batch: bool = True) -> ValidationOutcome:
    """Validate `data` (which must already hold the ontology and inferred types); with
    `batch` (the default) each SHACL-SPARQL constraint runs once for all its focus nodes
    where that finds the same (see `batchable`)."""
    from pyshacl import validate  # imported here: it takes 0.4 s, and most commands never need it
    from pyshacl.constraints.constraint_component import ConstraintComponent as Component
    from pyshacl.constraints.sparql.sparql_based_constraints import (
        SPARQLBasedConstraint as Sparql,
    )
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper as Helper
    from pyshacl.validator import Validator

    if not getattr(Component.make_v_result_description, "untold", False):
        Component.make_v_result_description = untold(Component.make_v_result_description)  # type: ignore[method-assign]
    if not getattr(Helper.check_invalid_sparql, "checked_once", False):
        Helper.check_invalid_sparql = checked_once(Helper.check_invalid_sparql)  # type: ignore[method-assign]
    if not getattr(Helper.pre_bind_variables, "prebinding_once", False):
        Helper.pre_bind_variables = prebinding_once(Helper.pre_bind_variables)  # type: ignore[method-assign]
    if not getattr(Validator.create_validation_report, "results_only", False):
        create = Validator.create_validation_report.__func__  # type: ignore[attr-defined]
        Validator.create_validation_report = classmethod(results_only(create))  # type: ignore[method-assign,assignment]
    if not getattr(Sparql._evaluate_sparql_constraint, "batched", False):
        Sparql._evaluate_sparql_constraint = batched(Sparql._evaluate_sparql_constraint)  # type: ignore[method-assign]

    graph = data if isinstance(data, OxigraphQueryGraph) else OxigraphQueryGraph(data)
    graph.batching = batch
    reading = READING_RESULTS.set(True)
    with gc_paused():
        try:
            _conforms, report, _text = validate(
                graph,
                shacl_graph=shapes,
                inference="none",
                inplace=True,
                allow_warnings=True,
            )  # inplace: nothing writes to the data graph, so skip pySHACL's copy
        finally:
            graph.batching = True
            READING_RESULTS.reset(reading)
        assert isinstance(report, list), "pySHACL failed before making its report"
        results = read_results(report)
    return ValidationOutcome(
        sorted(
            results,
            key=lambda r: (r.severity, r.focus, r.message, r.value or "", r.shape or "",
                           r.path or ""),
        )
    )


def read_results(report: Iterable[tuple[Node, Node, Node]]) -> list[ShaclResult]:
    """Every sh:ValidationResult in `report` (a report graph, or its triples as `run_shapes`
    gets them), as `to_result` reads one: the report read once rather than a look-up per
    property of each result."""
    found: dict[Node, dict[Node, list[Node]]] = {}
    for subject, predicate, value in report:
        found.setdefault(subject, {}).setdefault(predicate, []).append(value)
    return [
        result_of(found[node])
        for node, properties in found.items()
        if SH.ValidationResult in properties.get(RDF.type, [])
    ]


def to_result(report: Graph, node: Node) -> ShaclResult:
    return result_of({p: list(report.objects(node, p)) for p in report.predicates(node)})


def result_of(properties: Mapping[Node, list[Node]]) -> ShaclResult:
    """One result from its properties' values."""

    def text(prop: URIRef) -> str | None:
        values = properties.get(prop)
        return str(values[0]) if values else None

    severity = next(iter(properties.get(SH.resultSeverity, [])), None)
    messages = sorted(str(m) for m in properties.get(SH.resultMessage, []))
    return ShaclResult(
        severity=SEVERITY.get(severity, str(severity)) if isinstance(severity, URIRef) else "",
        focus=text(SH.focusNode) or "",
        message=messages[0] if messages else "",
        path=text(SH.resultPath),
        value=text(SH.value),
        shape=text(SH.sourceShape),
    )
