"""A training pack: every diagram and role card for one model, written into one folder (and,
on request, one PDF), with an index page."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rolegraph.analysis.coverage import slug
from rolegraph.trainer import cards, diagrams, render

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis

Progress = Callable[[str], None]


@dataclass
class Pack:
    folder: Path
    files: list[Path] = field(default_factory=list)

    def write(self, name: str, data: str | bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        self.files.append(path)
        return path


def diagram_output(dot: str, mermaid: str, fmt: str) -> str | bytes:
    """One diagram in a format of diagrams.FORMATS."""
    if fmt == "dot":
        return dot
    if fmt == "mermaid":
        return mermaid
    return render.render(dot, fmt)


def write_pack(analysis: Analysis, model: str, folder: Path, *, pdf: bool = False,
               progress: Progress = lambda _: None) -> Pack:
    """Write the pack for model slug `model` into `folder` (created if missing)."""
    facts = diagrams.collect(analysis)
    m = facts.model(model)
    folder.mkdir(parents=True, exist_ok=True)
    pack = Pack(folder)
    included = [r for r in facts.report.roles if r in facts.included.get(m, frozenset())]
    others = [slug(x) for x in facts.report.models if x != m]
    settings = sorted(slug(s) for s in facts.settings)
    steps = 1 + len(settings) + len(others) + len(included) + (1 if pdf else 0)
    done = 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        progress(f"[{done}/{steps}] {what}")

    view = diagrams.model_view(facts, model)
    dot, mmd = diagrams.to_dot(view), diagrams.to_mermaid(view)
    for fmt in ("svg", "png", "pdf", "dot", "mermaid"):
        pack.write(f"diagram-{model}.{render.SUFFIXES[fmt]}", diagram_output(dot, mmd, fmt))
    step(f"diagram of {model}")
    for setting in settings:
        view = diagrams.model_view(facts, model, setting=setting)
        dot = diagrams.to_dot(view)
        pack.write(f"diagram-{model}-{setting}.svg", render.render(dot, "svg"))
        pack.write(f"diagram-{model}-{setting}.pdf", render.render(dot, "pdf"))
        step(f"diagram of {model} around the child: {setting}")
    for other in others:
        comparison = diagrams.comparison(facts, analysis.diff(model, other))
        dot = diagrams.comparison_dot(comparison, facts.report)
        pack.write(f"compare-{model}-vs-{other}.svg", render.render(dot, "svg"))
        pack.write(f"compare-{model}-vs-{other}.pdf", render.render(dot, "pdf"))
        pack.write(f"compare-{model}-vs-{other}.mmd",
                   diagrams.comparison_mermaid(comparison, facts.report))
        step(f"comparison of {model} with {other}")
    role_cards = []
    for role in included:
        card = cards.role_card(analysis, facts, slug(role), model)
        role_cards.append(card)
        page = cards.card_html([card])
        pack.write(f"card-{slug(role)}-{model}.html", page)
        pack.write(f"card-{slug(role)}-{model}.pdf", cards.card_pdf(page))
        step(f"role card: {card.title}")
    pack.write("index.html", index_html(facts.report.models[m], pack, folder))
    if pdf:
        pack.write(f"pack-{model}.pdf", cards.card_pdf(cards.card_html(
            role_cards, title=f"Role cards: {facts.report.models[m]}")))
        step(f"all cards in one PDF: pack-{model}.pdf")
    return pack


def index_html(title: str, pack: Pack, folder: Path) -> str:
    items = "\n".join(f'<li><a href="{html.escape(p.name)}">{html.escape(p.name)}</a></li>'
                      for p in sorted(pack.files) if p.parent == folder)
    return (f"<!doctype html><html lang=\"en-GB\"><meta charset=\"utf-8\">"
            f"<title>Training pack: {html.escape(title)}</title>"
            f"<h1>Training pack: {html.escape(title)}</h1><ul>{items}</ul></html>\n")
