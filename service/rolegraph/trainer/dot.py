"""Panels as Graphviz DOT (HTML-like labels; rendering to pictures is render.py's job)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from rolegraph.analysis.coverage import CoverageReport, slug

if TYPE_CHECKING:
    pass

from rolegraph.trainer.facts import (
    BR,
    CELL_WIDTH,
    FONT,
    KINDS,
    MARK_PRIORITY,
    MARKS,
)
from rolegraph.trainer.panels import (
    Box,
    Comparison,
    Entry,
    Row,
    View,
    wrap,
)
from rolegraph.trainer.relations import CHILD, CHILD_NODE, child_node, dot_edges, legend_text

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
        'forcelabels=true labelloc=t labeljust=l pad=0.3 bgcolor="white"];',
        f'  node [shape=plain fontname="{FONT}" fontsize=11];',
        "  edge [style=invis];",
        "  label=<" + header_label(view.title, view.subtitle, view.marks_used, GRID_HELP,
                                   legend_text() if view.relations else "") + ">;",
    ]
    previous: list[str] = []
    grid = centred(view.grid) if view.child else view.grid
    for row in grid:
        names = [CHILD_NODE if key == CHILD else node_name(key) for key in row]
        for key, name in zip(row, names, strict=True):
            if key == CHILD:
                lines.append(child_node())
                continue
            lines.append(f'  "{name}" [id="box--{name}" label=<{box_label(view.boxes[key])}>];')
        lines.append("  { rank=same; " + " ".join(f'"{n}";' for n in names) + " }")
        for index, below in enumerate(names):
            if previous:
                lines.append(f'  "{previous[min(index, len(previous) - 1)]}" -> "{below}";')
        previous = names
    lines.append(f'  "notes" [id="notes" label=<{notes_label(view.idle, view.retired)}>];')
    if previous:
        lines.append(f'  "{previous[0]}" -> "notes";')
    nodes = {key: node_name(key) for key in view.boxes}
    lines.extend(dot_edges(view.relations, view.relation_tips, nodes))
    lines.append("}")
    return "\n".join(lines) + "\n"


def centred(grid: list[list[str]]) -> list[list[str]]:
    """The grid with the child in the middle of its middle row (a row of its own if empty)."""
    rows = [list(row) for row in grid]
    if not rows:
        return [[CHILD]]
    middle = rows[len(rows) // 2]
    middle.insert(len(middle) // 2, CHILD)
    return rows


GRID_HELP = "Each box is a role; under it, the functions it holds and their legal basis."
SPINE_HELP = ("Left: who holds each function under A; right: under B. The functions stay in "
              "place; marked rows change.")


def header_label(title: str, subtitle: str, marks: list[str], help_text: str,
                 extra: str = "") -> str:
    legend = legend_cells(marks)
    kinds, words = legend[:len(KINDS) + 1], legend[len(KINDS) + 1:]
    span = 1
    return (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
            f'<TR><TD ALIGN="LEFT" COLSPAN="{span}"><FONT POINT-SIZE="20"><B>{esc(title)}'
            f'</B></FONT></TD></TR>'
            f'<TR><TD ALIGN="LEFT" COLSPAN="{span}"><FONT POINT-SIZE="12">'
            f"Who does what for a child in care in England: {esc(subtitle)}. {esc(help_text)}"
            f'</FONT></TD></TR>'
            + (f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="12">{esc(extra)}</FONT></TD></TR>'
               if extra else "")
            + f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="3"><TR>{"".join(kinds)}'
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
