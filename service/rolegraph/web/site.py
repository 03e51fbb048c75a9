"""The Site of the served version: its analysis, read through the served store (one read
path), kept per version and followed across a remote store's switches; 404s for absent names."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app

from rolegraph import config
from rolegraph.analysis.questions import Analysis
from rolegraph.graph.sources import open_tree
from rolegraph.present.evidence import EvidenceSummary, evidence
from rolegraph.present.records import KEY_SETTINGS, href
from rolegraph.present.views import Site
from rolegraph.query import gallery
from rolegraph.query.reader import ReadError
from rolegraph.query.remote import StoreError
from rolegraph.vocab import UnknownName
from rolegraph.web import SERVED, Served, problems, reader_of, served_version
from rolegraph.web.problems import NO_SNAPSHOT, STORE_UNAVAILABLE, ProblemError
from rolegraph.web.respond import plain

log = logging.getLogger("rolegraph.pages")

SITE = "rolegraph.site"  # key in app.extensions: the Sites, one per served version
EVIDENCE = "rolegraph.evidence"  # key in app.extensions: (Site, its evidence summary)
T = TypeVar("T")
_building = threading.Lock()  # one build at a time per worker, of whatever is kept


def init_app(app: Flask) -> None:
    """Build the Site (coverage analysis, ~0.5 s) once, before the server forks its workers."""
    sites = Sites(app.config, app.extensions[SERVED])
    sites.for_version(app.extensions[SERVED].version)
    app.extensions[SITE] = sites
    app.register_error_handler(UnknownName, not_found_response)
    app.jinja_env.globals.update(href=href, GROUPS=gallery.GROUPS, KEY_SETTINGS=KEY_SETTINGS)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


class Sites:
    """The Site of the served version, read through the served store (reader.py). A remote
    store's loader can switch versions under a running service; the pages then follow,
    read afresh from the store's new version graph, never showing one version's content
    under another's id. Only the current version's Site is kept."""

    def __init__(self, cfg: Mapping[str, Any], served: Served) -> None:
        self.cfg = cfg
        self.served = served
        self.version: str | None = None
        self.site: Site | None = None
        self._lock = threading.Lock()

    def for_version(self, version: str) -> Site | None:
        with self._lock:
            if version != self.version or self.site is None:
                self.site = load_site(self.cfg, self.served)
                self.version = self.site.analysis.version if self.site else None
            return self.site


def load_site(cfg: Mapping[str, Any], served: Served) -> Site | None:
    """The analysis of the served version; None when --graph files are served instead, or
    while the store does not answer (the pages then say 503, and try again next time)."""
    if cfg.get(config.GRAPH_FILES):
        return None
    source = cfg.get(config.SOURCE)
    try:
        reader = reader_of(served)
        site = Site(Analysis(reader, open_tree(Path(source) if source else None)))
        site.report  # noqa: B018  compute coverage now, so forked workers share it
    except (ReadError, StoreError) as error:
        log.warning("pages are off: %s", error)
        return None
    log.info("pages answer from version %s", reader.version)
    return site


def site() -> Site:
    version = served_version()
    found: Site | None = current_app.extensions[SITE].for_version(version)
    if found is not None:
        return found
    if current_app.config.get(config.GRAPH_FILES):
        raise ProblemError(503, "Pages need the built snapshot",
                           "This service is serving RDF files given with --graph, not the built "
                           "rolegraph snapshot, so the pages, diagrams and the JSON API are off; "
                           "the SPARQL endpoint at /sparql works.", NO_SNAPSHOT)
    raise ProblemError(503, "The store did not answer",
                       f"The pages read version {version} from the SPARQL store, which did not "
                       "answer; try again shortly (the SPARQL endpoint says the same).",
                       NO_SNAPSHOT)


def not_found_response(error: UnknownName) -> Response:
    """Any view (page or API) that asks the Site for something absent answers 404 (a page
    for browsers, problem+json for programs), with the nearest names when there are any."""
    extra = {"suggestions": plain(error.suggestions)} if error.suggestions else {}
    return problems.to_response(problems.not_found(str(error), **extra))



def kept_with_site(key: str, s: Site, make: Callable[[], T], what: str) -> T:
    """What `make` builds from the Site's version, built once per Site (so per version) and
    kept with it; a store that does not answer while building is a 503 that names `what`."""
    kept: tuple[Site, T] | None = current_app.extensions.get(key)
    if kept is None or kept[0] is not s:
        with _building:
            kept = current_app.extensions.get(key)
            if kept is None or kept[0] is not s:
                try:
                    kept = (s, make())
                except (ReadError, StoreError) as error:
                    raise ProblemError(503, "The store did not answer",
                                       f"{what} is read from the store, which did not "
                                       f"answer: {error}", STORE_UNAVAILABLE) from error
                current_app.extensions[key] = kept
    return kept[1]


def evidence_of(s: Site) -> EvidenceSummary:
    """The Site's evidence summary (0.1 s)."""
    return kept_with_site(EVIDENCE, s, lambda: evidence(s.graph), "How sure is this?")


