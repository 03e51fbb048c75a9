"""Where the Turtle lives, and loading it with errors that name the file and line."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rdflib import Graph, URIRef

from rolegraph import __version__
from rolegraph.vocab import PREFIXES

PARTS = ("ontology", "data", "shapes")
# The code whose output a snapshot is: a change to it makes a new snapshot.
BUILDER_MODULES = ("build.py", "reasoning.py", "sources.py", "validation.py", "snapshot.py",
                   "shacl_oxigraph.py", "shacl_batchable.py", "lawtime.py")
SYNTAX_REASON = re.compile(r"Bad syntax \((.*?)\) at \^")


class SourceError(Exception):
    """The source tree is missing or malformed; the message says where."""


@dataclass(frozen=True)
class SourceTree:
    """A folder with ontology/, data/ and shapes/ (the shipped tree or a user's own)."""

    root: Path

    @property
    def ontology_files(self) -> list[Path]:
        return sorted((self.root / "ontology").rglob("*.ttl"))

    @property
    def data_files(self) -> list[Path]:
        return sorted((self.root / "data").rglob("*.ttl"))

    @property
    def shape_files(self) -> list[Path]:
        return sorted((self.root / "shapes").rglob("*.ttl"))

    def shape_file(self, name: str) -> Path:
        return self.root / "shapes" / f"{name}.ttl"

    @property
    def graph_files(self) -> list[Path]:
        return self.ontology_files + self.data_files

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def content_hash(self) -> str:
        """A hash of every input file's name and bytes, and of the builder's own code."""
        digest = hashlib.sha256(f"rolegraph {__version__}\n".encode())
        for module in BUILDER_MODULES:
            digest.update((Path(__file__).parent / module).read_bytes())
        for path in self.graph_files + self.shape_files:
            digest.update(self.relative(path).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()


def shipped_tree() -> SourceTree:
    """The tree inside the installed wheel, or the checkout's top folder in development."""
    packaged = Path(str(resources.files("rolegraph"))) / "ttl"
    if (packaged / "ontology").is_dir():
        return SourceTree(packaged)
    return SourceTree(Path(__file__).resolve().parents[3])  # service/rolegraph/graph/ -> top


def open_tree(source: Path | None) -> SourceTree:
    """The tree at `source`, checked for its layout; the shipped tree when None."""
    tree = shipped_tree() if source is None else SourceTree(Path(source).resolve())
    missing = [part for part in PARTS if not (tree.root / part).is_dir()]
    if missing:
        raise SourceError(
            f"{tree.root}: missing folder(s) {', '.join(missing)}/ "
            "(a source tree holds ontology/, data/ and shapes/)"
        )
    return tree


def parse_turtle(path: Path, into: Graph | None = None, label: str | None = None) -> Graph:
    """Parse one Turtle file; a syntax error becomes SourceError naming file and line."""
    graph = Graph() if into is None else into
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises BadSyntax and a few others
        raise SourceError(syntax_message(label or str(path), error)) from error
    return graph


def syntax_message(name: str, error: Exception) -> str:
    line = getattr(error, "lines", None)
    reason = SYNTAX_REASON.search(str(error))
    where = f"{name}:{line + 1}" if isinstance(line, int) else name
    return f"{where}: Turtle syntax error: {reason.group(1) if reason else error}"


def load_tree(tree: SourceTree) -> tuple[Graph, dict[URIRef, str]]:
    """Every ontology and data file in one graph, and the file each subject is described in."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    origin: dict[URIRef, str] = {}
    for path in tree.graph_files:
        part = parse_turtle(path, label=tree.relative(path))
        for subject in part.subjects(unique=True):
            if isinstance(subject, URIRef):
                origin.setdefault(subject, tree.relative(path))
        graph += part
    return graph, origin
