"""Options and helpers shared by every rolegraph command (kept apart from cli.py so that
command modules can import them without importing each other)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rolegraph.analysis import Analysis

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


def load_analysis(source: Path | None, state_dir: Path | None) -> Analysis:
    """The analysis of the current snapshot (built if needed), or a clear CLI error."""
    from rolegraph.analysis import Analysis
    from rolegraph.build import BuildError, current_snapshot
    from rolegraph.sources import SourceError, open_tree

    try:
        return Analysis.of_snapshot(current_snapshot(source, state_dir, progress=say),
                                    open_tree(source))
    except (BuildError, SourceError) as error:
        raise click.ClickException(str(error)) from error
