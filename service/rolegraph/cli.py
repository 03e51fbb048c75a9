"""The rolegraph command line: build, query and check the graph; serve it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pyoxigraph as ox

from rolegraph import __version__, reports
from rolegraph.analysis import Analysis, UnknownModel
from rolegraph.build import BuildError, build, current_snapshot
from rolegraph.coverage import CoverageReport, slug
from rolegraph.engine import FORMATS, PREFIXES, Engine, EngineError, serialize
from rolegraph.proposal import ProposalError
from rolegraph.sources import SourceError, open_tree
from rolegraph.tables import render, solutions_table

source_option = click.option(
    "--source", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="A folder with ontology/, data/ and shapes/ to use instead of the shipped graph.")
state_option = click.option(
    "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    envvar="ROLEGRAPH_HOME", help="Where snapshots are kept [env ROLEGRAPH_HOME; default ~/.cache/rolegraph].")


def say(message: str) -> None:
    click.echo(message, err=True)


def load_engine(source: Path | None, state_dir: Path | None) -> Engine:
    try:
        return Engine.from_snapshot(current_snapshot(source, state_dir, progress=say))
    except (BuildError, SourceError) as error:
        raise click.ClickException(str(error)) from error


@click.group()
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
    click.echo(f"snapshot {result.snapshot.id}: {triples['asserted']} asserted + "
               f"{triples['inferred']} inferred triples"
               f"{' (reused)' if result.reused else ''}")


@main.command("query")
@click.argument("text", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r"), help="Read the query from a file.")
@click.option("--format", "fmt", type=click.Choice(["table", *FORMATS]), default="table",
              help="table (default), or a SPARQL 1.1 results format (json, xml, csv, tsv) or, "
                   "for CONSTRUCT/DESCRIBE, an RDF format (turtle, nt, jsonld, rdfxml).")
@source_option
@state_option
def query_command(text: str | None, query_file: click.utils.LazyFile | None, fmt: str,
                  source: Path | None, state_dir: Path | None) -> None:
    """Answer a SPARQL query against the current snapshot (common prefixes predeclared)."""
    if (text is None) == (query_file is None):
        raise click.UsageError("give the query as an argument or with -f FILE (one of them)")
    query = text if text is not None else query_file.read()  # type: ignore[union-attr]
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


def table_or_default(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> str:
    if isinstance(result, ox.QuerySolutions):
        return solutions_table(result)
    if isinstance(result, ox.QueryBoolean):
        return "true" if bool(result) else "false"
    return serialize(result, FORMATS["turtle"]).decode()


def load_analysis(source: Path | None, state_dir: Path | None) -> Analysis:
    try:
        return Analysis(current_snapshot(source, state_dir, progress=say), open_tree(source))
    except (BuildError, SourceError) as error:
        raise click.ClickException(str(error)) from error


def emit(text: str | bytes, output: Path | None) -> None:
    """Write to a file, or to standard output (text only)."""
    if output is not None:
        output.write_bytes(text if isinstance(text, bytes) else text.encode())
        say(f"written to {output}")
    elif isinstance(text, bytes):
        raise click.UsageError("binary formats (xlsx) need -o FILE")
    else:
        click.echo(text.rstrip("\n"))


output_option = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                             help="Write to this file instead of standard output.")


def render_coverage(report: CoverageReport, fmt: str, version: str) -> str | bytes:
    renderers: dict[str, Callable[[], str | bytes]] = {
        "table": lambda: reports.coverage_table(report),
        "md": lambda: reports.coverage_markdown(report),
        "csv": lambda: reports.coverage_csv(report),
        "json": lambda: reports.coverage_json(report, version),
        "xlsx": lambda: reports.coverage_xlsx(report, version),
    }
    return renderers[fmt]()


@main.command("coverage")
@click.option("--model", "models", multiple=True, help="Only this model (repeatable).")
@click.option("--format", "fmt", type=click.Choice(reports.COVERAGE_FORMATS), default="table")
@output_option
@source_option
@state_option
def coverage_command(models: tuple[str, ...], fmt: str, output: Path | None,
                     source: Path | None, state_dir: Path | None) -> None:
    """The function x model matrix: who holds each function, with the SHACL findings."""
    analysis = load_analysis(source, state_dir)
    try:
        report = analysis.coverage(list(models))
    except UnknownModel as error:
        raise click.BadParameter(str(error), param_hint="--model") from error
    emit(render_coverage(report, fmt, analysis.snapshot.id), output)


@main.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--format", "fmt", type=click.Choice(reports.DIFF_FORMATS), default="table")
@output_option
@source_option
@state_option
def diff_command(a: str, b: str, fmt: str, output: Path | None, source: Path | None,
                 state_dir: Path | None) -> None:
    """What moves between model A and model B, and which provisions would need amending."""
    analysis = load_analysis(source, state_dir)
    try:
        diff = analysis.diff(a, b)
    except UnknownModel as error:
        raise click.BadParameter(str(error)) from error
    report = analysis.report
    text = {"table": lambda: reports.diff_table(diff, report),
            "md": lambda: reports.diff_markdown(diff, report),
            "csv": lambda: reports.diff_csv(diff, report),
            "json": lambda: json.dumps(reports.diff_records(diff, report), indent=2,
                                       ensure_ascii=False)}[fmt]()
    emit(text, output)


@main.command("check")
@click.argument("proposal", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(reports.COVERAGE_FORMATS), default="table")
@output_option
@source_option
@state_option
def check_command(proposal: Path, fmt: str, output: Path | None, source: Path | None,
                  state_dir: Path | None) -> None:
    """Check a proposed model (YAML, JSON or Turtle) without changing the shipped data.

    Exits 1 if the proposal leaves a function without a holder (a violation)."""
    analysis = load_analysis(source, state_dir)
    try:
        report = analysis.check(proposal)
    except ProposalError as error:
        raise click.ClickException(f"proposal refused:\n{error}") from error
    emit(render_coverage(report, fmt, analysis.snapshot.id), output)
    if report.of("Violation"):
        sys.exit(1)


@main.command("validate")
@click.option("--strict", is_flag=True, help="Also fail when a model leaves a function uncovered.")
@source_option
@state_option
def validate_command(strict: bool, source: Path | None, state_dir: Path | None) -> None:
    """Build (integrity and consistency) and summarise the coverage findings per model."""
    analysis = load_analysis(source, state_dir)
    report = analysis.report
    rows = [[slug(m), *(str(len(report.of(s, m))) for s in ("Violation", "Warning", "Info"))]
            for m in report.models]
    click.echo(f"snapshot {analysis.snapshot.id}: integrity and consistency pass")
    click.echo(render(["model", "violations", "warnings", "info"], rows))
    if strict and report.of("Violation"):
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())

from rolegraph.serve import serve  # noqa: E402 - serve imports the options above

main.add_command(serve)

from rolegraph.load_cli import drop_command, load_command  # noqa: E402

main.add_command(load_command)
main.add_command(drop_command)

from rolegraph.trainer_cli import card_command, diagram_command, pack_command  # noqa: E402

main.add_command(diagram_command)
main.add_command(card_command)
main.add_command(pack_command)
