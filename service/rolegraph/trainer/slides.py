"""A trainer's slide deck of a model (PowerPoint, python-pptx; issue 18): a title, the child
at the centre, one slide per role the model includes with its functions and their law, the
comparison with a second model, the time lines of the roles whose law has changed, and the
sources. Drawings are pictures (PNG from render.py and timeline.py); every word is an
editable text box, and each role slide's notes carry the role's definition."""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphviz import Graph, nohtml
from rdflib import URIRef
from rdflib.namespace import SKOS

from rolegraph.analysis.coverage import slug
from rolegraph.graph import lawtime
from rolegraph.trainer import render, timeline
from rolegraph.trainer.diagrams import drawing
from rolegraph.trainer.dottext import plain
from rolegraph.trainer.facts import FONT, KINDS, Facts
from rolegraph.trainer.relations import KIND_STYLE, Relation, edge_label, shown

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis

WIDTH, HEIGHT = 13.333, 7.5  # inches: 16:9
MARGIN = 0.5
LINES_PER_SOURCE_SLIDE = 16
MOST_FUNCTIONS = 16  # on one role slide; the rest are counted
DPI = 150


@dataclass(frozen=True)
class RoleSlide:
    role: str
    title: str
    kind: str
    lines: list[str]  # "function — law (confidence)"
    notes: str


def role_slides(analysis: Analysis, facts: Facts, model: str) -> list[RoleSlide]:
    """One per role the model includes, in the order of their names, with the functions each
    holds under the model and the law (or source) of each."""
    m = facts.model(model)
    report, out = facts.report, []
    for role in sorted(facts.included.get(m, frozenset()), key=lambda r: facts.roles[r].label
                       if r in facts.roles else r):
        info = facts.roles.get(role)
        lines = []
        for function in report.functions:
            for holder in facts.holders(m, function):
                if holder.role == role:
                    law = "; ".join(report.label(b) for b in holder.bases) or "; ".join(
                        report.label(s) for s in holder.sources) or "no citation"
                    lines.append(f"{report.label(function)} — {law} ({holder.confidence})")
        definition = next((str(o) for o in analysis.graph.objects(URIRef(role),
                                                                   SKOS.definition)), "")
        title = info.label if info else report.label(role)
        if info and info.short and info.short.lower() not in title.lower():
            title = f"{title} ({info.short})"
        title = title[:1].upper() + title[1:]
        out.append(RoleSlide(role, title, info.kind if info else "other", lines, definition))
    return out


def centre_dot(facts: Facts, slides: list[RoleSlide], title: str,
               relations: Sequence[Relation] = ()) -> str:
    """The child in the middle, each role of the model around them, with how many functions
    it holds for the child, and the relations between them (data/relations.ttl) as labelled
    arrows: a radial Graphviz layout (twopi)."""
    # twopi keeps only the boxes apart and puts each edge label at its edge's middle: sep
    # leaves room round each box for the labels of arrows between neighbours, and splines
    # route arrows round boxes, parted where two join the same roles (labels apart).
    graph = Graph("centre", graph_attr={
        "layout": "twopi", "ranksep": "1.5", "overlap": "false", "sep": "+20",
        "splines": "true", "fontname": FONT,
        "label": plain(title), "labelloc": "t", "fontsize": "22"},
        node_attr={"fontname": FONT, "fontsize": "20", "style": "filled", "penwidth": "2"},
        edge_attr={"fontname": FONT, "fontsize": "15", "color": "#777777"})
    graph.node("child", "the child", shape="circle", width="1.6", fixedsize="true",
               fillcolor="#ffe9a8", color="#b8860b", fontsize="20", root="true")
    for index, s in ring_order(slides, relations):
        kind = KINDS[s.kind]
        name = facts.roles[s.role].name if s.role in facts.roles else s.title
        rounded = {"style": "filled,rounded"} if kind.style == "rounded" else {}
        graph.node(f"r{index}", text_rows([*wrap(name, 18), f"[{kind.tag}]"]), shape="box",
                   **rounded, fillcolor=kind.fill, color=kind.border)
        count = len(s.lines)
        graph.edge("child", f"r{index}", f"{count} function{'s' if count > 1 else ''}")
    node = {s.role: f"r{i}" for i, s in enumerate(slides) if s.lines}
    for relation in shown(list(relations), set(node)):
        colour, style = KIND_STYLE.get(relation.kind, ("#555555", "solid"))
        head = "child" if relation.to_child else node[relation.target]
        graph.edge(node[relation.source], head, plain(edge_label(relation)),
                   id=f"rel--{slug(relation.iri)}", dir="forward", color=colour,
                   fontcolor=colour, penwidth="2.5",
                   style=style if relation.confidence == "stated" else "dotted")
    return str(graph.source)


