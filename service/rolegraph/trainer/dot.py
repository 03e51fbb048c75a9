"""Panels as Graphviz DOT, built with graphviz.Digraph (HTML-like labels; rendering to
pictures is render.py's job)."""

from __future__ import annotations

from graphviz import Digraph

from rolegraph.analysis.coverage import CoverageReport, slug
from rolegraph.trainer.dottext import esc, html_label, plain
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
    Side,
    View,
    wrap,
)
from rolegraph.trainer.relations import CHILD, CHILD_NODE, child_node, dot_edges, legend_text

# --- DOT ----------------------------------------------------------------------------------------


TOP = "_top"  # an invisible node over the grid (no slug starts with "_")


def node_name(key: str) -> str:
    return "gap" if key == "gap" else slug(key)


def to_dot(view: View) -> str:
    """Graphviz DOT for one model: one HTML-table node per role, on a grid of rows."""
    graph = Digraph("rolegraph", graph_attr={
        "fontname": FONT, "rankdir": "TB", "nodesep": "0.25", "ranksep": "0.3",
        "newrank": "true", "labelloc": "t", "labeljust": "l", "pad": "0.3",
        "bgcolor": "white"},
        node_attr={"shape": "plain", "fontname": FONT, "fontsize": "11"},
        edge_attr={"style": "invis"})  # the edges that keep the rows in order
    graph.attr(label=html_label(header_label(
        view.title, view.subtitle, view.marks_used, GRID_HELP,
        legend_text() if view.relations else "")))
    previous: list[str] = []
    grid = centred(view.grid) if view.child else view.grid
    if view.relations and grid and grid[0]:
        space_above(graph, drawn_name(grid[0][0]))
    for row in grid:
        names = [drawn_name(key) for key in row]
        for key, name in zip(row, names, strict=True):
            if key == CHILD:
                child_node(graph)
            else:
                graph.node(name, html_label(box_label(view.boxes[key])), id=f"box--{name}")
        with graph.subgraph() as same:
            same.attr(rank="same")
            for name in names:
                same.node(name)
        for index, below in enumerate(names):
            if previous:
                graph.edge(previous[min(index, len(previous) - 1)], below)
        previous = names
    graph.node("notes", html_label(notes_label(view.idle, view.retired)), id="notes")
    if previous:
        graph.edge(previous[0], "notes")
    nodes = {key: node_name(key) for key in view.boxes}
    dot_edges(graph, view.relations, view.relation_tips, nodes)
    return str(graph.source)


def drawn_name(key: str) -> str:
    return CHILD_NODE if key == CHILD else node_name(key)


def space_above(graph: Digraph, first: str) -> None:
    """An empty rank over the top row: dot puts the label of an arrow between two boxes of a
    row that are not neighbours in the rank above, and a rank it has to add over the top row
    is as tall as that row (a blank band)."""
    graph.node(TOP, "", shape="point", style="invis", width="0", height="0")
    graph.edge(TOP, first)  # one edge, to the row's first node: the row keeps its order


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
    graph = Digraph("rolegraph_compare", graph_attr={
        "fontname": FONT, "rankdir": "LR", "nodesep": "0.06", "ranksep": "0.9",
        "newrank": "true", "labelloc": "t", "labeljust": "l", "pad": "0.3",
        "bgcolor": "white", "splines": "true"},
        node_attr={"fontname": FONT, "fontsize": "11", "margin": "0.08,0.03"},
        edge_attr={"arrowsize": "0.6", "color": "#777777", "fontname": FONT, "fontsize": "9"})
    graph.attr(label=html_label(header_label(view.title, view.subtitle, view.marks_used,
                                             SPINE_HELP)))
    groups = spine_groups(view.rows)
    for prefix, model, roles in (("a", view.a, view.left), ("b", view.b, view.right)):
        with graph.subgraph(name=f"cluster_{prefix}") as column:
            holders_column(column, prefix, report.models[model], roles, view.idle[model])
        if view.idle[model] and view.rows:  # keep the note in its column (rank)
            first = groups[0][0]
            ends = ("a--idle", first) if prefix == "a" else (first, "b--idle")
            graph.edge(*ends, style="invis")
    with graph.subgraph(name="cluster_functions") as spine:
        spine.attr(label=html_label("<B>Functions</B>"), fontsize="13", style="rounded",
                   color="#bbbbbb")
        for name, rows in groups:
            marked = bool(rows[0].marks)
            cells = "<HR/>".join(spine_cell(row, report) for row in rows)
            spine.node(name, html_label(
                f'<TABLE BORDER="{2 if marked else 1}" CELLBORDER="0" CELLSPACING="0" '
                f'CELLPADDING="3" COLOR="{"#222222" if marked else "#999999"}">{cells}</TABLE>'),
                id=name, shape="plain")
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
                holder_edge(graph, ends, f"{side}--edge--{slug(holder.role)}--{name}",
                            basis, changed, contested)
    return str(graph.source)


def holders_column(column: Digraph, prefix: str, model_label: str, roles: list[Side],
                   idle: list[str]) -> None:
    """One model's holders (prefix "a" or "b"), and the roles it includes that hold nothing."""
    letter = "A" if prefix == "a" else "B"
    column.attr(label=html_label(f"<B>{letter}: {esc(model_label)}</B>"), fontsize="13",
                style="rounded", color="#888888")
    for item in roles:
        shape, style = SHAPES[item.kind]
        kind = KINDS[item.kind]
        status = {"removed": " [REMOVED under B]", "new": " [NEW under B]"}.get(item.status, "")
        label = "<BR/>".join(esc(x) for x in wrap(item.label, 24))
        label = f'<B>{label}</B><BR/><FONT POINT-SIZE="9">[{kind.tag}]{esc(status)}</FONT>'
        style += ",bold" if item.status else ""
        column.node(f"{prefix}--{slug(item.role)}", html_label(label),
                    id=f"{prefix}--role--{slug(item.role)}", shape=shape, style=style,
                    fillcolor=kind.fill, color=kind.border, penwidth="2",
                    URL=esc(item.role), tooltip=plain(item.label))
    if idle:
        text = BR.join(esc(x) for x in wrap("No function in this view: " + ", ".join(idle), 30))
        column.node(f"{prefix}--idle", html_label(text + BR), id=f"{prefix}--idle",
                    shape="plain", fontsize="9")


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


def holder_edge(graph: Digraph, ends: tuple[str, str], edge_id: str, basis: str,
                changed: bool, contested: bool) -> None:
    color = "#8a6d00" if contested else "#c05800" if changed else "#777777"
    width = 2.2 if changed or contested else 1.0
    style = "dashed" if contested else "solid"
    graph.edge(*ends, id=edge_id, style=style, color=color, penwidth=f"{width}",
               tooltip=plain(basis))
