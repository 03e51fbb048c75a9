"""The Flask application factory: load the dataset once, then attach each surface."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Flask, Response
from flask_compress import Compress
from flask_cors import CORS

from rolegraph import config
from rolegraph.graph.build import current_snapshot
from rolegraph.query import isolation, safety
from rolegraph.query.engine import Engine, EngineError
from rolegraph.web import (
    SERVED,
    Served,
    api,
    bodylimit,
    briefs,
    children,
    conditional,
    data,
    ops,
    pages,
    problems,
    ratelimit,
    search,
    site,
    sparql,
)
from rolegraph.web import diagrams as trainer
from rolegraph.web.accesslog import AccessLog

log = logging.getLogger("rolegraph.app")


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create the service: load the snapshot (or --graph files) once, then the surfaces."""
    app = Service("rolegraph")  # the package: its templates/ and static/ folders
    app.config.from_object(config.DefaultConfig)
    app.config.from_prefixed_env("ROLEGRAPH")  # e.g. ROLEGRAPH_QUERY_TIMEOUT=2
    if overrides:
        app.config.update(overrides)
    app.extensions[SERVED] = load_served(app.config)
    app.register_blueprint(sparql.bp, url_prefix="/sparql")  # SPARQL 1.1 Protocol
    app.register_blueprint(ops.bp)  # /health, /ready, /.well-known/void
    app.register_blueprint(trainer.bp)  # /diagrams/..., /roles/{slug}/card
    app.register_blueprint(children.bp)  # /whos-who/{setting}, /slides/{model}.pptx
    site.init_app(app)  # the coverage analysis, computed once before workers fork
    app.register_blueprint(pages.bp)  # pages, /id/{kind}/{slug}, /def, /legislation, /queries
    app.register_blueprint(api.bp)  # /api/..., /validate, /openapi.json
    app.register_blueprint(search.bp)  # /search, /api/search
    app.register_blueprint(data.bp)  # /data/ (the open release), "cite this" on every page
    app.register_blueprint(briefs.bp)  # /briefs/{a}/{b}.docx|pdf, /validate/brief.docx|pdf
    # One CORS policy for every answer (read-only, no credentials): CORS_ORIGINS may read
    # (default any origin; never reflect origins with credentials). A preflight offers only
    # the methods the service answers (POST: /sparql and the checks of a proposal).
    CORS(app, origins=app.config[config.CORS_ORIGINS], expose_headers=["ETag"], max_age=86400,
         send_wildcard=True, methods=CORS_METHODS)
    secure_headers(app)
    Compress(app)
    problems.register(app)
    conditional.init_app(app)  # ETags and 304s for every GET answer
    app.wsgi_app = sparql.PlainLookups(app, app.wsgi_app)  # type: ignore[method-assign]
    cache_mb = int(app.config[config.RESULT_CACHE_MB])
    if cache_mb > 0:
        app.wsgi_app = ops.ResponseCache(  # type: ignore[method-assign]
            app.wsgi_app, cache_mb * 1024 * 1024,
            version=getattr(app.extensions[SERVED].runner, "version_now", None))
    bodylimit.init_app(app)  # chunked bodies too: 413 past MAX_CONTENT_LENGTH
    ratelimit.init_app(app)  # 429 before any work (issue 8, SECURITY.md)
    if app.config[config.ACCESS_LOG]:  # outermost: every answer logged, refusals too
        app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]
    return app


# What a CORS preflight allows: the service is read-only (no PUT, PATCH or DELETE route).
CORS_METHODS = ["GET", "HEAD", "POST", "OPTIONS"]

# The Content-Security-Policy of every answer: the pages' scripts and styles come only from
# /static/ (no inline script, no inline style, no eval; YASGUI included), nothing may frame
# them, and forms post only here. Images and fonts may be data: URIs (YASGUI's icons).
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


