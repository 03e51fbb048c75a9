"""The build: load -> materialise the law at rg:asOf -> reason -> derive -> validate -> snapshot.
A failed build changes nothing."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from rolegraph import __version__
from rolegraph.graph import lawtime
from rolegraph.graph.reasoning import InconsistencyError, reason
from rolegraph.graph.snapshot import Snapshot, SnapshotStore, default_state_dir
from rolegraph.graph.sources import SourceError, SourceTree, load_tree, open_tree
from rolegraph.graph.validation import ValidationOutcome, load_shapes, run_shapes
from rolegraph.vocab import RG

Progress = Callable[[str], None]

# Derived triples: inverses that make queries shorter, rg:holds for the system in force, and
# the independent roles whose independence is a sourced statement rather than an employer.
DERIVATIONS = """
CONSTRUCT {
    ?role rg:holds ?function . ?function rg:heldBy ?role .
    ?provision rg:creates ?f2 . ?law rg:establishes ?r2 . ?subject rg:subjectOf ?position .
    ?r3 a rg:IndependentRole . ?fact dcterms:source ?cited .
} WHERE {
    { ?a rg:model <https://w3id.org/rolegraph/id/model/current> ;
         rg:role ?role ; rg:function ?function }
    UNION { ?f2 rg:createdBy ?provision }
    UNION { ?r2 rg:establishedBy ?law }
    UNION { ?position rg:about ?subject }
    UNION { ?r3 rg:hasIndependence/rg:independenceKind rg:OfTheLocalAuthority }
    # every fact names its source (DESIGN): an assignment or relation that cites only law
    # has that law as its source
    UNION { VALUES ?kind { rg:Assignment rg:Relation } ?fact a ?kind ; rg:basis ?cited
            FILTER NOT EXISTS { ?fact dcterms:source [] } }
}"""


class BuildError(Exception):
    """The build was refused; the message tells the data author what to fix."""


@dataclass(frozen=True)
class BuildResult:
    snapshot: Snapshot
    reused: bool


def build(
    source: Path | None = None,
    state_dir: Path | None = None,
    progress: Progress = lambda _: None,
    force: bool = False,
) -> BuildResult:
    """Build the tree at `source` (the shipped tree by default) into a snapshot."""
    try:
        tree = open_tree(source)
    except SourceError as error:
        raise BuildError(str(error)) from error
    store = SnapshotStore(state_dir or default_state_dir())
    snapshot_id = tree.content_hash()[:20]
    existing = store.snapshot(snapshot_id)
    if existing is not None and not force:
        progress(f"inputs unchanged: reusing snapshot {snapshot_id}")
        point(store, tree.root, existing, progress)
        return BuildResult(existing, reused=True)
    compiled = compile_tree(tree, progress)
    try:
        snapshot = store.write(snapshot_id, *compiled)
    except OSError as error:  # a full disk or a read-only folder: refused, nothing changed
        raise BuildError(f"cannot write snapshot {snapshot_id} to {store.root}: "
                         f"{error.strerror or error}; the last good snapshot is unchanged"
                         ) from error
    point(store, tree.root, snapshot, progress)
    progress(f"snapshot {snapshot.id} written to {snapshot.path}")
    return BuildResult(snapshot, reused=False)


def point(store: SnapshotStore, root: Path, snapshot: Snapshot, progress: Progress) -> None:
    """Record `snapshot` as the last good one; a folder that cannot take the pointer (read
    only, full) costs only the fallback for a later failed build, so it is reported, not fatal."""
    try:
        store.point(root, snapshot)
    except OSError as error:
        progress(f"could not record snapshot {snapshot.id} as current in {store.root}: "
                 f"{error.strerror or error}")


def compile_tree(tree: SourceTree, progress: Progress) -> tuple[Graph, Graph, dict[str, object]]:
    """Everything but writing: returns the asserted graph, the inferred one and a manifest."""
    timings: dict[str, float] = {}

    def step(name: str, message: str) -> Callable[[], None]:
        progress(message)
        started = time.perf_counter()
        return lambda: timings.__setitem__(name, round(time.perf_counter() - started, 3))

    done = step("load", f"loading {len(tree.graph_files)} Turtle files from {tree.root}")
    try:
        asserted, origin = load_tree(tree)
        shapes = load_shapes([tree.shape_file("integrity")])
    except SourceError as error:
        raise BuildError(str(error)) from error
    done()

    # model:current is the statutory system as at its rg:asOf date (lawtime.py)
    current = lawtime.current(asserted)
    done = step("reason", f"reasoning over {len(asserted) + len(current)} triples with HermiT")
    try:
        inferred = reason(asserted + current, key=tree.content_hash()) + current
    except InconsistencyError as error:
        raise BuildError(inconsistency_message(error, origin)) from error
    derived = (asserted + inferred).query(
        DERIVATIONS, initNs={"rg": RG._NS, "dcterms": DCTERMS}).graph
    inferred += derived if derived is not None else Graph()
    inferred -= asserted
    done()

    done = step("validate", "validating integrity (shapes/integrity.ttl)")
    outcome = integrity(asserted + inferred, shapes, key=tree.content_hash())
    if not outcome.conforms:
        raise BuildError(integrity_message(outcome, origin))
    done()

    manifest: dict[str, object] = {
        "id": tree.content_hash()[:20],
        "content_hash": tree.content_hash(),
        "rolegraph_version": __version__,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(tree.root),
        "files": [tree.relative(p) for p in tree.graph_files + tree.shape_files],
        "triples": {"asserted": len(asserted), "inferred": len(inferred)},
        "integrity_warnings": len(outcome.of("Warning")),
        "seconds": timings,
    }
    return asserted, inferred, manifest


# Integrity outcomes already found in this process, by the content hash of the tree (which
# covers its shapes too): a pure function of the files, so the same tree is checked once.
_CHECKED: dict[str, ValidationOutcome] = {}


def integrity(data: Graph, shapes: Graph, key: str) -> ValidationOutcome:
    """The integrity shapes' outcome on `data` (pySHACL over Oxigraph)."""
    if key not in _CHECKED:
        if len(_CHECKED) >= 4:
            _CHECKED.pop(next(iter(_CHECKED)))
        _CHECKED[key] = run_shapes(data, shapes)
    return _CHECKED[key]


