"""Panels as Mermaid text, for pasting into Markdown, slides and wikis."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rolegraph.analysis.coverage import CoverageReport, slug

if TYPE_CHECKING:
    pass

from rolegraph.trainer.dot import node_name
from rolegraph.trainer.facts import (
    KINDS,
    MARK_PRIORITY,
    MARKS,
)
from rolegraph.trainer.panels import (
    Comparison,
    View,
)
from rolegraph.trainer.relations import Relation, edge_label

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
    if view.child:
        lines.append(f'  {mermaid_id("child")}(("the child")):::child')
        lines.append("  classDef child fill:#ffe9a8,stroke:#b8860b,stroke-width:3px,color:#000")
    for relation in view.relations:
        lines.append(mermaid_relation(relation))
    return "\n".join(lines) + "\n"


def mermaid_relation(relation: Relation) -> str:
    """A relation as a labelled Mermaid link: solid when stated, dotted when not."""
    start = mermaid_id("role", slug(relation.source))
    end = mermaid_id("child") if relation.to_child else mermaid_id("role", slug(relation.target))
    label = mermaid_text(edge_label(relation))
    arrow = "==>" if relation.confidence == "stated" else "-.->"
    return f'  {start} {arrow}|"{label}"| {end}'


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