def ring_order(slides: list[RoleSlide], relations: Sequence[Relation]
               ) -> list[tuple[int, RoleSlide]]:
    """The roles with functions, in the order to place them round the child: roles linked by
    a relation next to each other (a walk of each linked group), so that the arrows between
    them run round the ring rather than across the child; the unlinked roles last."""
    present = {s.role: (i, s) for i, s in enumerate(slides) if s.lines}
    links: dict[str, list[str]] = {}
    for relation in shown(list(relations), set(present)):
        if not relation.to_child:
            links.setdefault(relation.source, []).append(relation.target)
            links.setdefault(relation.target, []).append(relation.source)
    order: list[str] = []
    for start in sorted(links, key=lambda r: -len(links[r])):
        stack = [start]
        while stack:
            role = stack.pop()
            if role not in order:
                order.append(role)
                stack.extend(sorted(set(links[role]) - set(order), reverse=True))
    order += [r for r in present if r not in order]
    return [present[r] for r in order]


def text_rows(rows: list[str]) -> str:
    """Rows of plain text as one DOT label, a line each."""
    return nohtml("\\n".join(plain(row) for row in rows))  # type: ignore[no-any-return]


def wrap(text: str, width: int) -> list[str]:
    words, rows, row = text.split(), [], ""
    for word in words:
        if row and len(row) + 1 + len(word) > width:
            rows.append(row)
            row = word
        else:
            row = f"{row} {word}".strip()
    rows.append(row)
    return rows


def deck(analysis: Analysis, facts: Facts, model: str, compare: str | None = None) -> bytes:
    """The deck as .pptx bytes (UnknownName for an unknown model)."""
    from pptx import Presentation
    from pptx.util import Inches

    m = facts.model(model)
    report = facts.report
    title = report.models[m]
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(WIDTH), Inches(HEIGHT)
    other = report.models[facts.model(compare)] if compare else None
    add_title(prs, "Who does what around a child in care",
              f"{title}" + (f"\ncompared with {other}" if other else "") +
              f"\nrolegraph version {analysis.version}: every line cites its law or source")
    slides = role_slides(analysis, facts, model)
    centre = render.render(centre_dot(facts, slides, f"Around the child: {title}",
                                      facts.relations.get(m, [])), "png",
                           dpi=DPI, fit="12,6.2")
    add_picture(prs, "The child at the centre", centre,
                "Each box is a role under this model; the number is how many functions it "
                "holds; coloured arrows are who appoints, visits, reports to, inspects or "
                "represents whom, each from the law in the data. Colour and tag: who "
                "employs it (LA: the local authority; IND: "
                "independent of it; COURT: the court; OTHER: not stated).")
    for s in slides:
        add_role(prs, s)
    if compare:
        dot, _ = drawing(analysis, facts, model, None, None, compare, True)
        names = f"{slug(m)} → {slug(facts.model(compare))}"
        add_picture(prs, f"What changes: {names}",
                    render.render(dot, "png", dpi=DPI, fit="12.3,6.3"), "")
        add_text(prs, f"Where each function goes: {names}",
                 moves(analysis, facts, model, compare), f"{title} → {other}")
    for s in slides:
        starts = {p.valid_from for p in lawtime.timeline(analysis.graph, s.role)}
        if len(starts) > 1:  # the law has changed for this role: its time line tells how
            add_picture(prs, f"Time line: {s.title}",
                        timeline.drawing(analysis, s.role, "png"), "")
    cited = sources(analysis, facts, [m] + ([facts.model(compare)] if compare else []))
    for start in range(0, len(cited), LINES_PER_SOURCE_SLIDE * 2):
        add_text(prs, "Sources", cited[start:start + LINES_PER_SOURCE_SLIDE * 2], "", columns=2)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def moves(analysis: Analysis, facts: Facts, model: str, compare: str) -> list[str]:
    """'function: holders under A → holders under B' for each function whose holders change."""
    out = []
    for change in analysis.diff(model, compare).changes:
        before = ", ".join(facts.roles[h.role].name for h in change.before
                           if h.role in facts.roles) or "no one"
        after = ", ".join(facts.roles[h.role].name for h in change.after
                          if h.role in facts.roles) or "no one"
        out.append(f"{facts.report.label(change.function)}: {before} → {after}")
    return out or ["No function changes holder."]


