"""The one read path: named SPARQL queries (`queries/read/*.rq`) over whichever store is
served, the embedded pyoxigraph store or a remote SPARQL 1.1 store (the served version's
graph as the default graph). Pages, the JSON API, coverage, diffs, diagrams, cards and the
CLI get their facts here, never from a copy of the snapshot read beside the store.

Values are bound, never pasted into query text: Oxigraph's substitutions embedded, a
trailing VALUES block (built from parsed, escaped IRIs) for a remote store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol

import pyoxigraph as ox
from rdflib import Graph

from rolegraph.query.engine import Engine
from rolegraph.query.remote import SOLUTIONS_ACCEPT, RemoteStore, ServedVersion, StoreError
from rolegraph.vocab import PREFIXES

NT_ACCEPT = "application/n-triples, text/turtle;q=0.9"
RDFLIB_FORMATS = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle"}
PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
# A read may take longer than one visitor's query (a whole version at scale), not forever.
READ_TIMEOUT = 300.0


class ReadError(Exception):
    """The store could not answer a read; the message says which query and why."""


@cache
def named_query(name: str) -> str:
    """The text of `queries/read/{name}.rq`, with rolegraph's prefixes declared."""
    text = resources.files("rolegraph").joinpath("queries", "read", f"{name}.rq").read_text()
    return PROLOGUE + text


def values_block(bindings: dict[str, str]) -> str:
    """A trailing VALUES clause binding each variable to an IRI (ox.NamedNode refuses a
    malformed one, so nothing but an IRI ever reaches the query text)."""
    if not bindings:
        return ""
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(ox.NamedNode(iri)) for iri in bindings.values())
    return f"\nVALUES ({names}) {{ ({terms}) }}"


def ordered(graph: Graph) -> Graph:
    """The same triples added in sorted order: rdflib iterates in insertion order, and each
    store answers in its own, so without this the same version would list a role's sources
    (and every other unsorted set) in one order embedded and another remote."""
    result = Graph()
    for triple in sorted(graph, key=lambda t: tuple(term.n3() for term in t)):
        result.add(triple)
    return result


class Reader(Protocol):
    """What every surface reads through: one served version of the data."""

    @property
    def version(self) -> str: ...
    def select(self, name: str, **bindings: str) -> list[dict[str, str]]: ...
    def graph(self, name: str, **bindings: str) -> Graph: ...


@dataclass(frozen=True)
class EmbeddedReader:
    """Reads the embedded store (the snapshot loaded into pyoxigraph)."""

    engine: Engine

    @property
    def version(self) -> str:
        return self.engine.version

    def select(self, name: str, **bindings: str) -> list[dict[str, str]]:
        return self.engine.select(named_query(name), **bindings)

    def graph(self, name: str, **bindings: str) -> Graph:
        result = self.engine.query(named_query(name), bindings=bindings)
        if not isinstance(result, ox.QueryTriples):
            raise ReadError(f"queries/read/{name}.rq is not a CONSTRUCT")
        data = result.serialize(format=ox.RdfFormat.N_TRIPLES)
        assert data is not None
        return ordered(Graph().parse(data=data, format="nt"))


@dataclass(frozen=True)
class RemoteReader:
    """Reads one version graph of a remote store, named explicitly, so a version switch
    mid-read can never mix two versions' facts."""

    store: RemoteStore
    served: ServedVersion

    @property
    def version(self) -> str:
        return self.served.id

    def select(self, name: str, **bindings: str) -> list[dict[str, str]]:
        body, _ = self._request(name, bindings, SOLUTIONS_ACCEPT)
        rows = json.loads(body).get("results", {}).get("bindings", [])
        return [{key: term["value"] for key, term in row.items()} for row in rows]

    def graph(self, name: str, **bindings: str) -> Graph:
        body, media_type = self._request(name, bindings, NT_ACCEPT)
        fmt = RDFLIB_FORMATS.get(media_type)
        if fmt is None:
            raise ReadError(f"the store answered queries/read/{name}.rq with {media_type!r}, "
                            "not N-Triples or Turtle")
        return ordered(Graph().parse(data=body, format=fmt))

    def _request(self, name: str, bindings: dict[str, str], accept: str) -> tuple[bytes, str]:
        text = named_query(name) + values_block(bindings)
        try:
            return self.store.request(text, accept=accept, default_graphs=[self.served.graph],
                                      timeout=max(self.store.timeout, READ_TIMEOUT))
        except StoreError as error:
            raise ReadError(f"queries/read/{name}.rq on {self.store.settings.where}: "
                            f"{error}") from error
