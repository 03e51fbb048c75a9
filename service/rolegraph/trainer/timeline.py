"""Drawn time lines for trainers: a role's or a function's periods under the statutory system
(read from lawtime.timeline, never kept twice) as a chart of lanes against the years, with the
turns of the law numbered under it; Graphviz DOT with every node pinned, so one A4 landscape
page (no text under 9 pt) in SVG, PDF or PNG through render.py."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from graphviz import Digraph

from rolegraph.graph import lawtime
from rolegraph.trainer import render
from rolegraph.trainer.dottext import esc, html_label, plain
from rolegraph.trainer.facts import FONT

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis

FORMATS = ("svg", "pdf", "png")
# Page geometry in points: A4 landscape's printable area (render.A4_LANDSCAPE) is 792 x 525,
# so a chart that fits it is never scaled down and its 9 pt stays 9 pt on paper.
WIDTH, MARGIN, LABEL_WIDTH = 792, 18, 196
CHART_LEFT, CHART_RIGHT = MARGIN + LABEL_WIDTH + 8, WIDTH - MARGIN - 10
LANE, BAR, LINE, MARKER = 25, 17, 12.5, 15
SMALL, TEXT = 9, 10  # the smallest text anywhere, and body text
CHAR = 0.56  # DejaVu Sans' mean advance per point of size: how much text a bar has room for
NOTE_CHARS = int((WIDTH - 2 * MARGIN - 24) / (SMALL * CHAR))
STATED = ("#1f4e99", "#dbe6f6", "solid")  # border, fill, style: reads without colour
INFERRED = ("#555555", "#ffffff", "dashed")
YEARS = re.compile(r"\s*\(\d{4}-\d{4}\)$")  # "(2004-2011)" in a label: the bar shows it


@dataclass(frozen=True)
class Bar:
    start: date
    until: date | None  # None: still holds
    text: str  # the provisions it rested on, short
    tooltip: str
    stated: bool
    href: str  # the period's assignment IRI: a bar links to its page, and says it on hover


@dataclass
class Lane:
    label: str
    bars: list[Bar] = field(default_factory=list)


@dataclass(frozen=True)
class Turn:
    """A day the time line changes: what began and what ended, under which law."""

    day: date
    text: str


@dataclass
class Chart:
    title: str
    subtitle: str
    start: date
    end: date
    lanes: list[Lane]
    turns: list[Turn]


def chart(analysis: Analysis, subject: str) -> Chart:
    """The time line of a role or function IRI, as lanes (the functions a role held, or the
    roles that held a function) of dated bars, and the turns of the law between them."""
    label = analysis.report.label
    is_role = "/id/role/" in subject
    periods = lawtime.timeline(analysis.graph, subject)
    end = analysis.as_of or date.today()
    lanes: dict[str, Lane] = {}
    for p in periods:
        key = p.function if is_role else p.role
        lane = lanes.setdefault(key, Lane(label(key)))
        lane.bars.append(Bar(date.fromisoformat(p.valid_from),
                             date.fromisoformat(p.valid_until) if p.valid_until else None,
                             provisions(analysis, p.bases), tooltip(analysis, p),
                             p.confidence == "stated", p.assignment))
    kind = "role" if is_role else "function"
    what = "what it held" if is_role else "who held it"
    return Chart(f"Time line of the {kind}: {label(subject)}",
                 f"The statutory system in England from {lawtime.START:%-d %B %Y} to "
                 f"{end:%-d %B %Y}: {what}, when, under which law.",
                 lawtime.START, end, list(lanes.values()), turns(analysis, periods, is_role))


def provisions(analysis: Analysis, bases: tuple[str, ...]) -> str:
    return "; ".join(YEARS.sub("", analysis.report.label(b)) for b in bases) or "no provision"


def tooltip(analysis: Analysis, p: lawtime.Period) -> str:
    label = analysis.report.label
    until = f"until {p.valid_until}" if p.valid_until else "to date"
    return (f"{label(p.role)}: {label(p.function)}, from {p.valid_from} {until} "
            f"({p.confidence}), under {provisions(analysis, p.bases)}")


def turns(analysis: Analysis, periods: list[lawtime.Period], is_role: bool) -> list[Turn]:
    """Each day on which a period begins or ends: the law that came in and went out that day
    (with the Act or SI that inserted or repealed it), and the lanes that began, carried on
    under other law, or ended."""
    days = sorted({p.valid_from for p in periods} | {p.valid_until for p in periods
                                                      if p.valid_until})
    out = []
    for day in days:
        began = [p for p in periods if p.valid_from == day]
        ended = [p for p in periods if p.valid_until == day]
        after, before = {b for p in began for b in p.bases}, {b for p in ended for b in p.bases}
        ceased = {b for b in before - after
                  if lawtime.out_of_force_by(analysis.graph, b, date.fromisoformat(day))}
        starts = {p.function if is_role else p.role for p in began}
        stops = {p.function if is_role else p.role for p in ended}
        moved = starts & stops
        parts = [f"{words}: {laws(analysis, found)}" for words, found in (
            ("in force", after - before), ("out of force", ceased),
            ("no longer cited", before - after - ceased)) if found]
        parts += [f"{words} {names(analysis, found, is_role)}" for words, found in (
            ("begins:", starts - moved), ("carries on under the new law:", moved),
            ("ends:", stops - moved)) if found]
        out.append(Turn(date.fromisoformat(day), "; ".join(parts)))
    return out


def names(analysis: Analysis, iris: set[str], is_role: bool) -> str:
    """"2 functions (a, b)", or "12 functions" where the lanes above name them."""
    noun = ("function" if is_role else "role") + ("s" if len(iris) > 1 else "")
    if len(iris) > 3:
        return f"{len(iris)} {noun}"
    return f"{len(iris)} {noun} ({', '.join(sorted(analysis.report.label(i) for i in iris))})"


def laws(analysis: Analysis, provisions: set[str]) -> str:
    """The provisions, those inserted or repealed by the same Act or SI together:
    "CA 1989 s.25B(1)(a), CA 1989 s.25B(1)(b) (inserted by CYPA 2008 s.10)"."""
    label = analysis.report.label
    groups: dict[str, list[str]] = {}
    for provision in provisions:
        how = lawtime.amended_by(analysis.graph, provision)
        note = ", ".join(f"{key} by {label(how[key])}" for key in ("inserted", "repealed")
                         if key in how)
        groups.setdefault(note, []).append(label(provision))
    return "; ".join(", ".join(sorted(group)) + (f" ({note})" if note else "")
                     for note, group in sorted(groups.items(), key=lambda kv: sorted(kv[1])))


# --- DOT, every node pinned (x, y in points from the bottom left) ------------------------------


class Canvas:
    """Pinned DOT nodes: boxes, text and lines at absolute positions on a page `height`
    points high."""

    def __init__(self, height: float) -> None:
        self.graph = Digraph("timeline", graph_attr={
            "bb": f"0,0,{WIDTH},{height:.0f}", "bgcolor": "white", "pad": "0", "margin": "0",
            "splines": "line", "outputorder": "edgesfirst"},
            node_attr={"fontname": FONT, "fontsize": f"{SMALL}", "margin": "0"},
            edge_attr={"fontname": FONT})
        self.count = 0
        self.height = height

    def name(self) -> str:
        self.count += 1
        return f"n{self.count}"

    def box(self, x: float, y: float, w: float, h: float, **attrs: str) -> str:
        """A node whose bottom-left corner is (x, y)."""
        name = self.name()
        self.graph.node(name, pos=f"{x + w / 2:.1f},{y + h / 2:.1f}!", width=f"{w / 72:.3f}",
                        height=f"{h / 72:.3f}", **attrs)
        return name

    def text(self, x: float, y: float, w: float, h: float, html: str,
             align: str = "LEFT") -> str:
        cell = (f'<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0"><TR><TD ALIGN="{align}" '
                f'FIXEDSIZE="TRUE" WIDTH="{w:.0f}" HEIGHT="{h:.0f}">{html}</TD></TR></TABLE>')
        return self.box(x, y, w, h, shape="plain", label=html_label(cell))

    def frame(self, bottom: float) -> None:
        """Keep the margins: neato -n2 crops the page to its nodes (bb is not kept), so the
        text at MARGIN touched the edge; two unseen points pin the corners, `bottom` (points)
        MARGIN below the lowest text, as the estimated height leaves room to spare. (The
        graph's margin is 0: a PDF would add its own half inch round these.)"""
        for x, y in ((0, bottom - MARGIN), (WIDTH, self.height)):
            self.box(x, y, 0.1, 0.1, shape="point", style="invis", label="")

    def line(self, x1: float, y1: float, x2: float, y2: float, **attrs: str) -> None:
        ends = [self.box(x, y, 0.1, 0.1, shape="point", style="invis", label="")
                for x, y in ((x1, y1), (x2, y2))]
        self.graph.edge(*ends, dir="none", **attrs)


def font(text: str, size: float = SMALL, bold: bool = False) -> str:
    body = f"<B>{esc(text)}</B>" if bold else esc(text)
    return f'<FONT POINT-SIZE="{size}">{body}</FONT>'


def fitted(text: str, width: float, size: float = SMALL) -> str:
    """As much of `text` as fits `width` points on one line (the rest is in the notes)."""
    room = int(width / (size * CHAR))
    if len(text) <= room:
        return text
    return text[:max(room - 1, 0)].rstrip() + "…" if room > 3 else ""


def to_dot(c: Chart) -> str:
    """The chart as DOT for render(..., pinned=True)."""
    notes = [textwrap.wrap(f"{i}. {t.day:%-d %B %Y}: {t.text}.", NOTE_CHARS,
                           subsequent_indent="    ") for i, t in enumerate(c.turns, 1)]
    rows = marker_rows(c)
    raised = MARKER * max(rows, default=0)  # room for markers set above their neighbours
    height = (MARGIN * 2 + 56 + 30 + raised + LANE * max(len(c.lanes), 1) + 28
              + LINE * (sum(len(n) for n in notes) + 1))
    canvas = Canvas(height)
    top = height - MARGIN
    canvas.text(MARGIN, top - 22, WIDTH - 2 * MARGIN, 22, font(c.title, 16, bold=True))
    canvas.text(MARGIN, top - 40, WIDTH - 2 * MARGIN, 16, font(c.subtitle, TEXT))
    axis = top - 72 - raised
    draw_axis(canvas, c, axis, axis - 8 - LANE * max(len(c.lanes), 1), rows)
    y = axis - 8
    for lane in c.lanes:
        y -= LANE
        draw_lane(canvas, c, lane, y)
    if not c.lanes:
        canvas.text(CHART_LEFT, y - LANE, CHART_RIGHT - CHART_LEFT, LANE,
                    font("No period of the statutory system is recorded.", TEXT))
        y -= LANE
    y = draw_legend(canvas, y - 24)
    for note in notes:
        for text in note:
            y -= LINE
            canvas.text(MARGIN, y, WIDTH - 2 * MARGIN, LINE, font(text))
    canvas.frame(y)
    return str(canvas.graph.source)


def x_of(c: Chart, day: date) -> float:
    span = (c.end - c.start).days or 1
    return CHART_LEFT + (CHART_RIGHT - CHART_LEFT) * (day - c.start).days / span


def marker_rows(c: Chart) -> list[int]:
    """For each turn, the row of its numbered marker: the lowest row where it does not
    touch the marker before it (turns a few months apart stack instead of overlapping)."""
    ends: list[float] = []  # the right edge of the last marker in each row
    rows = []
    for turn in c.turns:
        x = x_of(c, turn.day)
        row = next((i for i, end in enumerate(ends) if x - MARKER / 2 >= end + 1), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = x + MARKER / 2
        rows.append(row)
    return rows


def draw_axis(canvas: Canvas, c: Chart, top: float, bottom: float, rows: list[int]) -> None:
    """Years along the top (every five, and the first and last), a rule down at each, and a
    numbered dashed line at each turn of the law (the notes under the chart say what)."""
    years = [y for y in range(c.start.year + 1, c.end.year + 1) if y % 5 == 0]
    for year in years:
        x = x_of(c, date(year, 1, 1))
        canvas.text(x - 20, top + 2, 40, 12, font(str(year)), "CENTER")
        canvas.line(x, top, x, bottom, color="#dddddd")
    for i, (turn, row) in enumerate(zip(c.turns, rows, strict=True), 1):
        x = x_of(c, turn.day)
        canvas.line(x, top - 2, x, bottom, color="#888888", style="dashed")
        if row:
            canvas.line(x, top + 16, x, top + 16 + MARKER * row, color="#888888")
        canvas.box(x - 7, top + 16 + MARKER * row, 14, 14, shape="circle", fixedsize="true",
                   label=f"{i}", fontsize=f"{SMALL}", style="filled", fillcolor="#fff0a0",
                   color="#888888")


def draw_lane(canvas: Canvas, c: Chart, lane: Lane, y: float) -> None:
    lines = textwrap.wrap(lane.label, int(LABEL_WIDTH / (SMALL * CHAR)))
    if len(lines) > 2:  # two lines fit a lane; the page of the role or function has the rest
        lines = [lines[0], fitted(" ".join(lines[1:]), LABEL_WIDTH)]
    canvas.text(MARGIN, y, LABEL_WIDTH, LANE, "<BR ALIGN=\"LEFT\"/>".join(
        font(t) for t in lines) + '<BR ALIGN="LEFT"/>')
    canvas.line(MARGIN, y, CHART_RIGHT, y, color="#eeeeee")
    for bar in lane.bars:
        left, right = x_of(c, bar.start), x_of(c, bar.until or c.end)
        border, fill, style = STATED if bar.stated else INFERRED
        width = max(right - left, 2)
        canvas.box(left, y + (LANE - BAR) / 2, width, BAR, shape="box", fixedsize="true",
                   label="", style=f"filled,{style}", fillcolor=fill, color=border,
                   href=esc(bar.href), tooltip=plain(bar.tooltip))
        text = fitted(bar.text + ("" if bar.until else " →"), width - 6)
        if text:
            canvas.text(left + 3, y + (LANE - BAR) / 2, width - 6, BAR, font(text))


def draw_legend(canvas: Canvas, y: float) -> float:
    """The key to the bars, and the heading of the notes; returns where the notes start."""
    x = MARGIN
    for (border, fill, style), words in ((STATED, "the law's words say so (stated)"),
                                         (INFERRED, "inferred from the law or a source")):
        canvas.box(x, y + 3, 28, 11, shape="box", fixedsize="true", label="",
                   style=f"filled,{style}", fillcolor=fill, color=border)
        canvas.text(x + 34, y, 200, 16, font(words))
        x += 230
    canvas.text(x, y, WIDTH - MARGIN - x, 16,
                font("→ still holds  ·  numbered: the turns of the law, below"))
    return y - 4


def drawing(analysis: Analysis, subject: str, fmt: str) -> bytes:
    """The time line of a role or function IRI as svg, pdf or png (fitted to A4 landscape)."""
    if fmt not in FORMATS:
        raise ValueError(f"cannot draw a time line as {fmt!r}: choose {', '.join(FORMATS)}")
    return render.render(to_dot(chart(analysis, subject)), fmt, pinned=True)
