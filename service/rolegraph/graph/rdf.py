"""Small typed helpers over rdflib graphs and Oxigraph answers: SELECT rows and readable names."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, Namespace, URIRef
from rdflib.query import ResultRow
from rdflib.term import Identifier, Node

from rolegraph.vocab import PREFIXES

NS = {name: Namespace(iri) for name, iri in PREFIXES.items()}


def select(graph: Graph, query: str, **bindings: Identifier) -> list[ResultRow]:
    """The rows of a SELECT over `graph`, with rolegraph's prefixes and bound variables."""
    result = graph.query(query, initNs=NS, initBindings=bindings or None)
    return [row for row in result if isinstance(row, ResultRow)]


def solution_texts(answer: ox.QuerySolutions) -> list[dict[str, str]]:
    """Oxigraph's SELECT rows, each bound variable's value as text (an IRI, a literal's
    lexical form, a blank node's label): for readers that want only text."""
    names = [v.value for v in answer.variables]
    return [{name: term.value for name, term in zip(names, row, strict=True) if term is not None}
            for row in answer]


def qname(graph: Graph, node: Node) -> str:
    """`rg:Role` for an IRI in a bound namespace, else the IRI or literal as text."""
    if isinstance(node, URIRef):
        try:
            return graph.qname(node)
        except ValueError:
            return f"<{node}>"
    return str(node)
