"""Role diagrams for trainers: an analysis -> views -> Graphviz DOT and Mermaid text.

Pure functions, no file or network I/O (rendering DOT to pictures is render.py's job).

A *view* is what one picture shows: one panel per model (two for a comparison), each a grid
of role boxes (a role node listing the functions it holds, each with its legal basis), a box
of functions nobody holds (a coverage gap) and a note of the model's roles with nothing to do
in the view. A comparison lays both panels out on the same grid, so that only what changes
moves, and marks each changed function with a colour *and* a word (it reads in black and white).
See docs/decisions/20261123-diagram-layout.md.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rolegraph.analysis.coverage import CoverageReport, Holder, slug
from rolegraph.analysis.diff import FunctionChange, ModelDiff
from rolegraph.graph.rdf import select
from rolegraph.vocab import entity

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis

FORMATS = ("svg", "png", "pdf", "dot", "mermaid")
FONT = "DejaVu Sans"

# --- Employers: colour, corner style and a text tag, so each reads without colour ------------


@dataclass(frozen=True)
class Kind:
    key: str
    tag: str
    title: str
    border: str
    fill: str
    style: str  # TABLE STYLE in DOT: "" (square corners) or "rounded"
    mermaid: tuple[str, str]  # node shape brackets in Mermaid


KINDS = {
    "local-authority": Kind("local-authority", "LA", "employed by the local authority",
                            "#1f4e99", "#dbe6f6", "", ("[", "]")),
    "independent": Kind("independent", "IND", "independent of the local authority",
                        "#1b7a3a", "#d7eedc", "rounded", ("([", "])")),
    "court": Kind("court", "COURT", "the court", "#6a3d9a", "#e6dcf2", "rounded",
                  ("{{", "}}")),
    "other": Kind("other", "OTHER", "employer not stated in the data", "#555555", "#eeeeee",
                  "", ("[/", "/]")),
}
KIND_ORDER = list(KINDS)
PRECEDENCE = ("court", "local-authority", "independent", "other")  # the court is independent too
BR = '<BR ALIGN="LEFT"/>'
CELL_WIDTH = ' WIDTH="225"'  # points: every row of a role box spans the box

# --- Marks on functions: colour and a word ---------------------------------------------------


@dataclass(frozen=True)
class Mark:
    key: str
    word: str
    fill: str
    meaning: str


MARKS = {
    "gap": Mark("gap", "GAP", "#f6b4b4", "no holder under the model: a coverage gap"),
    "contested": Mark("contested", "CONTESTED", "#fff0a0",
                      "a named source disputes this holder"),
    "moved": Mark("moved", "MOVED", "#fdd3a8", "a holder loses it between the models"),
    "shared": Mark("shared", "SHARED", "#e0d4f5", "gains a holder; every old holder keeps it"),
    "retired": Mark("retired", "RETIRED", "#d0d0d0",
                    "only served to appoint a role the other model removes"),
    "new": Mark("new", "NEW", "#c8e6f5", "held under the second model only"),
}
MARK_PRIORITY = ("gap", "contested", "moved", "shared", "retired", "new")

# --- What the graph says about roles and functions --------------------------------------------

ROLE_FACTS = """
SELECT ?role ?org ?orgLabel ?court ?la ?ind WHERE {
    ?role a rg:Role .
    OPTIONAL { ?role rg:employedBy ?org . OPTIONAL { ?org rdfs:label ?orgLabel }
               OPTIONAL { ?org a rg:Court . BIND(true AS ?court) } }
    OPTIONAL { ?role a rg:LocalAuthorityRole . BIND(true AS ?la) }
    OPTIONAL { ?role a rg:IndependentRole . BIND(true AS ?ind) }
}"""
FUNCTION_FACTS = """
SELECT ?function ?notation ?setting WHERE {
    ?function a rg:Function .
    OPTIONAL { ?function skos:notation ?notation }
    OPTIONAL { ?function rg:appliesIn ?setting }
}"""
ALT_LABELS = "SELECT ?role ?alt WHERE { ?role a rg:Role ; skos:altLabel ?alt }"
SETTINGS = "SELECT ?setting ?label WHERE { ?setting a rg:Setting ; rdfs:label ?label }"
INCLUDED = "SELECT ?model ?role WHERE { ?model rg:includesRole ?role }"


@dataclass(frozen=True)
class RoleFacts:
    iri: str
    label: str
    kind: str
    employer: str | None
    short: str = ""  # a short name (skos:altLabel) for notes such as "moves to IRO"

    @property
    def name(self) -> str:
        return self.short or self.label


@dataclass(frozen=True)
class FunctionFacts:
    iri: str
    label: str
    notation: str
    settings: frozenset[str]


@dataclass
class Facts:
    """Everything a diagram needs, read once from an analysis."""

    report: CoverageReport
    roles: dict[str, RoleFacts]
    functions: dict[str, FunctionFacts]
    included: dict[str, frozenset[str]]
    settings: dict[str, str]  # setting IRI -> label

    def model(self, name: str) -> str:
        # law@YYYY-MM-DD is the model law-YYYY-MM-DD (present once the analysis views it)
        return known_iri("model", name.replace("law@", "law-", 1), list(self.report.models))

    def role(self, name: str) -> str:
        return known_iri("role", name, sorted(self.roles))

    def setting(self, name: str) -> str:
        return known_iri("setting", name, sorted(self.settings))

    def holders(self, model: str, function: str) -> list[Holder]:
        """Holders of `function` under `model` among the roles the model includes."""
        included = self.included.get(model, frozenset())
        return [h for h in self.report.cell(model, function).holders if h.role in included]

    def citation(self, holder: Holder) -> str:
        return "; ".join(self.report.label(b) for b in holder.bases)


def collect(analysis: Analysis) -> Facts:
    """Read role employers, function settings and model membership from the analysis graph."""
    graph, report = analysis.graph, analysis.report
    roles: dict[str, RoleFacts] = {}
    for row in select(graph, ROLE_FACTS):
        iri = str(row.role)
        kind = ("court" if row.court else "local-authority" if row.la
                else "independent" if row.ind else "other")
        known = roles.get(iri)
        if known is None or PRECEDENCE.index(kind) < PRECEDENCE.index(known.kind):
            employer = str(row.orgLabel) if row.orgLabel is not None else None
            roles[iri] = RoleFacts(iri, report.roles.get(iri, slug(iri)), kind, employer)
    alts: dict[str, list[str]] = {}
    for row in select(graph, ALT_LABELS):
        alts.setdefault(str(row.role), []).append(str(row.alt))
    roles = {iri: RoleFacts(info.iri, info.label, info.kind, info.employer,
                            short_name(alts.get(iri, [])))
             for iri, info in roles.items()}
    notation: dict[str, str] = {}
    settings: dict[str, set[str]] = {}
    for row in select(graph, FUNCTION_FACTS):
        iri = str(row.function)
        notation.setdefault(iri, str(row.notation or ""))
        found = settings.setdefault(iri, set())
        if row.setting is not None:
            found.add(str(row.setting))
    functions = {f: FunctionFacts(f, label, notation.get(f, ""), frozenset(settings.get(f, ())))
                 for f, label in report.functions.items()}
    included: dict[str, set[str]] = {}
    for row in select(graph, INCLUDED):
        included.setdefault(str(row.model), set()).add(str(row.role))
    setting_labels = {str(r.setting): str(r.label) for r in select(graph, SETTINGS)}
    return Facts(report, roles, functions, {m: frozenset(r) for m, r in included.items()},
                 setting_labels)


def short_name(alternatives: list[str]) -> str:
    """The shortest alternative label of five letters or more ("social worker", not "R"),
    else the shortest of two or more ("IRO"), else none."""
    for least in (5, 2):
        fitting = sorted((a for a in alternatives if len(a) >= least), key=lambda a: (len(a), a))
        if fitting:
            return fitting[0]
    return ""


# --- One model: a grid of role boxes ------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One function in one role box: what it is, its legal basis and any marks."""

    function: str
    label: str
    citation: str
    marks: tuple[str, ...] = ()
    note: str = ""
    tooltip: str = ""


