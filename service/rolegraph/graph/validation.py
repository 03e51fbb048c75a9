"""SHACL validation with pySHACL, turned into plain results a report or a build can use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Identifier, Node

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


class OxigraphQueryGraph(Graph):
    """A graph whose triples stay in rdflib, for pySHACL's core constraints and targets,
    and whose SPARQL runs on Oxigraph over a copy of the same triples.

    pySHACL runs each SHACL-SPARQL constraint once per focus node; rdflib took about 5 ms
    a query, 0.9 s for the shipped coverage shapes, and Oxigraph takes about 0.2 ms.
    Oxigraph's own `substitutions` pre-binding is slower than no pre-binding at all (it
    binds after evaluating), so the bound values go in as a VALUES block at the start of
    each WHERE group instead (see `prebound`). Any other query goes to rdflib, unchanged."""

    def __init__(self, graph: Graph) -> None:
        super().__init__(
            store=graph.store,
            identifier=graph.identifier,
            namespace_manager=graph.namespace_manager,
        )
        self.oxigraph = ox.Store()
        self.oxigraph.bulk_extend(to_quad(triple) for triple in graph)

    def query(
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Any] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        text = prebound(query_object, initBindings or {})
        if text is None:
            return super().query(
                query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
            )
        prefixes = {name: str(iri) for name, iri in (initNs or {}).items()}
        return to_rdflib_result(self.oxigraph.query(text, prefixes=prefixes))


WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)


def prebound(query: Any, bindings: Mapping[str, Any]) -> str | None:
    """The SELECT text with `bindings` as a VALUES block opening each WHERE group (the
    query's and each subquery's, which pySHACL makes project every pre-bound variable), or
    None when the text is not that shape (a SELECT without WHERE, an ASK) or a value is a
    blank node, which VALUES cannot hold."""
    if not isinstance(query, str) or any(isinstance(v, BNode) for v in bindings.values()):
        return None
    wheres = list(WHERE.finditer(query))
    if not wheres or len(wheres) != len(SELECT.findall(query)):
        return None
    names = " ".join(f"?{name}" for name in bindings)
    row = " ".join(str(to_oxigraph(value)) for value in bindings.values())
    values = f" VALUES ({names}) {{ ({row}) }} " if bindings else ""
    parts, at = [], 0
    for where in wheres:
        parts += [query[at : where.end()], values]
        at = where.end()
    return "".join([*parts, query[at:]])


def to_quad(triple: tuple[Node, Node, Node]) -> ox.Quad:
    subject, predicate, value = map(to_oxigraph, triple)
    assert not isinstance(subject, ox.Literal) and isinstance(predicate, ox.NamedNode)
    return ox.Quad(subject, predicate, value)


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(term)
    if isinstance(term, BNode):
        return ox.BlankNode(term)  # the same label both sides, so results point back
    if isinstance(term, Literal):
        datatype = ox.NamedNode(term.datatype) if term.datatype else None
        return ox.Literal(term, language=term.language, datatype=datatype)
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Identifier:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        plain = term.datatype.value == str(XSD.string)  # rdflib tells "a" from "a"^^xsd:string
        return Literal(term.value, datatype=None if plain else URIRef(term.datatype.value))
    raise TypeError(f"RDF-star triple terms are not used here: {term!r}")


def to_rdflib_result(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> Result:
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError("prebound() lets only SELECT queries through")
    out = Result("SELECT")
    out.vars = [Variable(v.value) for v in answer.variables]
    out.bindings = [
        {
            var: to_rdflib(value)
            for var, value in zip(out.vars, row, strict=True)
            if value is not None
        }
        for row in answer
    ]
    return out


def checked_once(check: Any) -> Any:
    """pySHACL re-checks a constraint's query text against nine regexes for every focus node
    (a third of the coverage report's time); the check depends only on the text and which
    variables may be pre-bound, so each combination is checked once (an error is re-raised
    each time, as before)."""
    seen: dict[tuple[Any, ...], BaseException | None] = {}

    def check_once(self: Any, sparql_text: str, valuenode: Any = None,
                   extravars: Any = None) -> bool:
        key = (sparql_text, valuenode is not None, tuple(sorted(extravars or ())))
        if key not in seen:
            try:
                check(self, sparql_text, valuenode, extravars)
                seen[key] = None
            except Exception as error:
                seen[key] = error
        failure = seen[key]
        if failure is not None:
            raise failure
        return True

    check_once.checked_once = True  # type: ignore[attr-defined]
    return check_once


def run_shapes(data: Graph, shapes: Graph) -> ValidationOutcome:
    """Validate `data` (which must already hold the ontology and inferred types)."""
    from pyshacl import validate  # imported here: it takes 0.4 s, and most commands never need it
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper as Helper

    if not getattr(Helper.check_invalid_sparql, "checked_once", False):
        Helper.check_invalid_sparql = checked_once(Helper.check_invalid_sparql)  # type: ignore[method-assign]

    _conforms, report, _text = validate(
        data if isinstance(data, OxigraphQueryGraph) else OxigraphQueryGraph(data),
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
