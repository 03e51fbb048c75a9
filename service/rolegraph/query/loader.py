"""Push a snapshot into a remote SPARQL store, then switch the served version to it.

Order of work, so that a failed or interrupted load never changes what is served:
1. record the version as loading in the control graph (so `drop` can find a partial one);
2. write its triples into its own named graph (`remote.version_graph(id)`), in chunks, by
   SPARQL UPDATE or the Graph Store Protocol (blank nodes that share triples stay in one
   chunk: a label means one node only within one request);
3. count them in the store and compare with the file's count: a mismatch is a failed load;
4. only then move the pointer (`<served> sd:defaultGraph <graph>`) in one update.
Named graphs in `--graph` N-Quads/TriG files are written under their own names (not
versioned): see docs/remote-stores.md."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from rolegraph.graph.xmlguard import entity_refusal
from rolegraph.query.engine import INPUT_FORMATS, EngineError
from rolegraph.query.remote import (
    CONTROL_GRAPH,
    DCTERMS,
    SD,
    SERVED_POINTER,
    VOID,
    XSD,
    RemoteStore,
    StoreError,
    version_graph,
)

Progress = Callable[[str], None]
DEFAULT_CHUNK = 5_000


class LoadError(Exception):
    """The load did not complete; the served version is unchanged."""


@dataclass(frozen=True)
class LoadResult:
    version: str
    graph: str
    triples: int
    seconds: float
    previous: str | None
    skipped: bool = False


@dataclass(frozen=True)
class VersionRecord:
    id: str
    graph: str
    triples: int | None  # None: the load never finished
    served: bool


def read_files(paths: Iterable[Path]) -> ox.Store:
    """The files in an in-memory store: duplicates merged, graphs kept apart."""
    store = ox.Store()
    for path in paths:
        fmt = INPUT_FORMATS.get(Path(path).suffix.lower())
        if fmt is None:
            raise EngineError(f"{path}: unknown RDF file type")
        if fmt == ox.RdfFormat.RDF_XML and (why := entity_refusal(Path(path).read_bytes())):
            raise EngineError(f"{path}: refused: {why}")  # xmlguard.py: billion laughs
        try:
            store.load(path=str(path), format=fmt)
        except (SyntaxError, ValueError, OSError) as error:
            raise EngineError(f"{path}: {error}") from error
    return store


def load(remote: RemoteStore, files: list[Path], version: str, *,
         chunk: int = DEFAULT_CHUNK, progress: Progress = lambda _m: None,
         force: bool = False, graph_store: bool = True) -> LoadResult:
    """Load `files` as version `version` and switch to it (see the module docstring)."""
    started = time.perf_counter()
    data = read_files(files)
    graph = version_graph(version)
    named = sorted({g.value for g in data.named_graphs() if isinstance(g, ox.NamedNode)})
    expected = sum(1 for _ in data.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    try:
        previous = remote.served_version()
        if previous is not None and previous.id == version:
            if force:
                raise LoadError(f"version {version} is the served one and cannot be rewritten "
                                "in place; load another version first")
            progress(f"version {version} is already served ({previous.triples} triples)")
            return LoadResult(version, graph, previous.triples, 0.0, version, skipped=True)
        use_gsp = graph_store and bool(remote.settings.graph_store_url)
        progress(f"loading {expected} triples into <{graph}> by "
                 f"{'the Graph Store Protocol' if use_gsp else 'SPARQL UPDATE'}, "
                 f"{chunk} per request")
        remote.update(f"DROP SILENT GRAPH <{graph}>")
        forget(remote, graph)
        remote.update(f"""INSERT DATA {{ GRAPH <{CONTROL_GRAPH}> {{
            <{graph}> a <{SD}Graph> ; <{DCTERMS}identifier> "{version}" ;
                <{DCTERMS}created> "{now()}"^^<{XSD}dateTime> }} }}""")
        push(remote, graph, data, ox.DefaultGraph(), chunk, use_gsp, progress)
        for name in named:
            remote.update(f"DROP SILENT GRAPH <{name}>")
            push(remote, name, data, ox.NamedNode(name), chunk, use_gsp, progress)
        check_count(remote, graph, expected)
        for name in named:
            check_count(remote, name, sum(1 for _ in data.quads_for_pattern(
                None, None, None, ox.NamedNode(name))))
        subjects = len({q.subject for q in data.quads_for_pattern(None, None, None,
                                                                  ox.DefaultGraph())})
        described = "".join(f" ; <{SD}namedGraph> <{name}>" for name in named)
        remote.update(f"""INSERT DATA {{ GRAPH <{CONTROL_GRAPH}> {{
            <{graph}> <{VOID}triples> {expected} ; <{VOID}distinctSubjects> {subjects}
            {described} }} }}""")
        switch(remote, graph)
    except StoreError as error:
        raise LoadError(f"the load of {version} failed, so the served version is unchanged: "
                        f"{error}") from error
    seconds = time.perf_counter() - started
    progress(f"switched to {version}: {expected} triples in {seconds:.1f} s")
    return LoadResult(version, graph, expected, seconds, previous.id if previous else None)


def push(remote: RemoteStore, graph: str, data: ox.Store, source: ox.DefaultGraph | ox.NamedNode,
         chunk: int, use_gsp: bool, progress: Progress) -> None:
    total = sum(1 for _ in data.quads_for_pattern(None, None, None, source))
    done, started = 0, time.perf_counter()
    for triples in chunks((q.triple for q in data.quads_for_pattern(None, None, None, source)),
                          chunk):
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        assert body is not None
        if use_gsp:
            remote.post_graph(graph, body)
        elif any(isinstance(term, ox.BlankNode) for t in triples for term in (t.subject, t.object)):
            # INSERT DATA may hold blank nodes (SPARQL 1.1 Update §3.1.1), but Virtuoso
            # refuses them ("SP031 ... not allowed in a constant clause"); a template may.
            remote.update(f"INSERT {{ GRAPH <{graph}> {{\n{body.decode()}}} }} WHERE {{}}")
        else:
            remote.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body.decode()}}} }}")
        done += len(triples)
        rate = done / max(time.perf_counter() - started, 1e-6)
        progress(f"  {done}/{total} triples into <{graph}> ({rate:,.0f} triples/s)")


def chunks(triples: Iterable[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Triples in lists of about `size`; the triples of blank nodes that are linked to one
    another (an OWL restriction, an RDF list) always share a list."""
    plain: list[ox.Triple] = []
    parent: dict[ox.BlankNode, ox.BlankNode] = {}
    linked: list[ox.Triple] = []

    def root(node: ox.BlankNode) -> ox.BlankNode:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for triple in triples:
        blanks = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if not blanks:
            plain.append(triple)
            if len(plain) >= size:
                yield plain
                plain = []
            continue
        linked.append(triple)
        if len(blanks) == 2:
            parent[root(blanks[0])] = root(blanks[1])
        else:
            root(blanks[0])
    groups: dict[ox.BlankNode, list[ox.Triple]] = {}
    for triple in linked:
        node = triple.subject if isinstance(triple.subject, ox.BlankNode) else triple.object
        assert isinstance(node, ox.BlankNode)
        groups.setdefault(root(node), []).append(triple)
    for group in groups.values():
        if plain and len(plain) + len(group) > size:
            yield plain
            plain = []
        plain.extend(group)
    if plain:
        yield plain