@dataclass
class Box:
    """A role node (or the gap box) with the functions it holds."""

    key: str  # role IRI, or "gap"
    title: str
    kind: str  # a KINDS key, or "gap"
    subtitle: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class View:
    """One model's diagram: role boxes laid out on a grid, gaps, and a note of idle roles."""

    model: str
    title: str
    subtitle: str
    boxes: dict[str, Box]
    grid: list[list[str]]  # rows of box keys
    idle: list[str]  # roles the model includes that hold nothing in the view
    retired: list[str]  # functions the model retires (in the view)
    marks_used: list[str]


def model_view(facts: Facts, model: str, role: str | None = None,
               setting: str | None = None) -> View:
    """The roles of one model (slugs in, as users type them) and the functions each holds."""
    m = facts.model(model)
    r = facts.role(role) if role else None
    s = facts.setting(setting) if setting else None
    report = facts.report
    boxes: dict[str, Box] = {}
    retired: list[str] = []
    for function in in_view(facts, s):
        cell = report.cell(m, function)
        holders = facts.holders(m, function)
        if r is not None and not any(h.role == r for h in holders):
            continue
        if cell.retired and not holders:
            retired.append(report.label(function))
            continue
        for holder in holders:
            if r is None or holder.role == r:
                box = boxes.get(holder.role) or boxes.setdefault(
                    holder.role, role_box(facts, holder.role))
                box.entries.append(entry(facts, m, function, holder, holders))
        if not holders and cell.severity != "Violation":
            continue  # not a function of this model (brought in by another, or not recorded yet)
        if not holders:
            gap = boxes.setdefault("gap", Box("gap", "No holder under this model", "gap",
                                              "a coverage gap: nobody the model includes holds it"))
            gap.entries.append(Entry(function, report.label(function), "", ("gap",), "",
                                     f"{report.label(function)}: no holder [GAP]"))
    included = facts.included.get(m, frozenset())
    idle = [facts.roles[x].label for x in report.roles
            if x in included and x not in boxes and (r is None or x == r)]
    used = sorted({k for b in boxes.values() for e in b.entries for k in e.marks},
                  key=MARK_PRIORITY.index)
    return View(m, report.models[m], scope(facts, r, s), boxes, layout(boxes, facts), idle,
                retired, used)