def sources(analysis: Analysis, facts: Facts, models: list[str]) -> list[str]:
    """The provisions and sources the models' assignments cite, by name."""
    report, names = facts.report, set[str]()
    for m in models:
        for function in report.functions:
            for holder in facts.holders(m, function):
                names.update(report.label(c) for c in (*holder.bases, *holder.sources))
    return sorted(names, key=str.lower)


# --- Drawing the slides: every text is a text box, so it stays editable ---------------------


def add_title(prs: Any, title: str, subtitle: str) -> None:
    """The title slide; its placeholders are moved to the 16:9 width (the default template's
    are laid out for 4:3) and the subtitle set small enough to fit."""
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[0])
    head, sub = slide.shapes.title, slide.placeholders[1]
    head.left, head.top, head.width, head.height = (Inches(MARGIN), Inches(1.6),
                                                    Inches(WIDTH - 2 * MARGIN), Inches(1.5))
    sub.left, sub.top, sub.width, sub.height = (Inches(MARGIN), Inches(3.4),
                                                Inches(WIDTH - 2 * MARGIN), Inches(3.2))
    head.text = title
    sub.text = subtitle
    for paragraph in sub.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(22)


def heading(prs: Any, title: str) -> Any:
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    box = slide.shapes.add_textbox(Inches(MARGIN), Inches(0.25), Inches(WIDTH - 2 * MARGIN),
                                   Inches(0.8))
    box.text_frame.word_wrap = True
    run = box.text_frame.paragraphs[0].add_run()
    run.text = title
    run.font.size, run.font.bold = Pt(28 if len(title) <= 48 else 22), True
    return slide


def add_picture(prs: Any, title: str, png: bytes, caption: str) -> None:
    from pptx.util import Inches, Pt

    slide = heading(prs, title)
    top, bottom = 1.1, HEIGHT - (0.9 if caption else 0.3)
    width, height = png_size(png)
    box_w, box_h = WIDTH - 2 * MARGIN, bottom - top
    scale = min(box_w / width, box_h / height)
    w, h = width * scale, height * scale
    slide.shapes.add_picture(io.BytesIO(png), Inches((WIDTH - w) / 2), Inches(top),
                             Inches(w), Inches(h))
    if caption:
        box = slide.shapes.add_textbox(Inches(MARGIN), Inches(HEIGHT - 0.85),
                                       Inches(WIDTH - 2 * MARGIN), Inches(0.7))
        box.text_frame.word_wrap = True
        box.text_frame.text = caption
        for paragraph in box.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(13)


def add_role(prs: Any, s: RoleSlide) -> None:
    from pptx.util import Pt

    kind = KINDS[s.kind]
    lines = s.lines[:MOST_FUNCTIONS] or ["Holds no function under this model."]
    if len(s.lines) > MOST_FUNCTIONS:
        lines.append(f"… and {len(s.lines) - MOST_FUNCTIONS} more (see the role card)")
    slide = add_text(prs, s.title, [f"[{kind.tag}] {kind.title}. {s.notes}", *lines],
                     s.notes, size=Pt(18 if len(lines) <= 8 else 14 if len(lines) <= 12 else 12))
    slide.notes_slide.notes_text_frame.text = s.notes


def add_text(prs: Any, title: str, lines: list[str], notes: str, columns: int = 1,
             size: Any = None) -> Any:
    from pptx.util import Inches, Pt

    slide = heading(prs, title)
    per = -(-len(lines) // columns)
    width = (WIDTH - 2 * MARGIN) / columns
    for column in range(columns):
        chunk = lines[column * per:(column + 1) * per]
        box = slide.shapes.add_textbox(Inches(MARGIN + column * width), Inches(1.15),
                                       Inches(width - 0.1), Inches(HEIGHT - 1.5))
        frame = box.text_frame
        frame.word_wrap = True
        for index, line in enumerate(chunk):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            run = paragraph.add_run()
            lead = index == 0 and line.startswith("[")  # a role's kind and definition
            run.text = line if columns > 1 or lead else f"• {line}"
            run.font.size = size or Pt(13 if columns > 1 else 16)
            run.font.italic = lead
            paragraph.space_after = Pt(4)
    if notes:
        slide.notes_slide.notes_text_frame.text = notes
    return slide


def png_size(png: bytes) -> tuple[float, float]:
    """Width and height of a PNG from its header (no imaging library needed)."""
    width, height = struct.unpack(">II", png[16:24])
    return float(width), float(height)


__all__ = ["RoleSlide", "deck", "role_slides", "slug"]
