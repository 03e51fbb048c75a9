"""`rolegraph load` and `rolegraph drop-version`: snapshots into a remote SPARQL store."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from rolegraph import config
from rolegraph.cli.options import source_option, state_option
from rolegraph.graph.build import BuildError, current_snapshot
from rolegraph.graph.sources import SourceError
from rolegraph.query import loader
from rolegraph.query.engine import EngineError
from rolegraph.query.remote import RemoteStore, StoreError, StoreSettings
from rolegraph.web.app import files_digest


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--store-url, --update-url, --graph-store-url, --store-auth (credentials: environment)."""
    for option in reversed([
        click.option("--store-url", required=True, envvar="ROLEGRAPH_STORE_URL",
                     help="The store's SPARQL query endpoint [env ROLEGRAPH_STORE_URL]."),
        click.option("--update-url", envvar="ROLEGRAPH_UPDATE_URL",
                     help="Its SPARQL update endpoint [env ROLEGRAPH_UPDATE_URL; default: "
                          "the query endpoint]."),
        click.option("--graph-store-url", envvar="ROLEGRAPH_GRAPH_STORE_URL",
                     help="Its Graph Store Protocol endpoint, used to load when given "
                          "[env ROLEGRAPH_GRAPH_STORE_URL]."),
        click.option("--store-auth", type=click.Choice(["basic", "digest"]), default="basic",
                     envvar="ROLEGRAPH_STORE_AUTH", show_default=True,
                     help="HTTP authentication for ROLEGRAPH_STORE_USER / "
                          "ROLEGRAPH_STORE_PASSWORD (taken from the environment only)."),
    ]):
        command = option(command)
    return command


def open_store(store_url: str, update_url: str | None, graph_store_url: str | None,
               store_auth: str) -> RemoteStore:
    settings = StoreSettings.from_config({
        config.STORE_URL: store_url, config.UPDATE_URL: update_url,
        config.GRAPH_STORE_URL: graph_store_url, config.STORE_AUTH: store_auth,
        config.STORE_USER: os.environ.get("ROLEGRAPH_STORE_USER"),
        config.STORE_PASSWORD: os.environ.get("ROLEGRAPH_STORE_PASSWORD")})
    return RemoteStore(settings, timeout=300)


def say(message: str) -> None:
    click.echo(message, err=True)


@click.command("load")
@store_options
@click.option("--graph", "graphs", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Load these RDF files (as `serve --graph` serves them) instead of the "
                   "built snapshot; repeatable.")
@click.option("--chunk", type=int, default=loader.DEFAULT_CHUNK, show_default=True,
              help="Triples per request.")
@click.option("--drop-old", is_flag=True, help="Then remove every other version.")
@click.option("--no-graph-store", is_flag=True,
              help="Load by SPARQL UPDATE even when a Graph Store URL is given.")
@source_option
@state_option
def load_command(store_url: str, update_url: str | None, graph_store_url: str | None,
                 store_auth: str, graphs: tuple[Path, ...], chunk: int, drop_old: bool,
                 no_graph_store: bool, source: Path | None, state_dir: Path | None) -> None:
    """Load the snapshot into a SPARQL store as a new version, then serve that version.

    A failed or interrupted load leaves the served version as it was."""
    remote = open_store(store_url, update_url, graph_store_url, store_auth)
    try:
        if graphs:
            files, version = list(graphs), files_digest(list(graphs))
        else:
            snapshot = current_snapshot(source, state_dir, progress=say)
            files, version = snapshot.files, snapshot.id
        result = loader.load(remote, files, version, chunk=chunk, progress=say,
                             graph_store=not no_graph_store)
        if drop_old:
            loader.drop(remote, progress=say)
    except (loader.LoadError, StoreError, EngineError, BuildError, SourceError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"serving {result.version} from {remote.settings.where} "
               f"({result.triples} triples; was {result.previous or 'nothing'})")


@click.command("drop-version")
@store_options
@click.argument("versions", nargs=-1)
def drop_command(store_url: str, update_url: str | None, graph_store_url: str | None,
                 store_auth: str, versions: tuple[str, ...]) -> None:
    """Remove snapshot versions from the store (default: every one but the served one)."""
    remote = open_store(store_url, update_url, graph_store_url, store_auth)
    try:
        dropped = loader.drop(remote, versions or None, progress=say)
    except (loader.LoadError, StoreError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"dropped {len(dropped)} version(s)")