def in_view(facts: Facts, setting: str | None) -> list[str]:
    return [f for f, info in facts.functions.items()
            if setting is None or setting in info.settings]


def scope(facts: Facts, role: str | None, setting: str | None,
          changes_only: bool = False) -> str:
    parts = ["only the functions that change or are contested"] if changes_only else []
    if setting:
        parts.append(f"around the child, setting: {facts.settings[setting]}")
    if role:
        parts.append(f"the {facts.roles[role].label}")
    return ", ".join(parts) or "every function in the catalogue"


def role_box(facts: Facts, role: str) -> Box:
    info = facts.roles[role]
    kind = KINDS[info.kind]
    subtitle = f"[{kind.tag}] " + (f"employed by {info.employer}" if info.employer
                                   else kind.title)
    return Box(role, info.label, info.kind, subtitle)


def entry(facts: Facts, model: str, function: str, holder: Holder,
          holders: list[Holder]) -> Entry:
    report = facts.report
    marks = ("contested",) if holder.confidence == "contested" else ()
    others = [facts.roles[h.role].name for h in holders if h.role != holder.role]
    note = "also: " + ", ".join(others) if others else ""
    tooltip = (f"{report.label(function)} - {facts.roles[holder.role].label}, "
               f"{report.models[model]}. Legal basis: {facts.citation(holder) or 'none cited'}. "
               f"Confidence: {holder.confidence}.")
    return Entry(function, report.label(function), short_citation(facts, holder), marks, note,
                 tooltip)


def short_citation(facts: Facts, holder: Holder, limit: int = 2) -> str:
    short = [shorten(facts.report.label(b)) for b in holder.bases]
    if len(short) > limit:
        return "; ".join(short[:limit]) + f" +{len(short) - limit}"
    return "; ".join(short)


