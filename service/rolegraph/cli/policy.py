"""Commands for policy teams: `rolegraph coverage`, `diff`, `check` and `validate`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from rolegraph.analysis.coverage import CoverageReport, slug
from rolegraph.analysis.questions import UnknownModel
from rolegraph.cli.options import (
    emit,
    load_analysis,
    output_option,
    read_store_option,
    source_option,
    state_option,
)
from rolegraph.graph.proposal import ProposalError
from rolegraph.present import reports
from rolegraph.present.tables import render


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
    except UnknownModel as error:
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
    """What moves between model A and model B, and which provisions would need amending."""
    analysis = load_analysis(source, state_dir, store_url)
    try:
        diff = analysis.diff(a, b)
    except UnknownModel as error:
        raise click.BadParameter(str(error)) from error
    report = analysis.report_for([a, b])
    text = {
        "table": lambda: reports.diff_table(diff, report),
        "md": lambda: reports.diff_markdown(diff, report),
        "csv": lambda: reports.diff_csv(diff, report),
        "json": lambda: json.dumps(
            reports.diff_records(diff, report), indent=2, ensure_ascii=False
        ),
    }[fmt]()
    emit(text, output)


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
@click.option("--strict", is_flag=True, help="Also fail when a model leaves a function uncovered.")
@source_option
@state_option
def validate_command(strict: bool, source: Path | None, state_dir: Path | None) -> None:
    """Build (integrity and consistency) and summarise the coverage findings per model."""
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

