"""HTTP surfaces (Flask blueprints) and what they share: the served dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from flask import current_app

from rolegraph.query.engine import Engine
from rolegraph.query.reader import EmbeddedReader, Reader, RemoteReader
from rolegraph.query.safety import Runner

if TYPE_CHECKING:
    from rolegraph.query.remote import RemoteStore

SERVED = "rolegraph.served"  # key in app.extensions


@dataclass
class Served:
    """What the service answers from: the store, its version and the runner that queries it."""

    store: ox.Store | RemoteStore  # embedded, or a remote SPARQL store (remote.py)
    version: str  # the snapshot id (or a digest of --graph files): ETags name it
    runner: Runner
    named_graphs: frozenset[str]
    stats: dict[str, int] = field(default_factory=dict)
    limits: dict[str, Any] = field(default_factory=dict)


def served() -> Served:
    result: Served = current_app.extensions[SERVED]
    return result


def served_version() -> str:
    """The version answered now: a remote store's loader may have switched it since start-up
    (asking the runner refreshes it when due); an embedded snapshot never changes."""
    now = getattr(served().runner, "version_now", None)
    return str(now()) if now is not None else served().version


def reader_of(served: Served) -> Reader:
    """The read path onto what is served: the embedded store, or the remote store's version
    graph that its pointer names now."""
    if isinstance(served.store, ox.Store):
        return EmbeddedReader(Engine(served.store, served.version))
    current = getattr(served.runner, "current", None)
    if current is None:
        raise TypeError("a remote store is served without a RemoteRunner")
    return RemoteReader(served.store, current())
