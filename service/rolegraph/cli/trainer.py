"""CLI commands for trainers: `rolegraph diagram`, `rolegraph card`, `rolegraph pack`,
`rolegraph whos-who` (for children), `rolegraph slides`,
`rolegraph timeline` (loaded by cli.py when one of them runs)."""

from __future__ import annotations

from pathlib import Path

import click

from rolegraph.analysis.questions import Analysis
from rolegraph.cli.options import (
    emit,
    load_analysis,
    naming,
    read_store_option,
    say,
    source_option,
    state_option,
)
from rolegraph.trainer import cards, diagrams, pack, render, slides, whoswho
from rolegraph.trainer import timeline as timeline_drawing
from rolegraph.vocab import UnknownName, entity

output_file = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                           help="Write to this file (text formats may go to standard output).")


@click.command("diagram")
@click.option("--model", required=True, help="The model to draw, e.g. current.")
@click.option("--role", help="Only this role (slug, e.g. iro).")
@click.option("--setting", help="Only functions in this setting, e.g. childrens-home.")
@click.option("--compare", help="Draw MODEL beside this model, marking what changes.")
@click.option("--changes-only", is_flag=True,
              help="With --compare: leave out the functions that do not change.")
@click.option("--flows", is_flag=True,
              help="With --compare: one band per pair of roles, its width the number of "
                   "functions that move from the role under MODEL to the role under B.")
@click.option("--format", "fmt", type=click.Choice(diagrams.FORMATS), default="svg",
              show_default=True)
@output_file
@source_option
@state_option
@read_store_option
def diagram_command(model: str, role: str | None, setting: str | None, compare: str | None,
                    changes_only: bool, flows: bool, fmt: str, output: Path | None,
                    source: Path | None, state_dir: Path | None,
                    store_url: str | None) -> None:
    """A role diagram of a model (Graphviz), or a comparison of two models."""
    if changes_only and not compare:
        raise click.UsageError("--changes-only needs --compare B")
    if flows and (not compare or role or setting or changes_only):
        raise click.UsageError("--flows needs --compare B (and no --role, --setting or "
                               "--changes-only)")
    if fmt in ("png", "pdf") and output is None:
        raise click.UsageError(f"{fmt} needs -o FILE")
    analysis, names = naming(load_analysis(source, state_dir, store_url),
                             [model, *([compare] if compare else [])])
    model, compare = names[0], (names[1] if compare else None)
    analysis = viewing(analysis, [model, compare])
    facts = diagrams.collect(analysis)
    try:
        if flows and compare:
            dot, mmd = diagrams.flows_drawing(analysis, facts, model, compare)
        else:
            dot, mmd = diagrams.drawing(analysis, facts, model, role, setting, compare,
                                        changes_only)
    except UnknownName as error:
        raise click.BadParameter(str(error)) from error
    try:
        emit(pack.diagram_output(dot, mmd, fmt), output)
    except render.RenderError as error:
        raise click.ClickException(str(error)) from error


@click.command("card")
@click.option("--role", required=True, help="The role, e.g. iro.")
@click.option("--model", default="current", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), default="html",
              show_default=True)
@output_file
@source_option
@state_option
@read_store_option
def card_command(role: str, model: str, fmt: str, output: Path | None, source: Path | None,
                 state_dir: Path | None, store_url: str | None) -> None:
    """A printable one-page role card (HTML with print styles, or PDF)."""
    if fmt == "pdf" and output is None:
        raise click.UsageError("pdf needs -o FILE")
    analysis = viewing(load_analysis(source, state_dir, store_url), [model])
    facts = diagrams.collect(analysis)
    try:
        card = cards.role_card(analysis, facts, role, model)
    except UnknownName as error:
        raise click.BadParameter(str(error)) from error
    page = cards.card_html([card])
    emit(cards.card_pdf(page) if fmt == "pdf" else cards.standalone(page), output)


@click.command("pack")
@click.option("--model", required=True, help="The model, e.g. care-review-2022.")
@click.option("-o", "--output", "folder", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="The folder to write.")
@click.option("--pdf", is_flag=True, help="Also write every card into one PDF.")
@source_option
@state_option
@read_store_option
def pack_command(model: str, folder: Path, pdf: bool, source: Path | None,
                 state_dir: Path | None, store_url: str | None) -> None:
    """Every diagram and role card for a model, in one folder (and one PDF with --pdf)."""
    analysis = load_analysis(source, state_dir, store_url)
    try:
        written = pack.write_pack(analysis, model, folder, pdf=pdf, progress=say)
    except UnknownName as error:
        raise click.BadParameter(str(error), param_hint="--model") from error
    except render.RenderError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{len(written.files)} files written to {folder}")