def shorten(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def layout(boxes: dict[str, Box], facts: Facts, columns: int = 4) -> list[list[str]]:
    """Rows of box keys, tallest first so each row's boxes are alike in height, ordered by
    employer within a row; the gap box last."""
    height = {k: sum(1 + len(wrap(e.label)) for e in b.entries) for k, b in boxes.items()}
    keys = sorted((k for k in boxes if k != "gap"),
                  key=lambda k: (-height[k], KIND_ORDER.index(facts.roles[k].kind),
                                 facts.roles[k].label))
    rows = [keys[i:i + columns] for i in range(0, len(keys), columns)]
    order = {k: i for i, k in enumerate(facts.report.roles)}
    rows = [sorted(row, key=lambda k: (KIND_ORDER.index(facts.roles[k].kind), order.get(k, 0)))
            for row in rows]
    if "gap" in boxes:
        if rows and len(rows[-1]) < columns:
            rows[-1].append("gap")
        else:
            rows.append(["gap"])
    return rows


def wrap(text: str, width: int = 31) -> list[str]:
    return textwrap.wrap(text, width) or [""]


# --- Two models: one spine of functions between the two sets of holders -----------------------


@dataclass(frozen=True)
class Side:
    """A role on one side of a comparison; `status` is "", "removed" or "new"."""

    role: str
    label: str
    kind: str
    status: str


@dataclass(frozen=True)
class Row:
    """A function on the spine with its marks, and its holders on either side."""

    function: str
    label: str
    marks: tuple[str, ...]
    note: str
    before: tuple[Holder, ...]
    after: tuple[Holder, ...]


@dataclass
class Comparison:
    a: str
    b: str
    title: str
    subtitle: str
    left: list[Side]
    right: list[Side]
    rows: list[Row]
    idle: dict[str, list[str]]  # model -> roles it includes that hold nothing in the view
    marks_used: list[str]


def comparison(facts: Facts, diff: ModelDiff, role: str | None = None,
               setting: str | None = None, changes_only: bool = False) -> Comparison:
    """Model `diff.a` on the left, `diff.b` on the right and the functions between them in one
    fixed column, so only the links to holders change; each function that moves, is lost,
    retired or gained, or whose new holder is contested, is marked (Analysis.diff decides).
    `changes_only` leaves out the unmarked functions: half the rows, so larger type on A4."""
    r = facts.role(role) if role else None
    s = facts.setting(setting) if setting else None
    report = facts.report
    changes = {c.function: c for c in diff.changes}
    rows: list[Row] = []
    for function in in_view(facts, s):
        before = tuple(facts.holders(diff.a, function))
        after = tuple(facts.holders(diff.b, function))
        if r is not None and not any(h.role == r for h in before + after):
            continue
        if not before and not after and report.cell(diff.b, function).severity != "Violation":
            continue  # a function of neither model (an Act's new duty, or not recorded yet)
        if not before and not after and report.cell(diff.a, function).retired:
            continue
        marks: list[str] = []
        note = ""
        change = changes.get(function)
        if change is not None:
            marks.append({"lost": "gap", "retired": "retired", "gained": "new", "arrives": "new",
                          "shared": "shared"}.get(change.kind, "moved"))
            note = move_note(facts, change)
        elif not after:
            marks.append("gap")
        if any(h.confidence == "contested" for h in after):
            marks.append("contested")  # the dashed links say which holders are disputed
        if changes_only and not marks:
            continue
        rows.append(Row(function, report.label(function), tuple(marks), note, before, after))
    left = sides(facts, diff.a, diff.b, rows, "before", r)
    right = sides(facts, diff.b, diff.a, rows, "after", r)
    idle = {m: [facts.roles[x].label for x in report.roles
                if x in facts.included.get(m, frozenset()) and (r is None or x == r)
                and x not in {side.role for side in (left if m == diff.a else right)}]
            for m in (diff.a, diff.b)}
    used = sorted({k for row in rows for k in row.marks}, key=MARK_PRIORITY.index)
    return Comparison(diff.a, diff.b, f"{report.models[diff.a]}  compared with  "
                      f"{report.models[diff.b]}", scope(facts, r, s, changes_only), left, right,
                      rows, idle, used)


def drawing(analysis: Analysis, facts: Facts, model: str, role: str | None,
            setting: str | None, compare: str | None = None,
            changes_only: bool = False) -> tuple[str, str]:
    """The DOT and Mermaid of a model's diagram, or of its comparison with `compare`."""
    if compare:
        view = comparison(facts, analysis.diff(model, compare), role, setting, changes_only)
        return comparison_dot(view, facts.report), comparison_mermaid(view, facts.report)
    single = model_view(facts, model, role, setting)
    return to_dot(single), to_mermaid(single)


def move_note(facts: Facts, change: FunctionChange) -> str:
    def names(holders: tuple[Holder, ...]) -> str:
        return ", ".join(facts.roles[h.role].name for h in holders) or "nobody"

    if change.kind == "retired":
        return "retired under B"
    if change.kind == "lost":
        return f"{names(change.before)} under A; nobody under B"
    return f"{names(change.before)} → {names(change.after)}"


def sides(facts: Facts, model: str, other: str, rows: list[Row], attr: str,
          role: str | None) -> list[Side]:
    held = {h.role for row in rows for h in getattr(row, attr) if role is None or h.role == role}
    here, there = (facts.included.get(m, frozenset()) for m in (model, other))
    order = {k: i for i, k in enumerate(facts.report.roles)}
    found = [Side(x, facts.roles[x].label, facts.roles[x].kind,
                  "" if x in there else ("removed" if attr == "before" else "new"))
             for x in held if x in here]
    return sorted(found, key=lambda s: (KIND_ORDER.index(s.kind), order.get(s.role, 0)))


# --- DOT ----------------------------------------------------------------------------------------


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def node_name(key: str) -> str:
    return "gap" if key == "gap" else slug(key)


def to_dot(view: View) -> str:
    """Graphviz DOT for one model: one HTML-table node per role, on a grid of rows."""
    lines = [
        "digraph rolegraph {",
        f'  graph [fontname="{FONT}" rankdir=TB nodesep=0.25 ranksep=0.3 newrank=true '
        'labelloc=t labeljust=l pad=0.3 bgcolor="white"];',
        f'  node [shape=plain fontname="{FONT}" fontsize=11];',
        "  edge [style=invis];",
        f"  label=<{header_label(view.title, view.subtitle, view.marks_used, GRID_HELP)}>;",
    ]
    previous: list[str] = []
    for row in view.grid:
        names = [node_name(key) for key in row]
        for key, name in zip(row, names, strict=True):
            lines.append(f'  "{name}" [id="box--{name}" label=<{box_label(view.boxes[key])}>];')
        lines.append("  { rank=same; " + " ".join(f'"{n}";' for n in names) + " }")
        for index, below in enumerate(names):
            if previous:
                lines.append(f'  "{previous[min(index, len(previous) - 1)]}" -> "{below}";')
        previous = names
    lines.append(f'  "notes" [id="notes" label=<{notes_label(view.idle, view.retired)}>];')
    if previous:
        lines.append(f'  "{previous[0]}" -> "notes";')
    lines.append("}")
    return "\n".join(lines) + "\n"


GRID_HELP = "Each box is a role; under it, the functions it holds and their legal basis."
SPINE_HELP = ("Left: who holds each function under A; right: under B. The functions stay in "
              "place; marked rows change.")


def header_label(title: str, subtitle: str, marks: list[str], help_text: str) -> str:
    legend = legend_cells(marks)
    kinds, words = legend[:len(KINDS) + 1], legend[len(KINDS) + 1:]
    span = 1
    return (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
            f'<TR><TD ALIGN="LEFT" COLSPAN="{span}"><FONT POINT-SIZE="20"><B>{esc(title)}'
            f'</B></FONT></TD></TR>'
            f'<TR><TD ALIGN="LEFT" COLSPAN="{span}"><FONT POINT-SIZE="12">'
            f"Who does what for a child in care in England: {esc(subtitle)}. {esc(help_text)}"
            f'</FONT></TD></TR>'
            f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="3"><TR>{"".join(kinds)}'
            f'</TR></TABLE></TD></TR>'
            + (f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="3"><TR><TD WIDTH="40"></TD>'
               f'{"".join(words)}</TR></TABLE></TD></TR>' if words else "")
            + "</TABLE>")


def legend_cells(marks: list[str]) -> list[str]:
    cells = ['<TD ALIGN="LEFT" ID="legend" HREF="#legend" TOOLTIP="key">'
             '<FONT POINT-SIZE="11"><B>Key:</B></FONT></TD>']
    for kind in KINDS.values():
        style = f' STYLE="{kind.style}"' if kind.style else ""
        cells.append(f'<TD ALIGN="LEFT"><TABLE BORDER="2" CELLBORDER="0" COLOR="{kind.border}"'
                     f'{style} CELLPADDING="3"><TR><TD BGCOLOR="{kind.fill}"><FONT POINT-SIZE='
                     f'"10">[{kind.tag}] {esc(kind.title)}</FONT></TD></TR></TABLE></TD>')
    for key in marks:
        mark = MARKS[key]
        cells.append(f'<TD ALIGN="LEFT" BGCOLOR="{mark.fill}"><FONT POINT-SIZE="10"><B>'
                     f'[{mark.word}]</B> {esc(mark.meaning)}</FONT></TD>')
    return cells


def box_label(box: Box) -> str:
    if box.kind == "gap":
        border, fill, style = "#b00000", MARKS["gap"].fill, ""
    else:
        kind = KINDS[box.kind]
        border, fill, style = kind.border, kind.fill, kind.style
    style_attr = f' STYLE="{style}"' if style else ""
    key = node_name(box.key)
    head_id = "gap" if box.kind == "gap" else f"role--{key}"
    href = box.key if box.kind != "gap" else "#gap"
    rows = [f'<TR><TD BGCOLOR="{fill}" ALIGN="LEFT" ID="{head_id}"{CELL_WIDTH} '
            f'HREF="{esc(href)}" TOOLTIP="{esc(box.title)}: {esc(box.subtitle)}">'
            f'<FONT POINT-SIZE="13"><B>{esc(box.title)}</B></FONT>{BR}'
            f'<FONT POINT-SIZE="10">{esc(box.subtitle)}</FONT>{BR}</TD></TR>']
    for item in box.entries:
        rows.append("<HR/>")
        rows.append(entry_row(item, key))
    return (f'<TABLE BORDER="2" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" '
            f'COLOR="{border}"{style_attr}>{"".join(rows)}</TABLE>')


def entry_row(item: Entry, owner: str) -> str:
    fill = next((MARKS[k].fill for k in MARK_PRIORITY if k in item.marks), "#ffffff")
    cell_id = f"fn--{owner}--{slug(item.function)}"
    text = BR.join(esc(line) for line in wrap(item.label))
    extra = ""
    words = " ".join(f"[{MARKS[k].word}]" for k in item.marks)
    small = " ".join(x for x in (words, item.note) if x)
    if small:
        rendered = BR.join(esc(line) for line in wrap(small, 40))
        if words:
            rendered = rendered.replace(esc(words), f"<B>{esc(words)}</B>", 1)
        extra = f'<FONT POINT-SIZE="9">{rendered}</FONT>{BR}'
    citation = (f'<FONT POINT-SIZE="9" COLOR="#333333"><I>{esc(item.citation)}</I></FONT>{BR}'
                if item.citation else "")
    return (f'<TR><TD ALIGN="LEFT" BALIGN="LEFT" BGCOLOR="{fill}" ID="{cell_id}"{CELL_WIDTH} '
            f'HREF="{esc(item.function)}" TOOLTIP="{esc(item.tooltip)}">'
            f'<FONT POINT-SIZE="11">{text}</FONT>{BR}{citation}{extra}</TD></TR>')


def notes_label(idle: list[str], retired: list[str], width: int = 110) -> str:
    rows = []
    if idle:
        rows.append("Also in this model, with no function in this view: " + ", ".join(idle) + ".")
    if retired:
        rows.append("Retired under this model: " + "; ".join(retired) + ".")
    if not rows:
        rows.append("Every role in this model with a function in this view is shown.")
    cells = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="10">'
                    f'{BR.join(esc(x) for x in wrap(text, width))}</FONT></TD></TR>'
                    for text in rows)
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="2">{cells}</TABLE>'


