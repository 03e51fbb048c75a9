"""Small typed helpers over rdflib graphs: SELECT rows and readable names."""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.query import ResultRow
from rdflib.term import Identifier, Node

from rolegraph.vocab import PREFIXES

NS = {name: Namespace(iri) for name, iri in PREFIXES.items()}


def select(graph: Graph, query: str, **bindings: Identifier) -> list[ResultRow]:
    """The rows of a SELECT over `graph`, with rolegraph's prefixes and bound variables."""
    result = graph.query(query, initNs=NS, initBindings=bindings or None)
    return [row for row in result if isinstance(row, ResultRow)]


def qname(graph: Graph, node: Node) -> str:
    """`rg:Role` for an IRI in a bound namespace, else the IRI or literal as text."""
    if isinstance(node, URIRef):
        try:
            return graph.qname(node)
        except ValueError:
            return f"<{node}>"
    return str(node)
