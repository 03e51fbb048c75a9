"""The rolegraph command line: build, query and check the graph; serve it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import IO

import click
import pyoxigraph as ox

from rolegraph import __version__
from rolegraph.cli.options import read_store_option, say, source_option, state_option
from rolegraph.graph.build import BuildError, build, current_snapshot
from rolegraph.graph.sources import SourceError
from rolegraph.present.tables import solutions_table
from rolegraph.query.engine import FORMATS, Engine, EngineError, serialize
from rolegraph.vocab import PREFIXES

# Commands in other modules, imported only when used: `rolegraph query` need not load
# Flask, granian, Graphviz or WeasyPrint.
LAZY_COMMANDS = {
    "coverage": "rolegraph.cli.policy:coverage_command",
    "diff": "rolegraph.cli.policy:diff_command",
    "brief": "rolegraph.cli.policy:brief_command",
    "check": "rolegraph.cli.policy:check_command",
    "validate": "rolegraph.cli.policy:validate_command",
    "serve": "rolegraph.cli.serve:serve",
    "load": "rolegraph.cli.load:load_command",
    "drop-version": "rolegraph.cli.load:drop_command",
    "diagram": "rolegraph.cli.trainer:diagram_command",
    "card": "rolegraph.cli.trainer:card_command",
    "pack": "rolegraph.cli.trainer:pack_command",
    "timeline": "rolegraph.cli.trainer:timeline_command",
    "whos-who": "rolegraph.cli.trainer:whos_who_command",
    "slides": "rolegraph.cli.trainer:slides_command",
    "export": "rolegraph.cli.export:export_command",
}


class LazyGroup(click.Group):
    """A group whose commands from LAZY_COMMANDS are imported on first use (click's
    documented pattern for large command lines)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[name].split(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, name)


def load_engine(source: Path | None, state_dir: Path | None) -> Engine:
    try:
        return Engine.from_snapshot(current_snapshot(source, state_dir, progress=say))
    except (BuildError, SourceError) as error:
        raise click.ClickException(str(error)) from error


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="rolegraph")
def main() -> None:
    """Who does what for a child in care in England, under which law, and under each reform."""


@main.command("build")
@source_option
@state_option
@click.option("--force", is_flag=True, help="Rebuild even if the inputs are unchanged.")
def build_command(source: Path | None, state_dir: Path | None, force: bool) -> None:
    """Load, reason (HermiT), validate and snapshot the graph."""
    try:
        result = build(source, state_dir, progress=say, force=force)
    except BuildError as error:
        message = f"build refused; the last good snapshot is unchanged.\n{error}"
        raise click.ClickException(message) from error
    manifest = result.snapshot.manifest
    triples = manifest["triples"]
    click.echo(
        f"snapshot {result.snapshot.id}: {triples['asserted']} asserted + "
        f"{triples['inferred']} inferred triples"
        f"{' (reused)' if result.reused else ''}"
    )


@main.command("query")
@click.argument("text", required=False)
@click.option(
    "-f", "--file", "query_file", type=click.File("r"), help="Read the query from a file."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", *FORMATS]),
    default="table",
    help="table (default), or a SPARQL 1.1 results format (json, xml, csv, tsv) or, "
    "for CONSTRUCT/DESCRIBE, an RDF format (turtle, nt, jsonld, rdfxml).",
)
@source_option
@state_option
@read_store_option
def query_command(
    text: str | None,
    query_file: IO[str] | None,
    fmt: str,
    source: Path | None,
    state_dir: Path | None,
    store_url: str | None,
) -> None:
    """Answer a SPARQL query against the current snapshot, or the version a SPARQL store
    serves (--store-url); common prefixes predeclared."""
    if (text is None) == (query_file is None):
        raise click.UsageError("give the query as an argument or with -f FILE (one of them)")
    query = text if text is not None else query_file.read()  # type: ignore[union-attr]
    if store_url:
        click.echo(remote_answer(store_url, query, fmt).rstrip("\n"))
        return
    engine = load_engine(source, state_dir)
    try:
        result = engine.query(query, prefixes=PREFIXES)
        if fmt == "table":
            output = table_or_default(result)
        else:
            output = serialize(result, FORMATS[fmt]).decode()
    except EngineError as error:
        raise click.ClickException(f"query refused: {error}") from error
    click.echo(output.rstrip("\n"))


def remote_answer(store_url: str, query: str, fmt: str) -> str:
    """The query answered from a SPARQL store as `serve --store-url` answers /sparql (read
    only, the served version's graphs only, bounded as there by default), in `fmt`."""
    from rolegraph.cli.options import served_store
    from rolegraph.query.remote import RemoteRunner
    from rolegraph.query.safety import QueryJob, Refusal

    solutions: str | None
    graph: str | None
    if fmt == "table":  # a table is made from SPARQL JSON; a graph is shown as Turtle
        solutions, graph = "json", "turtle"
    else:
        solutions, graph = (None, fmt) if FORMATS[fmt].for_graphs else (fmt, None)
    store, version = served_store(store_url)
    outcome = RemoteRunner(store, version, timeout=store.timeout).run(
        QueryJob(query, solutions_format=solutions, graph_format=graph,
                 prefixes=tuple(PREFIXES.items())))
    if isinstance(outcome, Refusal):
        raise click.ClickException(f"query refused: {outcome.message}")
    if fmt == "table" and outcome.format == "json":
        return table_or_default(ox.parse_query_results(outcome.body,
                                                       format=ox.QueryResultsFormat.JSON))
    return outcome.body.decode()


def table_or_default(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> str:
    if isinstance(result, ox.QuerySolutions):
        return solutions_table(result)
    if isinstance(result, ox.QueryBoolean):
        return "true" if bool(result) else "false"
    return serialize(result, FORMATS["turtle"]).decode()


if __name__ == "__main__":
    sys.exit(main())
