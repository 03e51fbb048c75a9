"""A flows view of a comparison (issue 18, part 4), for a slide or the top of a brief: from
each role under A to each role under B, one band per pair, its width the number of functions
that move from the one to the other (Analysis.diff: a function moves from a holder under A
that loses it to a holder under B that gains it). A function that loses every holder flows
to "no holder" (a gap), or to "retired" when model B retires it. Drawn with Graphviz
(penwidth by count) at its natural size within one A4 landscape page, no text under 10 pt."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from graphviz import Digraph

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.diff import ModelDiff
from rolegraph.trainer.dottext import esc, html_label, plain
from rolegraph.trainer.facts import FONT, KINDS, Facts

GAP, RETIRED = "no-holder", "retired"
SINKS = {GAP: ("no holder under B (a gap)", "#f6b4b4", "#b00000"),
         RETIRED: ("retired under B", "#d0d0d0", "#555555")}
SMALLEST_PT = 10  # the smallest text drawn (issue 18: nothing under 9 pt on A4)
WIDTH_PER_FUNCTION = 2.5  # points of band width per function moved
A4_WIDTH, A4_HEIGHT = 842, 595  # points: the page the drawing must fit at full size


@dataclass(frozen=True)
class Band:
    """The functions that move from role `a` (under A) to `b` (a role under B, or a sink)."""

    a: str
    b: str
    functions: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.functions)


def bands(diff: ModelDiff) -> list[Band]:
    """One band per (A holder, B holder) pair that some function moves between, heaviest
    first; a function moving from one holder to two is counted in both bands."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for change in diff.changes:
        joiners = sorted({h.role for h in change.joiners()})
        for loser in sorted({h.role for h in change.losers()}):
            targets = joiners or [RETIRED if change.kind == "retired" else GAP]
            for target in targets:
                pairs.setdefault((loser, target), []).append(change.function)
    found = [Band(a, b, tuple(fs)) for (a, b), fs in pairs.items()]
    return sorted(found, key=lambda x: (-x.count, x.a, x.b))


def flows_dot(facts: Facts, diff: ModelDiff) -> str:
    """Graphviz DOT of the flows from A's roles (left) to B's (right)."""
    report = facts.report
    found = bands(diff)
    title = f"Where the functions go: {report.models[diff.a]} → {report.models[diff.b]}"
    moved = len({f for band in found for f in band.functions})
    note = (f"{moved} function{'s' if moved != 1 else ''} change holder. Each band runs from the "
            "role that holds a function under A to the role that holds it under B; its width "
            "and number are how many functions move that way (a function that moves to two "
            "roles is counted in both bands).")
    graph = Digraph("flows", graph_attr={
        "fontname": FONT, "rankdir": "LR", "nodesep": "0.25", "ranksep": "1.7", "labelloc": "t",
        "labeljust": "l", "pad": "0.25", "bgcolor": "white", "splines": "true"},
        node_attr={"fontname": FONT, "fontsize": "12", "shape": "box", "style": "filled",
                   "penwidth": "2", "margin": "0.12,0.06"},
        edge_attr={"fontname": FONT, "fontsize": "12", "arrowhead": "none",
                   "color": "#c05800a0"})
    graph.attr(label=page_label(title, note))
    if not found:
        graph.node("none", "No function changes holder between these models.", id="none",
                   shape="plain")
    for prefix, side, roles in (("a", "A", sorted({b.a for b in found}, key=order(facts))),
                                ("b", "B", sorted({b.b for b in found}, key=order(facts)))):
        with graph.subgraph(name=f"cluster_{prefix}") as column:
            heading = "<BR/>".join(esc(row) for row in textwrap.wrap(
                f"{side}: {report.models[getattr(diff, prefix)]}", 40))
            column.attr(label=html_label(f"<B>{heading}</B>"), fontsize="13", style="rounded",
                        color="#888888")
            for role in roles:
                role_node(column, facts, prefix, role, found)
    for band in found:
        names = "; ".join(report.label(f) for f in band.functions)
        graph.edge(f"a--{slug(band.a)}", f"b--{slug(band.b)}",
                   id=f"band--{slug(band.a)}--{slug(band.b)}",
                   penwidth=f"{1 + WIDTH_PER_FUNCTION * band.count:g}",
                   label=html_label(f"<B>{band.count}</B>"), fontsize="14", weight=f"{band.count}",
                   tooltip=plain(f"{role_name(facts, band.a)} → {role_name(facts, band.b)}: "
                                 f"{names}"))
    return str(graph.source)


def page_label(title: str, note: str) -> str:
    """The title and the note under it, left-aligned, as an HTML-like label."""
    return html_label(
        "".join(f'<FONT POINT-SIZE="18"><B>{esc(row)}</B></FONT><BR ALIGN="LEFT"/>'
                for row in textwrap.wrap(title, 70))
        + f'<FONT POINT-SIZE="{SMALLEST_PT + 1}">'
        + "".join(f'{esc(row)}<BR ALIGN="LEFT"/>' for row in textwrap.wrap(note, 110))
        + "</FONT>")


def order(facts: Facts) -> Callable[[str], tuple[int, int, str]]:
    known = list(facts.report.roles)

    def key(role: str) -> tuple[int, int, str]:
        if role in SINKS:
            return (1, 0, role)
        return (0, known.index(role) if role in known else len(known), role)
    return key


def role_name(facts: Facts, role: str) -> str:
    if role in SINKS:
        return SINKS[role][0]
    info = facts.roles.get(role)
    return info.label if info else facts.report.label(role)


def role_node(graph: Digraph, facts: Facts, prefix: str, role: str, found: list[Band]) -> None:
    total = len({f for b in found if (b.a if prefix == "a" else b.b) == role
                 for f in b.functions})
    plural = "s" if total != 1 else ""
    count = (f"{total} function{plural} " + ("move" if plural else "moves")
             + (" out" if prefix == "a" else " in"))
    if role in SINKS:
        text, fill, border = SINKS[role]
        tag, style = "", "filled"
        count = f"{total} function{plural}"
    else:
        info = facts.roles[role]
        kind = KINDS[info.kind]
        text, fill, border = info.label, kind.fill, kind.border
        tag, style = f"[{kind.tag}] ", "rounded,filled" if kind.style else "filled"
    name = "<BR/>".join(esc(row) for row in textwrap.wrap(text, 26))
    label = f'<B>{name}</B><BR/><FONT POINT-SIZE="{SMALLEST_PT}">{esc(tag)}{count}</FONT>'
    graph.node(f"{prefix}--{slug(role)}", html_label(label), id=f"{prefix}--{slug(role)}",
               fillcolor=fill, color=border, style=style)


def flows_mermaid(facts: Facts, diff: ModelDiff) -> str:
    """The same bands as a Mermaid Sankey diagram (sankey-beta: source,target,value rows)."""
    def cell(prefix: str, role: str) -> str:
        return '"' + f"{prefix}: {role_name(facts, role)}".replace('"', "'") + '"'

    rows = [f"{cell('A', b.a)},{cell('B', b.b)},{b.count}" for b in bands(diff)]
    return "sankey-beta\n\n" + "\n".join(rows) + "\n"
