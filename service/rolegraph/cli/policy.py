"""Commands for policy teams: `rolegraph coverage`, `diff`, `brief`, `check` and `validate`.
Wherever they take a model, a proposal file (YAML, JSON or Turtle; FILE#slug for one of a
Turtle file's models) names the model it proposes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from rolegraph.analysis.coverage import CoverageReport, slug
from rolegraph.cli.options import (
    emit,
    load_analysis,
    naming,
    output_option,
    read_store_option,
    source_option,
    state_option,
)
from rolegraph.graph.proposal import ProposalError
from rolegraph.present import reports
from rolegraph.present.tables import render
from rolegraph.vocab import UnknownName


def render_coverage(report: CoverageReport, fmt: str, version: str) -> str | bytes:
    renderers: dict[str, Callable[[], str | bytes]] = {
        "table": lambda: reports.coverage_table(report),
        "md": lambda: reports.coverage_markdown(report),
        "csv": lambda: reports.coverage_csv(report),
        "json": lambda: reports.coverage_json(report, version),
        "xlsx": lambda: reports.coverage_xlsx(report, version),
    }
    return renderers[fmt]()


@click.command("coverage")
@click.option("--model", "models", multiple=True, help="Only this model (repeatable).")
@click.option("--format", "fmt", type=click.Choice(reports.COVERAGE_FORMATS), default="table")
@output_option
@source_option
@state_option
@read_store_option
def coverage_command(
    models: tuple[str, ...],
    fmt: str,
    output: Path | None,
    source: Path | None,
    state_dir: Path | None,
    store_url: str | None,
) -> None:
    """The function x model matrix: who holds each function, with the SHACL findings."""
    analysis = load_analysis(source, state_dir, store_url)
    try:
        report = analysis.coverage(list(models))
    except UnknownName as error:
        raise click.BadParameter(str(error), param_hint="--model") from error
    emit(render_coverage(report, fmt, analysis.version), output)


@click.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--format", "fmt", type=click.Choice(reports.DIFF_FORMATS), default="table")
@output_option
@source_option
@state_option
@read_store_option
def diff_command(
    a: str, b: str, fmt: str, output: Path | None, source: Path | None, state_dir: Path | None,
    store_url: str | None,
) -> None:
    """What moves between model A and model B, and which provisions would need amending.

    A and B are model slugs, law@YYYY-MM-DD, or proposal files (examples/proposal.yaml)."""
    analysis, (a, b) = naming(load_analysis(source, state_dir, store_url), [a, b])
    try:
        diff = analysis.diff(a, b)
    except UnknownName as error:
        raise click.BadParameter(str(error)) from error
    report = analysis.report_for([a, b])
    renderers: dict[str, Callable[[], str | bytes]] = {
        "table": lambda: reports.diff_table(diff, report),
        "md": lambda: reports.diff_markdown(diff, report),
        "csv": lambda: reports.diff_csv(diff, report),
        "json": lambda: json.dumps(
            reports.diff_records(diff, report), indent=2, ensure_ascii=False
        ),
        "xlsx": lambda: reports.diff_xlsx(diff, report, analysis.version),
    }
    emit(renderers[fmt](), output)


@click.command("brief")
@click.argument("a")
@click.argument("b")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), default="docx",
              show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write.")
@source_option
@state_option
@read_store_option
def brief_command(
    a: str, b: str, fmt: str, output: Path, source: Path | None, state_dir: Path | None,
    store_url: str | None,
) -> None:
    """A policy brief of model A against model B: a one-page summary (what moves, what is
    lost, what is contested and by whom, what to amend), then every citation and quote.

    A and B are model slugs, law@YYYY-MM-DD, or proposal files (examples/proposal.yaml)."""
    from rolegraph.present.brief import make_brief
    from rolegraph.present.brief_render import render as render_brief

    analysis, (a, b) = naming(load_analysis(source, state_dir, store_url), [a, b])
    try:
        brief = make_brief(analysis, a, b)
    except UnknownName as error:
        raise click.BadParameter(str(error)) from error
    emit(render_brief(brief, fmt), output)


@click.command("check")
@click.argument("proposal", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(reports.COVERAGE_FORMATS), default="table")
@output_option
@source_option
@state_option
@read_store_option
def check_command(
    proposal: Path, fmt: str, output: Path | None, source: Path | None, state_dir: Path | None,
    store_url: str | None,
) -> None:
    """Check a proposed model (YAML, JSON or Turtle) without changing the shipped data.

    Exits 1 if the proposal leaves a function without a holder (a violation)."""
    analysis = load_analysis(source, state_dir, store_url)
    try:
        report = analysis.check(proposal)
    except ProposalError as error:
        raise click.ClickException(f"proposal refused:\n{error}") from error
    emit(render_coverage(report, fmt, analysis.version), output)
    if report.of("Violation"):
        sys.exit(1)


@click.command("validate")
@click.argument("proposal", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Also fail when a model leaves a function uncovered.")
@source_option
@state_option
@click.pass_context
def validate_command(context: click.Context, proposal: Path | None, strict: bool,
                     source: Path | None, state_dir: Path | None) -> None:
    """Build (integrity and consistency) and summarise the coverage findings per model;
    given a PROPOSAL, check it as `rolegraph check` does (as /validate does on the web)."""
    if proposal is not None:
        context.invoke(check_command, proposal=proposal, fmt="table", output=None,
                       source=source, state_dir=state_dir, store_url=None)
        return
    analysis = load_analysis(source, state_dir)
    report = analysis.report
    rows = [
        [slug(m), *(str(len(report.of(s, m))) for s in ("Violation", "Warning", "Info"))]
        for m in report.models
    ]
    click.echo(f"snapshot {analysis.version}: integrity and consistency pass")
    click.echo(render(["model", "violations", "warnings", "info"], rows))
    if strict and report.of("Violation"):
        sys.exit(1)

