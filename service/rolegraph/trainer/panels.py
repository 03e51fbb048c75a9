"""The panels a diagram shows, as plain data: one model as a grid of role boxes, or two
models as one spine of functions between their holders (see docs/decisions/
20261123-diagram-layout.md)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rolegraph.analysis.coverage import Holder
from rolegraph.analysis.diff import FunctionChange, ModelDiff

if TYPE_CHECKING:
    pass

from rolegraph.trainer.facts import (
    KIND_ORDER,
    KINDS,
    MARK_PRIORITY,
    Facts,
)
from rolegraph.trainer.relations import Relation, shown

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
    relations: list[Relation] = field(default_factory=list)  # drawn: both ends in the view
    child: bool = True  # the child at the centre (not in a one-role view)
    relation_tips: dict[str, str] = field(default_factory=dict)  # relation IRI -> its law


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
        holders = facts.holders(m, function, s)
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
    drawn = shown(facts.relations.get(m, []), set(boxes))
    if r is not None:
        drawn = [x for x in drawn if r in (x.source, x.target)]
    return View(m, report.models[m], scope(facts, r, s), boxes, layout(boxes, facts), idle,
                retired, used, drawn, r is None, {x.iri: x.tooltip(report) for x in drawn})


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
        before = tuple(facts.holders(diff.a, function, s))
        after = tuple(facts.holders(diff.b, function, s))
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