SECURE_HEADERS = {
    "Content-Security-Policy": "; ".join(
        f"{name} {value if isinstance(value, str) else ' '.join(value)}"
        for name, value in CSP.items()),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def secure_headers(app: Flask) -> None:
    """The safe headers on every answer: the CSP above, nosniff, X-Frame-Options DENY, a
    Referrer-Policy. No HSTS and no HTTPS redirect: the service is often served over plain
    HTTP on a local machine, behind a proxy that terminates TLS. They are constants, so set
    as such: flask-talisman rebuilt them for every request (a sixth of a lookup's time), for
    per-view options and nonces this service does not use (docs/decisions)."""

    @app.after_request
    def add_secure_headers(response: Response) -> Response:
        response.headers.update(SECURE_HEADERS)
        return response


class Service(Flask):
    """Flask, with no async views: every view and hook is a plain function, so none needs
    wrapping (Flask checks each of a request's ten hooks for a coroutine otherwise)."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return func


def load_served(cfg: Mapping[str, Any]) -> Served:
    """The store and its runner; the query child is forked later, per worker."""
    if cfg.get(config.STORE_URL):
        return load_remote(cfg)
    engine = load_engine(cfg)
    named = frozenset(g.value for g in engine.store.named_graphs()
                      if isinstance(g, ox.NamedNode))
    # "empty": a graph the store lacks is an empty graph (Oxigraph's reading, and what the
    # W3C protocol tests expect); either way nothing is ever fetched.
    allowed = None if cfg[config.UNKNOWN_GRAPHS] == "empty" else named
    work = partial(safety.evaluate, engine.store, allowed)
    safety.warm_up(engine.store, allowed)
    return Served(engine.store, engine.version, make_runner(cfg, work), named,
                  stats=dataset_stats(engine.store), limits=config.settings_summary(dict(cfg)))


def load_remote(cfg: Mapping[str, Any]) -> Served:
    """A remote SPARQL store: the version its pointer names, and a runner that forwards."""
    from rolegraph.query.remote import RemoteRunner, ServedVersion, StoreError, open_served

    try:
        store, version = open_served(cfg)
    except StoreError as error:
        raise EngineError(str(error)) from error

    def switch(new: ServedVersion) -> None:  # the loader switched versions: follow it
        served.version, served.named_graphs = new.id, new.named_graphs
        served.stats = remote_stats(new)

    runner = RemoteRunner(store, version, timeout=float(cfg[config.QUERY_TIMEOUT]),
                          unknown_graphs=str(cfg[config.UNKNOWN_GRAPHS]),
                          refresh=float(cfg[config.STORE_REFRESH]), on_change=switch)
    served = Served(store, version.id, runner, version.named_graphs,
                    stats=remote_stats(version), limits=config.settings_summary(dict(cfg)))
    log.info("answering from %s, version %s", store, version.id)
    return served


def remote_stats(version: Any) -> dict[str, int]:
    return {"total": version.triples, "default": version.triples, "subjects": version.subjects}


def load_engine(cfg: Mapping[str, Any]) -> Engine:
    files = graph_files(cfg[config.GRAPH_FILES])
    if files:
        return Engine.from_files(files, version=files_digest(files))
    source, state = cfg[config.SOURCE], cfg[config.STATE_DIR]
    snapshot = current_snapshot(Path(source) if source else None,
                                Path(state) if state else None, progress=log.info)
    return Engine.from_snapshot(snapshot)


def graph_files(value: Any) -> list[Path]:
    """GRAPH_FILES from a list, or from the environment as a PATH-style string."""
    if isinstance(value, str):
        value = [part for part in value.split(os.pathsep) if part]
    return [Path(item) for item in value or []]


def files_digest(files: list[Path]) -> str:
    """The version of --graph data: a digest of the files' bytes, as a snapshot id is."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return "files-" + digest.hexdigest()[:16]


def make_runner(cfg: Mapping[str, Any], work: safety.Work) -> safety.Runner:
    mode = cfg[config.ISOLATION]
    runner: safety.Runner
    if mode == "inline":
        runner = safety.InlineRunner(work)
    elif mode == "fork":
        runner = isolation.ForkRunner(work, float(cfg[config.QUERY_TIMEOUT]),
                                      int(cfg[config.QUERY_MEMORY_MB]))
    else:
        raise ValueError(f"{config.ISOLATION} must be 'fork' or 'inline', not {mode!r}")
    cache_mb = int(cfg[config.RESULT_CACHE_MB])
    return safety.CachingRunner(runner, cache_mb * 1024 * 1024) if cache_mb > 0 else runner


def dataset_stats(store: ox.Store) -> dict[str, int]:
    """Counts for VoID and the service description, taken once at load."""
    default = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    subjects = {quad.subject for quad in store.quads_for_pattern(None, None, None, None)}
    return {"total": len(store), "default": default, "subjects": len(subjects)}
