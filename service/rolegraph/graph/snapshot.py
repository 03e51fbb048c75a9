"""Immutable, content-addressed snapshots of the built graph, and a pointer to the last good one."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

ASSERTED = "asserted.nt"
INFERRED = "inferred.nt"
MANIFEST = "manifest.json"


def default_state_dir() -> Path:
    """Where snapshots are kept: $ROLEGRAPH_HOME, else the user's cache folder."""
    if home := os.environ.get("ROLEGRAPH_HOME"):
        return Path(home)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "rolegraph"


@dataclass(frozen=True)
class Snapshot:
    """One built graph: asserted and inferred triples, and a manifest naming its inputs."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def manifest(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.path / MANIFEST).read_text())
        return result

    @property
    def files(self) -> list[Path]:
        return [self.path / ASSERTED, self.path / INFERRED]

    def graph(self) -> Graph:
        graph = Graph()
        for path in self.files:
            graph.parse(path, format="nt")
        return graph


@dataclass(frozen=True)
class SnapshotStore:
    """The snapshots folder, and one 'current' pointer per source tree."""

    root: Path

    def snapshot(self, snapshot_id: str) -> Snapshot | None:
        path = self.root / "snapshots" / snapshot_id
        return Snapshot(path) if (path / MANIFEST).is_file() else None

    def pointer(self, source_root: Path) -> Path:
        key = hashlib.sha256(str(source_root).encode()).hexdigest()[:16]
        return self.root / "current" / key

    def current(self, source_root: Path) -> Snapshot | None:
        pointer = self.pointer(source_root)
        if not pointer.is_file():
            return None
        return self.snapshot(pointer.read_text().strip())

    def write(
        self, snapshot_id: str, asserted: Graph, inferred: Graph, manifest: dict[str, Any]
    ) -> Snapshot:
        """Write into a scratch folder, then rename: a half-written snapshot never exists."""
        final = self.root / "snapshots" / snapshot_id
        final.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{snapshot_id}-", dir=final.parent))
        try:
            asserted.serialize(scratch / ASSERTED, format="nt", encoding="utf-8")
            inferred.serialize(scratch / INFERRED, format="nt", encoding="utf-8")
            (scratch / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
            if final.exists():  # an identical build won the race
                shutil.rmtree(scratch)
            else:
                os.rename(scratch, final)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return Snapshot(final)

    def point(self, source_root: Path, snapshot: Snapshot) -> None:
        """Make `snapshot` the current one for `source_root`, atomically."""
        pointer = self.pointer(source_root)
        pointer.parent.mkdir(parents=True, exist_ok=True)
        scratch = pointer.with_suffix(".tmp")
        scratch.write_text(snapshot.id + "\n")
        os.replace(scratch, pointer)