SHAPES = {"local-authority": ("box", "filled"), "independent": ("box", "rounded,filled"),
          "court": ("hexagon", "filled"), "other": ("box", "dashed,filled")}


def comparison_dot(view: Comparison, report: CoverageReport) -> str:
    """Graphviz DOT for a comparison: A's holders | the functions | B's holders."""
    lines = [
        "digraph rolegraph_compare {",
        f'  graph [fontname="{FONT}" rankdir=LR nodesep=0.06 ranksep=0.9 newrank=true '
        'labelloc=t labeljust=l pad=0.3 bgcolor="white" splines=true];',
        f'  node [fontname="{FONT}" fontsize=11 margin="0.08,0.03"];',
        f'  edge [arrowsize=0.6 color="#777777" fontname="{FONT}" fontsize=9];',
        f"  label=<{header_label(view.title, view.subtitle, view.marks_used, SPINE_HELP)}>;",
    ]
    for prefix, model, roles in (("a", view.a, view.left), ("b", view.b, view.right)):
        side = "A" if prefix == "a" else "B"
        lines.append(f"  subgraph cluster_{prefix} {{")
        lines.append(f'    label=<<B>{side}: {esc(report.models[model])}</B>>; fontsize=13; '
                     'style="rounded"; color="#888888";')
        for item in roles:
            shape, style = SHAPES[item.kind]
            kind = KINDS[item.kind]
            status = {"removed": " [REMOVED under B]",
                      "new": " [NEW under B]"}.get(item.status, "")
            label = "<BR/>".join(esc(x) for x in wrap(item.label, 24))
            label = f'<B>{label}</B><BR/><FONT POINT-SIZE="9">[{kind.tag}]{esc(status)}</FONT>'
            style += ",bold" if item.status else ""
            node = f"{prefix}--{slug(item.role)}"
            lines.append(f'    "{node}" [id="{prefix}--role--{slug(item.role)}" shape={shape} '
                         f'style="{style}" fillcolor="{kind.fill}" color="{kind.border}" '
                         f'penwidth=2 label=<{label}> '
                         f'URL="{esc(item.role)}" tooltip="{esc(item.label)}"];')
        if view.idle[model]:
            text = BR.join(esc(x) for x in wrap(
                "No function in this view: " + ", ".join(view.idle[model]), 30))
            lines.append(f'    "{prefix}--idle" [id="{prefix}--idle" shape=plain fontsize=9 '
                         f"label=<{text}{BR}>];")
        lines.append("  }")
        if view.idle[model] and view.rows:  # keep the note in its column (rank)
            first = f'"{spine_groups(view.rows)[0][0]}"'
            pair = (f'"a--idle" -> {first}' if prefix == "a" else f'{first} -> "b--idle"')
            lines.append(f"  {pair} [style=invis];")
    lines.append("  subgraph cluster_functions {")
    lines.append('    label=<<B>Functions</B>>; fontsize=13; style="rounded"; color="#bbbbbb";')
    groups = spine_groups(view.rows)
    for name, rows in groups:
        marked = bool(rows[0].marks)
        cells = "<HR/>".join(spine_cell(row, report) for row in rows)
        lines.append(f'    "{name}" [id="{name}" shape=plain label=<<TABLE BORDER="'
                     f'{2 if marked else 1}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
                     f'COLOR="{"#222222" if marked else "#999999"}">{cells}</TABLE>>];')
    lines.append("  }")
    for name, rows in groups:
        for side, attr, other in (("a", "before", "after"), ("b", "after", "before")):
            for holder in getattr(rows[0], attr):
                changed = holder.role not in {h.role for h in getattr(rows[0], other)}
                contested = any(h.role == holder.role and h.confidence == "contested"
                                for row in rows for h in getattr(row, attr))
                basis = "; ".join(sorted({report.label(b) for row in rows
                                          for h in getattr(row, attr) if h.role == holder.role
                                          for b in h.bases})) or "no basis cited"
                ends = ((f"a--{slug(holder.role)}", name) if side == "a"
                        else (name, f"b--{slug(holder.role)}"))
                lines.append(edge_line(ends, f"{side}--edge--{slug(holder.role)}--{name}",
                                       basis, changed, contested))
    lines.append("}")
    return "\n".join(lines) + "\n"


