"""Role diagrams for trainers, the one entry to them: an analysis -> facts (facts.py) ->
panels (panels.py) -> Graphviz DOT (dot.py) and Mermaid text (mermaid.py).

Pure functions, no file or network I/O (rendering DOT to pictures is render.py's job).

A *view* is what one picture shows: one panel per model (two for a comparison), each a grid
of role boxes (a role node listing the functions it holds, each with its legal basis), a box
of functions nobody holds (a coverage gap) and a note of the model's roles with nothing to do
in the view. A comparison lays both panels out on the same grid, so that only what changes
moves, and marks each changed function with a colour *and* a word (it reads in black and white).
See docs/decisions/20261123-diagram-layout.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis

from rolegraph.trainer.dot import comparison_dot, to_dot
from rolegraph.trainer.facts import FORMATS, MARKS, Facts, collect
from rolegraph.trainer.flows import flows_dot, flows_mermaid
from rolegraph.trainer.mermaid import comparison_mermaid, to_mermaid
from rolegraph.trainer.panels import Comparison, comparison, model_view

__all__ = ["FORMATS", "MARKS", "Comparison", "Facts", "collect", "comparison", "comparison_dot",
           "comparison_mermaid", "drawing", "flows_drawing", "model_view", "to_dot",
           "to_mermaid"]


def drawing(analysis: Analysis, facts: Facts, model: str, role: str | None,
            setting: str | None, compare: str | None = None,
            changes_only: bool = False) -> tuple[str, str]:
    """The DOT and Mermaid of a model's diagram, or of its comparison with `compare`."""
    if compare:
        view = comparison(facts, analysis.diff(model, compare), role, setting, changes_only)
        return comparison_dot(view, facts.report), comparison_mermaid(view, facts.report)
    single = model_view(facts, model, role, setting)
    return to_dot(single), to_mermaid(single)


def flows_drawing(analysis: Analysis, facts: Facts, model: str, compare: str) -> tuple[str, str]:
    """The DOT and Mermaid (Sankey) of the flows view: where `model`'s functions go under
    `compare`, one band per pair of roles, its width the number of functions that move."""
    for name in (model, compare):
        facts.model(name)  # UnknownName for an unknown name
    diff = analysis.diff(model, compare)
    return flows_dot(facts, diff), flows_mermaid(facts, diff)
