"""Options and helpers shared by every rolegraph command (kept apart from cli.py so that
command modules can import them without importing each other)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis
    from rolegraph.query.reader import Reader
    from rolegraph.query.remote import RemoteStore, ServedVersion

source_option = click.option(
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder with ontology/, data/ and shapes/ to use instead of the shipped graph.",
)
state_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    envvar="ROLEGRAPH_HOME",
    help="Where snapshots are kept [env ROLEGRAPH_HOME; default ~/.cache/rolegraph].",
)
read_store_option = click.option(
    "--store-url",
    default=None,
    envvar="ROLEGRAPH_STORE_URL",
    help="Read the version a SPARQL store serves (its query endpoint; loaded with "
         "`rolegraph load`) instead of the local snapshot, as `rolegraph serve --store-url` "
         "does [env ROLEGRAPH_STORE_URL; credentials: ROLEGRAPH_STORE_USER/_PASSWORD/_AUTH].",
)
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)


def say(message: str) -> None:
    """Progress and notes go to standard error, so standard output stays the answer."""
    click.echo(message, err=True)


def emit(text: str | bytes, output: Path | None) -> None:
    """Write to a file, or to standard output (text only)."""
    if output is not None:
        output.write_bytes(text if isinstance(text, bytes) else text.encode())
        say(f"written to {output}")
    elif isinstance(text, bytes):
        raise click.UsageError("binary formats (xlsx) need -o FILE")
    else:
        click.echo(text.rstrip("\n"))


def load_analysis(source: Path | None, state_dir: Path | None,
                  store_url: str | None = None) -> Analysis:
    """The analysis of the current snapshot (built if needed), or of the version a remote
    store serves, read through the same read path; a clear CLI error otherwise."""
    from rolegraph.analysis.questions import Analysis
    from rolegraph.graph.build import BuildError, current_snapshot
    from rolegraph.graph.sources import SourceError, open_tree

    try:
        if store_url:
            return Analysis(remote_reader(store_url), open_tree(source))
        return Analysis.of_snapshot(current_snapshot(source, state_dir, progress=say),
                                    open_tree(source))
    except (BuildError, SourceError) as error:
        raise click.ClickException(str(error)) from error


def remote_reader(store_url: str) -> Reader:
    """The read path onto the version the store at `store_url` serves now."""
    from rolegraph.query.reader import RemoteReader

    return RemoteReader(*served_store(store_url))


def served_store(store_url: str) -> tuple[RemoteStore, ServedVersion]:
    """The store at `store_url`, opened as `rolegraph serve --store-url` opens it, and the
    version it serves; a clear CLI error when it does not answer or serves none."""
    import os

    from rolegraph import config
    from rolegraph.query.remote import StoreError, open_served

    try:
        return open_served({config.STORE_URL: store_url,
                            config.STORE_AUTH: os.environ.get("ROLEGRAPH_STORE_AUTH", "basic")})
    except (StoreError, ValueError) as error:  # ValueError: an unknown ROLEGRAPH_STORE_AUTH
        raise click.ClickException(str(error)) from error


def naming(analysis: Analysis, names: list[str]) -> tuple[Analysis, list[str]]:
    """The analysis with the proposal files among `names` added, and the model names; a
    clear error for an unknown model or a malformed proposal."""
    from rolegraph.graph.proposal import ProposalError
    from rolegraph.vocab import UnknownName

    try:
        return analysis.naming(names)
    except UnknownName as error:
        raise click.BadParameter(str(error)) from error
    except ProposalError as error:
        raise click.ClickException(f"proposal refused:\n{error}") from error