def spine_groups(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    """Each marked function alone; unchanged ones together when the same roles hold them under
    both models (one node, one link each side: fewer crossings, a shorter page)."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if row.marks:
            groups[f"fn--{slug(row.function)}"] = [row]
        else:
            holders = sorted({slug(h.role) for h in row.before + row.after})
            groups.setdefault("same--" + "--".join(holders), []).append(row)
    return list(groups.items())


def spine_cell(row: Row, report: CoverageReport) -> str:
    fill = next((MARKS[k].fill for k in MARK_PRIORITY if k in row.marks), "#ffffff")
    words = " ".join(f"[{MARKS[k].word}]" for k in row.marks)
    text = BR.join(esc(x) for x in wrap(row.label, 56))
    if words or row.note:
        small = BR.join(esc(x) for x in wrap(" ".join(x for x in (words, row.note) if x), 70))
        if words:
            small = small.replace(esc(words), f"<B>{esc(words)}</B>", 1)
        text += f'{BR}<FONT POINT-SIZE="9">{small}</FONT>'
    bases = "; ".join(sorted({report.label(b) for h in row.before + row.after for b in h.bases}))
    tooltip = f"{row.label}. Legal basis: {bases or 'none cited'}. {words} {row.note}".strip()
    return (f'<TR><TD ALIGN="LEFT" BALIGN="LEFT" BGCOLOR="{fill}" ID="fn--{slug(row.function)}" '
            f'HREF="{esc(row.function)}" TOOLTIP="{esc(tooltip)}">{text}{BR}</TD></TR>')


def edge_line(ends: tuple[str, str], edge_id: str, basis: str, changed: bool,
              contested: bool) -> str:
    color = "#8a6d00" if contested else "#c05800" if changed else "#777777"
    width = 2.2 if changed or contested else 1.0
    style = "dashed" if contested else "solid"
    return (f'  "{ends[0]}" -> "{ends[1]}" [id="{edge_id}" style={style} color="{color}" '
            f'penwidth={width} tooltip="{esc(basis)}"];')


# --- Mermaid -------------------------------------------------------------------------------------


def mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what would end the label."""
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;")
            .replace(">", "#gt;").replace("|", "#124;").replace("\n", " "))


