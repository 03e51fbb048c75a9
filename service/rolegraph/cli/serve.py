"""`rolegraph serve`: the Flask app under gunicorn, the store loaded once in the master.

The app is created before gunicorn starts (preload): workers are forked with the store in
memory and share it copy-on-write; each worker then forks its own query child.

SIGHUP to the master reloads: the app is created again (a changed source tree is rebuilt;
a broken one keeps the last good snapshot, and the log says why), then gunicorn starts new
workers on it and stops the old ones gracefully, so each request is answered wholly by one
version. If the new app cannot be created at all, the running one keeps serving."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from rolegraph import config
from rolegraph.cli.options import source_option, state_option
from rolegraph.graph.build import BuildError
from rolegraph.graph.sources import SourceError
from rolegraph.query.engine import EngineError
from rolegraph.web import SERVED, audit
from rolegraph.web.app import create_app

log = logging.getLogger("rolegraph.serve")


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn running an app object we already built (so it is loaded once); SIGHUP
    builds it again with `make_app`."""

    def __init__(self, app: Flask, options: dict[str, Any],
                 make_app: Callable[[], Flask] | None = None) -> None:
        self.application = app
        self.options = options
        self.make_app = make_app
        super().__init__()

    def reload(self) -> None:
        super().reload()
        if self.make_app is not None:
            self.application = self.callable = rebuilt(self.make_app, self.application)
            gc.unfreeze()  # so the replaced app's cycles can be collected, then freeze again
            settle()

    def load(self) -> Flask:
        settle()  # in the master, before the workers fork
        return self.application

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)


def gunicorn_options(app: Flask, host: str, port: int, workers: int) -> dict[str, Any]:
    query_timeout = float(app.config[config.QUERY_TIMEOUT])
    runner = app.extensions[SERVED].runner

    def post_fork(_server: Any, worker: Any) -> None:
        current = worker.app.wsgi() if hasattr(worker.app, "wsgi") else None  # after a reload
        start = getattr(current.extensions[SERVED].runner if isinstance(current, Flask)
                        else runner, "start", None)
        if start:  # fork the query child before the first request
            start()

    return {
        "bind": f"{host}:{port}", "workers": workers, "worker_class": "sync",
        "preload_app": True,
        # a worker is only killed if a query overruns its own limit by far (safety.py stops it)
        "timeout": max(30, int(query_timeout * 2) + 10), "graceful_timeout": 10,
        "accesslog": None, "errorlog": "-", "loglevel": "warning",
        "post_fork": post_fork,
    }


def default_workers() -> int:
    return max(2, os.cpu_count() or 2)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="ROLEGRAPH_HOST",
              help="Interface to listen on [env ROLEGRAPH_HOST].")
@click.option("--port", type=int, default=5000, show_default=True, envvar="ROLEGRAPH_PORT",
              help="TCP port [env ROLEGRAPH_PORT].")
@click.option("--workers", type=int, default=default_workers, envvar="ROLEGRAPH_WORKERS",
              help="gunicorn worker processes [env ROLEGRAPH_WORKERS; default: CPU count, min 2].")
@click.option("--graph", "graphs", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve these RDF files (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD) "
                   "instead of the built snapshot; repeatable.")
@click.option("--query-timeout", type=float, default=None,
              help="Seconds a query may run before it is stopped with 503 "
                   "[env ROLEGRAPH_QUERY_TIMEOUT; default 10].")
@click.option("--max-rows", type=int, default=None,
              help="Most solutions or triples in one result "
                   "[env ROLEGRAPH_MAX_ROWS; default 100000].")
@click.option("--store-url", default=None,
              help="Answer from this remote SPARQL 1.1 store (its query endpoint) instead of "
                   "the embedded one; load it first with `rolegraph load` "
                   "[env ROLEGRAPH_STORE_URL; credentials: ROLEGRAPH_STORE_USER/_PASSWORD].")
@click.option("--update-url", default=None,
              help="The store's update endpoint [env ROLEGRAPH_UPDATE_URL].")
@click.option("--graph-store-url", default=None,
              help="The store's Graph Store Protocol endpoint [env ROLEGRAPH_GRAPH_STORE_URL].")
@source_option
@state_option
def serve(host: str, port: int, workers: int, graphs: tuple[Path, ...],
          query_timeout: float | None, max_rows: int | None, store_url: str | None,
          update_url: str | None, graph_store_url: str | None,
          source: Path | None, state_dir: Path | None) -> None:
    """Serve the SPARQL endpoint (read-only) at http://HOST:PORT/sparql."""
    overrides = flag_overrides(graphs, query_timeout, max_rows, source, state_dir)
    overrides.update({key: value for key, value in ((config.STORE_URL, store_url),
                      (config.UPDATE_URL, update_url), (config.GRAPH_STORE_URL, graph_store_url))
                      if value})
    log_to_stderr()
    audit.install_from_env()  # tests only: ROLEGRAPH_AUDIT_LOG=FILE (audit.py)
    try:
        app = create_app(overrides)
    except (BuildError, SourceError, EngineError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"serving {app.extensions[SERVED].version} at http://{host}:{port}/sparql "
               f"with {workers} workers", err=True)
    Server(app, gunicorn_options(app, host, port, workers),
           make_app=lambda: create_app(overrides)).run()


def rebuilt(make_app: Callable[[], Flask], current: Flask) -> Flask:
    """The app for a reload: a new one, or `current` if none can be made (logged)."""
    was = current.extensions[SERVED].version
    log.info("reload requested: building the service again (serving %s meanwhile)", was)
    try:
        app = make_app()
    except Exception as error:  # whatever failed, the running service must stay up
        log.error("reload refused, still serving %s: %s", was, error)
        return current
    now = app.extensions[SERVED].version
    log.info("reload: now serving %s%s", now, " (unchanged)" if now == was else
             f" (was {was})")
    return app


def settle() -> None:
    """Move everything loaded so far (the graph, the analysis: millions of objects) out of
    the garbage collector's sight: a full collection in a worker then takes milliseconds,
    not a pause in the latency tail, and it no longer writes to pages shared copy-on-write."""
    gc.collect()
    gc.freeze()


def log_to_stderr() -> None:
    """rolegraph's own log lines (build progress, refused rebuilds, reloads) on stderr,
    beside gunicorn's; the access log has its own handler."""
    logger = logging.getLogger("rolegraph")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(
            "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def flag_overrides(graphs: tuple[Path, ...], query_timeout: float | None,
                   max_rows: int | None, source: Path | None,
                   state_dir: Path | None) -> dict[str, Any]:
    """Only the flags given: the rest stay as ROLEGRAPH_* or the defaults set them."""
    given = {config.GRAPH_FILES: [str(p) for p in graphs] or None,
             config.QUERY_TIMEOUT: query_timeout, config.MAX_ROWS: max_rows,
             config.SOURCE: str(source) if source else None,
             config.STATE_DIR: str(state_dir) if state_dir else None}
    return {key: value for key, value in given.items() if value is not None}