def inconsistency_message(error: InconsistencyError, origin: dict[URIRef, str]) -> str:
    """HermiT's clashes, each with the file that describes the individual it names first."""
    lines = ["the ontology and data are inconsistent (HermiT):"]
    for clash in error.clashes:
        named = re.match(r"<([^>]+)>", clash)
        where = origin.get(URIRef(named.group(1)), "?") if named else "?"
        lines.append(f"  - {where}: {clash}")
    return "\n".join(lines)


def integrity_message(outcome: ValidationOutcome, origin: dict[URIRef, str]) -> str:
    violations = outcome.of("Violation")
    lines = [f"integrity check failed: {len(violations)} violation(s)"]
    for result in violations[:50]:
        # a whole-graph shape reports the class as its focus and the culprit as its value
        culprit = URIRef(result.value) if result.value and result.value.startswith("http") else None
        where = origin.get(culprit, "") if culprit is not None else ""
        where = where or origin.get(URIRef(result.focus), "?")
        detail = (
            f" [{result.path}: {result.value}]"
            if result.value
            else (f" [{result.path}]" if result.path else "")
        )
        subject = culprit if culprit is not None and culprit in origin else result.focus
        lines.append(f"  - {where}: <{subject}> {result.message}{detail}")
    if len(violations) > 50:
        lines.append(f"  ... and {len(violations) - 50} more")
    return "\n".join(lines)


def current_snapshot(
    source: Path | None = None, state_dir: Path | None = None, progress: Progress = lambda _: None
) -> Snapshot:
    """The snapshot to answer from: the current one for the tree, built if there is none or
    if the inputs changed since (a failed rebuild keeps the last good one and says so)."""
    try:
        return build(source, state_dir, progress).snapshot
    except BuildError as error:
        tree = open_tree(source)
        last = SnapshotStore(state_dir or default_state_dir()).current(tree.root)
        if last is None:
            raise
        progress(f"build refused, so answering from the last good snapshot {last.id}:\n{error}")
        return last
