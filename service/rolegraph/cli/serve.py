"""`rolegraph serve`: the Flask app under granian (a Rust HTTP server), the store loaded once
in the main process.

The app is created before the workers start: granian forks them with the store in memory,
shared copy-on-write, and each worker forks its own query children. Requests on a worker
run in a few threads (`--threads`), so a slow query holds one thread, not the worker.

SIGHUP to the main process reloads: the app is created again (a changed source tree is
rebuilt; a broken one keeps the last good snapshot, and the log says why), then granian
starts each new worker on it before stopping the old one gracefully, so each request is
answered wholly by one version. If the new app cannot be created, the running one serves on."""

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
from granian.constants import HTTPModes, Interfaces
from granian.log import LogLevels
from granian.server.mp import MPServer  # workers are processes (Granian with a GIL)

from rolegraph import config
from rolegraph.cli.options import source_option, state_option
from rolegraph.graph.build import BuildError
from rolegraph.graph.sources import SourceError
from rolegraph.query.engine import EngineError
from rolegraph.web import SERVED, audit
from rolegraph.web.app import create_app

log = logging.getLogger("rolegraph.serve")


class Server:
    """granian serving an app object we already built (so it is loaded once, before the
    workers fork); SIGHUP builds it again with `make_app`."""

    def __init__(self, app: Flask, options: dict[str, Any],
                 make_app: Callable[[], Flask] | None = None) -> None:
        self.app = app
        self.make_app = make_app
        self.granian = MPServer("rolegraph", **options)
        self.granian.on_reload(self.reload)

    def reload(self) -> None:
        """In the main process, before new workers are started from `self.app`."""
        if self.make_app is not None:
            gc.unfreeze()  # so the replaced app's cycles can be collected, then freeze again
            self.app = rebuilt(self.make_app, self.app)
            settle()

    def worker_app(self) -> Flask:
        """In each new worker: the app as the main process holds it, its query child forked."""
        self.app.extensions[SERVED].runner.start()
        return self.app

    def run(self) -> None:
        settle()  # in the main process, before the workers fork
        self.granian.serve(target_loader=self.worker_app, wrap_loader=False)


def server_options(app: Flask, host: str, port: int, workers: int,
                   threads: int) -> dict[str, Any]:
    query_timeout = float(app.config[config.QUERY_TIMEOUT])
    return {
        "address": host, "port": port, "interface": Interfaces.WSGI, "workers": workers,
        "blocking_threads": threads,
        "http": HTTPModes.http1, "websockets": False,
        "respawn_failed_workers": True,  # a worker that dies is replaced
        "respawn_interval": 1.0,  # on reload: the new worker serves before the old one stops
        # stopping: a worker finishes the queries in flight (each stops at its own limit)
        "workers_kill_timeout": max(10, int(query_timeout) + 5),
        "log_level": LogLevels.warning, "log_access": False,  # rolegraph logs each request
    }


def default_workers() -> int:
    return max(2, os.cpu_count() or 2)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="ROLEGRAPH_HOST",
              help="Interface to listen on [env ROLEGRAPH_HOST].")
@click.option("--port", type=int, default=5000, show_default=True, envvar="ROLEGRAPH_PORT",
              help="TCP port [env ROLEGRAPH_PORT].")
@click.option("--workers", type=int, default=default_workers, envvar="ROLEGRAPH_WORKERS",
              help="Worker processes [env ROLEGRAPH_WORKERS; default: CPU count, min 2].")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              envvar="ROLEGRAPH_THREADS",
              help="Requests each worker answers at once [env ROLEGRAPH_THREADS].")
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
def serve(host: str, port: int, workers: int, threads: int, graphs: tuple[Path, ...],
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
    Server(app, server_options(app, host, port, workers, threads),
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
    beside granian's; the access log has its own handler."""
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