def mermaid_id(*parts: str) -> str:
    return "_".join(re.sub(r"[^a-zA-Z0-9]", "_", p) for p in parts)


def mermaid_header(title: str) -> list[str]:
    lines = ["---", f'title: "{mermaid_text(title)}"', "---", "flowchart LR"]
    for kind in KINDS.values():
        dash = ",stroke-dasharray:4 2" if kind.key == "other" else ""
        lines.append(f"  classDef {mermaid_id(kind.key)} fill:{kind.fill},stroke:{kind.border},"
                     f"stroke-width:2px,color:#000{dash}")
    for mark in MARKS.values():
        lines.append(f"  classDef {mark.key} fill:{mark.fill},stroke:#333,color:#000")
    lines.append("  classDef fn fill:#ffffff,stroke:#999,color:#000")
    return lines


def mermaid_role(node: str, label: str, kind: str, extra: str = "") -> str:
    opening, closing = KINDS[kind].mermaid
    tag = f"[{KINDS[kind].tag}]{extra}"
    return (f'  {node}{opening}"{mermaid_text(label)}<br/><small>{mermaid_text(tag)}</small>"'
            f"{closing}:::{mermaid_id(kind)}")


def to_mermaid(view: View) -> str:
    """A Mermaid flowchart of one model: role nodes (shape and class by employer) linked to
    the functions they hold, each link labelled with its legal basis."""
    lines = mermaid_header(f"{view.title} ({view.subtitle})")
    for key in [k for row in view.grid for k in row]:
        box = view.boxes[key]
        rid = mermaid_id("role", node_name(key))
        if box.kind == "gap":
            lines.append(f'  {rid}["{mermaid_text(box.title)}"]:::gap')
        else:
            lines.append(mermaid_role(rid, box.title, box.kind))
        for item in box.entries:
            fid = mermaid_id("fn", slug(item.function))
            words = " ".join(f"[{MARKS[k].word}]" for k in item.marks)
            cls = next((k for k in MARK_PRIORITY if k in item.marks), "fn")
            lines.append(f'  {fid}["{mermaid_text((words + " " + item.label).strip())}"]:::{cls}')
            if item.citation:
                lines.append(f'  {rid} -->|"{mermaid_text(item.citation)}"| {fid}')
            else:
                lines.append(f"  {rid} --> {fid}")
    return "\n".join(lines) + "\n"


