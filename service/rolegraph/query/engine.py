"""The query engine: an in-memory Oxigraph store over a snapshot or any RDF files.

Chosen by measurement (bench/, docs/decisions/): pyoxigraph answers the project's queries
10-200x faster than rdflib's engine and writes every SPARQL result format natively."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from rolegraph.graph.rdf import solution_texts
from rolegraph.graph.snapshot import Snapshot
from rolegraph.graph.xmlguard import entity_refusal
from rolegraph.vocab import PREFIXES


@dataclass(frozen=True)
class ResultFormat:
    """A serialisation of query results: its short name, media type and Oxigraph format."""

    name: str
    media_type: str
    oxigraph: ox.QueryResultsFormat | ox.RdfFormat

    @property
    def for_graphs(self) -> bool:
        return isinstance(self.oxigraph, ox.RdfFormat)


SOLUTION_FORMATS = [
    ResultFormat("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ResultFormat("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ResultFormat("csv", "text/csv", ox.QueryResultsFormat.CSV),
    ResultFormat("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
]
GRAPH_FORMATS = [
    ResultFormat("turtle", "text/turtle", ox.RdfFormat.TURTLE),
    ResultFormat("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ResultFormat("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    ResultFormat("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
]
FORMATS = {f.name: f for f in SOLUTION_FORMATS + GRAPH_FORMATS}

INPUT_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
}

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class EngineError(Exception):
    """A query or input the engine cannot take; the message is the parser's."""


class Engine:
    """Read-only SPARQL over one in-memory store."""

    def __init__(self, store: ox.Store, version: str) -> None:
        self.store = store
        self.version = version

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> Engine:
        return cls.from_files(snapshot.files, version=snapshot.id)

    @classmethod
    def from_files(cls, paths: Iterable[Path], version: str = "files") -> Engine:
        store = ox.Store()
        for path in paths:
            fmt = INPUT_FORMATS.get(Path(path).suffix.lower())
            if fmt is None:
                raise EngineError(
                    f"{path}: unknown RDF file type (use one of {', '.join(sorted(INPUT_FORMATS))})"
                )
            try:
                if fmt == ox.RdfFormat.RDF_XML and (why := entity_refusal(Path(path).read_bytes())):
                    raise EngineError(f"{path}: refused: {why}")  # xmlguard.py: billion laughs
                store.load(path=str(path), format=fmt)
            except (SyntaxError, ValueError, OSError) as error:
                raise EngineError(f"{path}: {error}") from error
        return cls(store, version)

    def query(
        self,
        text: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        bindings: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """Run a query; `bindings` substitutes IRIs for variables (never pasted into text)."""
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): ox.NamedNode(v) for k, v in (bindings or {}).items()
        }
        try:
            return self.store.query(
                text, prefixes=dict(prefixes or {}), substitutions=substitutions or None
            )
        except SyntaxError as error:
            raise EngineError(str(error)) from error

    def select(self, text: str, **bindings: str) -> list[dict[str, str]]:
        """Rows of a SELECT as plain strings (IRIs and literal values), for internal use."""
        result = self.query(text, prefixes=PREFIXES, bindings=bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise EngineError("select() needs a SELECT query")
        return solution_texts(result)


def serialize(result: QueryResult, fmt: ResultFormat) -> bytes:
    """Write a result in a standard format; raises EngineError if the kinds do not match."""
    if isinstance(result, ox.QueryTriples) != fmt.for_graphs:
        kind = "CONSTRUCT/DESCRIBE" if isinstance(result, ox.QueryTriples) else "SELECT/ASK"
        raise EngineError(f"format {fmt.name} does not fit a {kind} result")
    data = result.serialize(format=fmt.oxigraph)  # type: ignore[arg-type]
    assert data is not None
    return data