@click.command("timeline")
@click.option("--role", help="The role whose time line to draw, e.g. iro.")
@click.option("--function", "function", help="Or the function, e.g. refer-to-cafcass.")
@click.option("--format", "fmt", type=click.Choice(timeline_drawing.FORMATS), default="svg",
              show_default=True)
@output_file
@source_option
@state_option
@read_store_option
def timeline_command(role: str | None, function: str | None, fmt: str, output: Path | None,
                     source: Path | None, state_dir: Path | None, store_url: str | None) -> None:
    """A drawn time line (A4 landscape) of a role or a function under the statutory system:
    who held it when, under which provision, and what changed it."""
    if (role is None) == (function is None):
        raise click.UsageError("give --role ROLE or --function FUNCTION (one of them)")
    if fmt in ("png", "pdf") and output is None:
        raise click.UsageError(f"{fmt} needs -o FILE")
    analysis = load_analysis(source, state_dir, store_url)
    kind, name = ("role", role) if role else ("function", function)
    assert name is not None
    iri = str(entity(kind, name))
    known = analysis.report.roles if kind == "role" else analysis.report.functions
    if iri not in known:
        raise click.BadParameter(f"unknown {kind} '{name}'", param_hint=f"--{kind}")
    try:
        body = timeline_drawing.drawing(analysis, iri, fmt)
    except render.RenderError as error:
        raise click.ClickException(str(error)) from error
    emit(body.decode() if fmt == "svg" else body, output)


def viewing(analysis: Analysis, names: list[str | None]) -> Analysis:
    """The analysis with any law@DATE model among `names` added; a bad date is a usage error."""
    try:
        return analysis.viewing([n for n in names if n])
    except UnknownName as error:
        raise click.BadParameter(str(error)) from error


@click.command("whos-who")
@click.option("--setting", default=whoswho.DEFAULT_SETTING, show_default=True,
              help="Where the child lives or what is happening, e.g. foster-care.")
@click.option("--model", default=whoswho.DEFAULT_MODEL, show_default=True,
              help="The model, e.g. care-review-2022, or law@YYYY-MM-DD.")
@click.option("--view", type=click.Choice(whoswho.VIEWS), default="child", show_default=True,
              help="adults: add where each sentence comes from (assignment, law, quote).")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), default="html",
              show_default=True)
@output_file
@source_option
@state_option
@read_store_option
def whos_who_command(setting: str, model: str, view: str, fmt: str, output: Path | None,
                     source: Path | None, state_dir: Path | None,
                     store_url: str | None) -> None:
    """Who's who for a child or young person, in plain words (HTML, or an A4 PDF)."""
    if fmt == "pdf" and output is None:
        raise click.UsageError("pdf needs -o FILE")
    analysis = viewing(load_analysis(source, state_dir, store_url), [model])
    facts = diagrams.collect(analysis)
    try:
        page = whoswho.whos_who(analysis, facts, setting, model)
    except UnknownName as error:
        raise click.BadParameter(str(error)) from error
    emit(whoswho.page_pdf(page, view) if fmt == "pdf"
         else cards.standalone(whoswho.page_html(page, view)), output)


@click.command("slides")
@click.option("--model", required=True, help="The model, e.g. current or care-review-2022.")
@click.option("--compare", help="Add a comparison with this model.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .pptx file to write.")
@source_option
@state_option
@read_store_option
def slides_command(model: str, compare: str | None, output: Path, source: Path | None,
                   state_dir: Path | None, store_url: str | None) -> None:
    """A trainer's slide deck (PowerPoint): the child at the centre, one slide per role with
    its functions and law, the comparison, time lines and sources; pictures and editable text."""
    analysis, names = naming(load_analysis(source, state_dir, store_url),
                             [model, *([compare] if compare else [])])
    model, compare = names[0], (names[1] if compare else None)
    analysis = viewing(analysis, [model, compare])
    facts = diagrams.collect(analysis)
    try:
        body = slides.deck(analysis, facts, model, compare)
    except UnknownName as error:
        raise click.BadParameter(str(error)) from error
    except render.RenderError as error:
        raise click.ClickException(str(error)) from error
    emit(body, output)