def check_count(remote: RemoteStore, graph: str, expected: int) -> None:
    found = remote.count(graph)
    if found != expected:
        raise StoreError(f"<{graph}> holds {found} triples after the load, not the "
                         f"{expected} sent (an interrupted write, or a store that merges "
                         "literals it considers equal)")


def switch(remote: RemoteStore, graph: str) -> None:
    """Point the served version at `graph`: one request, the new pointer written before the
    old one is removed, so a reader always finds one (two for an instant: the newer wins,
    remote.served_version). Not one DELETE/INSERT ... WHERE { OPTIONAL ... }: Virtuoso
    inserts nothing when the OPTIONAL finds no old pointer."""
    pointer = f"<{SERVED_POINTER}> <{SD}defaultGraph>"
    remote.update(f"""INSERT DATA {{ GRAPH <{CONTROL_GRAPH}> {{ {pointer} <{graph}> }} }} ;
        DELETE {{ GRAPH <{CONTROL_GRAPH}> {{ {pointer} ?old }} }}
        WHERE {{ GRAPH <{CONTROL_GRAPH}> {{ {pointer} ?old FILTER(?old != <{graph}>) }} }}""")


def forget(remote: RemoteStore, graph: str) -> None:
    remote.update(f"DELETE WHERE {{ GRAPH <{CONTROL_GRAPH}> {{ <{graph}> ?p ?o }} }}")


def versions(remote: RemoteStore) -> list[VersionRecord]:
    """Every version recorded in the store, complete or not, oldest first."""
    served = remote.select(f"""SELECT ?graph WHERE {{ GRAPH <{CONTROL_GRAPH}> {{
        <{SERVED_POINTER}> <{SD}defaultGraph> ?graph }} }}""")
    served_graphs = {row["graph"] for row in served}
    rows = remote.select(f"""SELECT ?graph ?id ?triples ?created WHERE {{
        GRAPH <{CONTROL_GRAPH}> {{ ?graph a <{SD}Graph> ; <{DCTERMS}identifier> ?id .
            OPTIONAL {{ ?graph <{DCTERMS}created> ?created }}
            OPTIONAL {{ ?graph <{VOID}triples> ?triples }} }} }}
        ORDER BY ?created""")
    return [VersionRecord(row["id"], row["graph"],
                          int(row["triples"]) if "triples" in row else None,
                          row["graph"] in served_graphs) for row in rows]


def drop(remote: RemoteStore, ids: Iterable[str] | None = None,
         progress: Progress = lambda _m: None) -> list[str]:
    """Remove versions (default: all but the served one); the served one is never dropped."""
    wanted = set(ids) if ids is not None else None
    dropped = []
    for record in versions(remote):
        if record.served:
            if wanted is not None and record.id in wanted:
                raise LoadError(f"version {record.id} is the served one; load another first")
            continue
        if wanted is not None and record.id not in wanted:
            continue
        remote.update(f"DROP SILENT GRAPH <{record.graph}>")
        forget(remote, record.graph)
        progress(f"dropped version {record.id}"
                 f"{'' if record.triples is not None else ' (an unfinished load)'}")
        dropped.append(record.id)
    unknown = (wanted or set()) - set(dropped)
    if unknown:
        raise LoadError(f"no such version in the store: {', '.join(sorted(unknown))}")
    return dropped


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