def comparison_mermaid(view: Comparison, report: CoverageReport) -> str:
    """The comparison as Mermaid: A's holders --> function --> B's holders."""
    lines = mermaid_header(f"{view.title} ({view.subtitle})")
    for prefix, model, roles in (("a", view.a, view.left), ("b", view.b, view.right)):
        side = "A" if prefix == "a" else "B"
        lines.append(f'  subgraph {prefix}["{side}: {mermaid_text(report.models[model])}"]')
        for item in roles:
            status = {"removed": " REMOVED under B", "new": " NEW under B"}.get(item.status, "")
            lines.append("  " + mermaid_role(mermaid_id(prefix, slug(item.role)), item.label,
                                             item.kind, status))
        lines.append("  end")
    for row in view.rows:
        fid = mermaid_id("fn", slug(row.function))
        words = " ".join(f"[{MARKS[k].word}]" for k in row.marks)
        cls = next((k for k in MARK_PRIORITY if k in row.marks), "fn")
        text = mermaid_text((words + " " + row.label).strip())
        if row.note:
            text += f"<br/><small>{mermaid_text(row.note)}</small>"
        lines.append(f'  {fid}["{text}"]:::{cls}')
        for holder in row.before:
            lines.append(f"  {mermaid_id('a', slug(holder.role))} --> {fid}")
        for holder in row.after:
            arrow = "-.->" if holder.confidence == "contested" else "-->"
            lines.append(f"  {fid} {arrow} {mermaid_id('b', slug(holder.role))}")
    return "\n".join(lines) + "\n"


def known_iri(kind: str, name: str, known: list[str]) -> str:
    """The IRI of `kind` `name`, or a LookupError listing the known slugs."""
    iri = str(entity(kind, name))
    if iri not in known:
        raise LookupError(f"unknown {kind} '{name}' (known: {', '.join(slug(k) for k in known)})")
    return iri
