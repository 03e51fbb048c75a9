"""Rendered artefacts (drawings, cards, briefs, slides) kept on disk per served version, so
the same one is drawn once per version for all the workers rather than once per worker.

A folder per version under `<state dir>/rendered/`, one file per request key named by the
key's SHA-256, written to a temporary file and renamed (a reader sees a whole file or
none); the whole tree is bounded in size, least recently used out. A file is only ever read
from its own version's folder, so no answer crosses versions. Disk trouble (full, read-only)
costs the cache, never the answer: the artefact is then drawn each time, as without it."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("rolegraph.artefacts")

SAFE_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SUFFIX = ".bin"


def code_fingerprint(package: Path) -> str:
    """A digest of the code and templates that draw (every file of the package but compiled
    bytecode: names, sizes, times), so that an upgrade or a changed template never answers
    with a drawing the old code made of the same data version."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        with contextlib.suppress(OSError):
            stat = path.stat()
            digest.update(f"{path.relative_to(package)}\0{stat.st_size}\0"
                          f"{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


class ArtefactCache:
    """Bytes per (version, key) in `root`, at most `budget_bytes` in all; `code` (e.g. a
    code_fingerprint) is part of each version's folder name."""

    def __init__(self, root: Path, budget_bytes: int, code: str = "") -> None:
        self.root = root
        self.budget = budget_bytes
        self.code = code
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def path(self, version: str, key: tuple[Any, ...]) -> Path:
        folder = version if SAFE_VERSION.fullmatch(version) and version not in (".", "..") \
            else "v-" + hashlib.sha256(version.encode()).hexdigest()[:32]
        folder += f"-{self.code}" if self.code else ""
        name = hashlib.sha256(repr(key).encode()).hexdigest()
        return self.root / folder / (name + SUFFIX)

    def get(self, version: str, key: tuple[Any, ...]) -> bytes | None:
        if self.budget <= 0:
            return None
        path = self.path(version, key)
        try:
            body = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        with contextlib.suppress(OSError):  # recently used: last out (best effort)
            os.utime(path)
        self.hits += 1
        return body

    def put(self, version: str, key: tuple[Any, ...], body: bytes) -> None:
        if self.budget <= 0 or len(body) > self.budget:
            return
        path = self.path(version, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(body)
                os.replace(scratch, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(scratch)
                raise
        except OSError as error:
            log.warning("rendered artefact not kept on disk (%s); drawing it each time", error)
            return
        self.trim(path.parent)

    def trim(self, keep: Path | None = None) -> None:
        """Remove the least recently used files until the tree fits the budget, and the
        empty folders of other versions than `keep`'s."""
        with self._lock:
            files: list[tuple[float, int, Path]] = []
            try:
                folders = [f for f in self.root.iterdir() if f.is_dir()]
            except OSError:
                return
            for folder in folders:
                try:
                    entries = list(folder.iterdir())
                except OSError:
                    continue
                for entry in entries:
                    with contextlib.suppress(OSError):
                        stat = entry.stat()
                        files.append((stat.st_mtime, stat.st_size, entry))
            total = sum(size for _, size, _ in files)
            for _, size, entry in sorted(files, key=lambda found: found[0]):
                if total <= self.budget:
                    break
                with contextlib.suppress(OSError):
                    entry.unlink()
                    total -= size
            for folder in folders:
                if folder != keep:
                    with contextlib.suppress(OSError):
                        folder.rmdir()  # only when empty
