"""Small typed helpers over rdflib graphs and Oxigraph answers: SELECT rows, readable names,
and a graph that adds to another without copying it."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Namespace, URIRef
from rdflib.plugins.stores.memory import Memory
from rdflib.query import ResultRow
from rdflib.store import Store
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


class Overlay(Memory):
    """A store holding its own triples over a base store it reads but never changes: the
    served graph with a proposal or a date's law added, costing what is added rather than a
    copy of the whole (~165 ms for the shipped graph, per proposal check). Base triples come
    first, then added ones, the order a copy had; a triple the base holds is not added twice."""

    def __init__(self, base: Store) -> None:
        super().__init__()
        self.base = base

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        if quoted or next(self.base.triples(triple, None), None) is None:
            super().add(triple, context, quoted)

    def remove(self, triple: Any, context: Any = None) -> None:
        if next(self.base.triples(triple, None), None) is not None:
            raise TypeError("an overlay cannot remove its base's triples")
        super().remove(triple, context)

    def triples(self, triple: Any, context: Any = None) -> Generator[Any, None, None]:
        yield from self.base.triples(triple, None)
        yield from super().triples(triple, context)

    def added(self) -> Iterator[tuple[Node, Node, Node]]:
        """The triples this store holds beyond its base's."""
        return (triple for triple, _ in super().triples((None, None, None)))

    def __len__(self, context: Any = None) -> int:
        return self.base.__len__(None) + super().__len__(context)


def overlaid(base: Graph) -> Graph:
    """A graph that reads `base` and takes additions without changing it (`Overlay`)."""
    return Graph(store=Overlay(base.store))
