"""Role diagrams: every model's SVG shows exactly its roles and functions; comparisons mark
every change Analysis.diff finds; the CLI writes every format; print PNGs for a human look."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from graphviz import Digraph
from layout import crowded, drawn_boxes

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.present.views import Site
from rolegraph.trainer import diagrams, render
from rolegraph.trainer.dottext import plain
from rolegraph.vocab import RG, UnknownName, entity

REPO = Path(__file__).resolve().parents[1]
MODELS = ["current", "csw-bill-2016", "fostering-stocktake-2018", "adcs-2018",
          "government-response-2018", "care-review-2022", "nagalro-2022",
          "government-response-2023"]
SVG = "{http://www.w3.org/2000/svg}"


def svg_ids(svg: bytes) -> dict[str, ET.Element]:
    """Element ids of a Graphviz SVG (it prefixes HTML-label cell anchors with "a_")."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return {e.get("id", ""): e for e in root.iter() if e.get("id")}


def text_of(element: ET.Element) -> str:
    return " ".join(t.text or "" for t in element.iter(f"{SVG}text"))


@pytest.mark.parametrize("model", MODELS)
def test_model_svg_shows_its_roles_and_functions_and_nothing_it_excludes(
        facts: diagrams.Facts, model: str) -> None:
    m = facts.model(model)
    view = diagrams.model_view(facts, model)
    ids = svg_ids(render.render(diagrams.to_dot(view), "svg"))
    included = facts.included[m]
    holding = set()
    for function in facts.functions:
        holders = facts.holders(m, function)
        for holder in holders:
            holding.add(holder.role)
            assert f"a_fn--{slug(holder.role)}--{slug(function)}" in ids, (model, function)
        cell = facts.report.cell(m, function)
        if not holders and not cell.retired:
            gap = f"a_fn--gap--{slug(function)}" in ids
            # only a coverage gap is drawn as one; a function another model brings in is not
            assert gap == (cell.severity == "Violation"), f"gap {function}"
    for role in facts.roles:
        shown = f"a_role--{slug(role)}" in ids
        assert shown == (role in holding), (model, role)
        if role not in included:  # nothing a model excludes appears, not even a function row
            assert not any(i.startswith(f"a_fn--{slug(role)}--") for i in ids)
    # roles the model includes that hold nothing are named in the note under the grid
    notes = text_of(ids["notes"])
    for role in included - holding:
        assert facts.roles[role].label.split()[0] in notes
    assert "a_legend" in ids


def test_a_role_goes_by_one_short_name_on_pages_and_drawings(analysis: Analysis,
                                                               facts: diagrams.Facts) -> None:
    """Its rg:shortLabel where the data gives one, else its label: "Ofsted", not "HMCI" on
    the coverage page and "Ofsted" on the drawing; no guessing among its other names."""
    site = Site(analysis)
    short = {str(s): str(o) for s, o in analysis.graph.subject_objects(RG.shortLabel)}
    assert "Ofsted" in short.values()
    for iri, role in facts.roles.items():
        assert role.name == site.short(iri) == short.get(iri, site.label(iri)), iri


def test_no_iro_under_the_care_review(facts: diagrams.Facts) -> None:
    ids = svg_ids(render.render(diagrams.to_dot(diagrams.model_view(facts, "care-review-2022")),
                                "svg"))
    assert not [i for i in ids if "iro" in i.split("--")]


def test_every_function_carries_its_legal_basis(facts: diagrams.Facts) -> None:
    ids = svg_ids(render.render(diagrams.to_dot(diagrams.model_view(facts, "current")), "svg"))
    cell = ids["a_fn--iro--refer-to-cafcass"]
    anchor = next(cell.iter("{http://www.w3.org/2000/svg}a"))
    assert "CA 1989 s.25B(3)(a)" in anchor.get("{http://www.w3.org/1999/xlink}title", "")
    assert "CA 1989 s.25B(3)(a)" in text_of(cell)


def test_comparison_marks_every_function_that_changes(analysis: Analysis,
                                                      facts: diagrams.Facts) -> None:
    diff = analysis.diff("current", "care-review-2022")
    assert diff.changes
    view = diagrams.comparison(facts, diff)
    dot = diagrams.comparison_dot(view, facts.report)
    ids = svg_ids(render.render(dot, "svg"))
    words = {"moved": "[MOVED]", "narrowed": "[MOVED]", "shared": "[SHARED]", "lost": "[GAP]",
             "retired": "[RETIRED]", "gained": "[NEW]"}
    mark_fills = {m.fill for m in diagrams.MARKS.values()}
    for change in diff.changes:
        cell = ids[f"a_fn--{slug(change.function)}"]
        assert words[change.kind] in text_of(cell), change.function  # reads in black and white
        fill = re.search(f'BGCOLOR="(#[0-9a-f]+)" ID="fn--{slug(change.function)}"', dot)
        assert fill and fill.group(1) in mark_fills, change.function  # and in colour
    changed = {c.function for c in diff.changes}
    for row in view.rows:  # nothing unchanged is marked as moved
        assert ("moved" in row.marks) == (row.function in changed and
                                          next(c for c in diff.changes
                                               if c.function == row.function).kind
                                          in ("moved", "narrowed"))
    # the removed IRO is on the left only, marked; the new expert practitioner is not drawn
    # (it holds nothing), and the right side has no IRO
    assert "a--role--iro" in ids and "b--role--iro" not in ids
    assert "[REMOVED under B]" in text_of(ids["a--role--iro"])


def test_comparison_marks_contested_holders(analysis: Analysis, facts: diagrams.Facts) -> None:
    view = diagrams.comparison(facts, analysis.diff("current", "care-review-2022"))
    contested = {r.function for r in view.rows if any(h.confidence == "contested"
                                                      for h in r.after)}
    assert contested
    for row in view.rows:
        assert ("contested" in row.marks) == (row.function in contested)


def test_setting_filter_keeps_only_functions_in_that_setting(facts: diagrams.Facts) -> None:
    view = diagrams.model_view(facts, "current", setting="childrens-home")
    shown = {e.function for b in view.boxes.values() for e in b.entries}
    home = str(entity("setting", "childrens-home"))
    assert shown and all(home in facts.functions[f].settings for f in shown)
    assert str(entity("role", "reg44-visitor")) in view.boxes
    assert str(entity("role", "cafcass-guardian")) not in view.boxes  # court only


def test_a_setting_draws_only_the_roles_met_there(analysis: Analysis,
                                                 facts: diagrams.Facts) -> None:
    """A role the data says a child meets only in some settings (rg:meetsChildIn: the foster
    carer in foster care) is drawn in those settings' diagrams and no other."""
    meets: dict[str, set[str]] = {}
    for who, met in analysis.graph.subject_objects(RG.meetsChildIn):
        meets.setdefault(str(who), set()).add(str(met))
    assert str(entity("role", "foster-carer")) in meets
    drawn_where_met: set[str] = set()
    for setting in facts.settings:
        view = diagrams.model_view(facts, "current", setting=slug(setting))
        both = diagrams.comparison(facts, analysis.diff("current", "care-review-2022"),
                                   setting=slug(setting))
        roles = set(view.boxes) | {s.role for s in both.left + both.right} | {
            h.role for row in both.rows for h in row.before + row.after}
        also = {name for b in view.boxes.values() for e in b.entries
                for name in e.note.removeprefix("also: ").split(", ") if e.note}
        for role, where in meets.items():
            if setting in where:
                drawn_where_met |= {role} & roles
            else:
                assert role not in roles, (slug(role), slug(setting))
                assert facts.roles[role].name not in also, (slug(role), slug(setting))
    assert str(entity("role", "foster-carer")) in drawn_where_met


def test_no_arrow_label_lies_on_a_box_or_another_label(analysis: Analysis,
                                                      facts: diagrams.Facts) -> None:
    """The arrows' labels once lay on the role boxes, on the child and on each other (dot
    places an xlabel after the layout, wherever it falls): each setting's drawing, and its
    comparison with the care review, laid out, has every label clear."""
    diff = analysis.diff("current", "care-review-2022")
    for setting in [None, *(slug(s) for s in facts.settings)]:
        view = diagrams.model_view(facts, "current", setting=setting)
        dot = diagrams.to_dot(view)
        assert len(drawn_boxes(dot)[1]) == len(view.relations), setting
        assert not crowded(dot), setting
        both = diagrams.comparison(facts, diff, setting=setting)
        assert not crowded(diagrams.comparison_dot(both, facts.report)), setting


def test_role_filter_keeps_one_role(facts: diagrams.Facts) -> None:
    view = diagrams.model_view(facts, "current", role="advocate")
    assert list(view.boxes) == [str(entity("role", "advocate"))]


@pytest.mark.parametrize("bad", [dict(model="nope"), dict(model="current", role="nobody"),
                                 dict(model="current", setting="moon")])
def test_unknown_names_are_refused(facts: diagrams.Facts, bad: dict[str, str]) -> None:
    with pytest.raises(UnknownName, match="known:"):
        diagrams.model_view(facts, **bad)


def test_mermaid_text_is_escaped(facts: diagrams.Facts) -> None:
    text = diagrams.to_mermaid(diagrams.model_view(facts, "current"))
    assert text.startswith("---\ntitle: \"") and "\nflowchart LR\n" in text
    body = text.split("flowchart LR", 1)[1]
    for line in body.splitlines():
        if '["' in line:  # every label's quotes are balanced: none leaks from the data
            assert line.count('"') % 2 == 0, line


@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG"),
                                       ("pdf", b"%PDF"), ("dot", b"digraph"),
                                       ("mermaid", b"---")])
def test_cli_writes_each_format(runner: CliRunner, state_dir: Path, tmp_path: Path, fmt: str,
                                magic: bytes) -> None:
    out = tmp_path / f"diagram.{fmt}"
    result = runner.invoke(main, ["diagram", "--model", "current", "--setting",
                                       "childrens-home", "--compare", "care-review-2022",
                                       "--format", fmt, "-o", str(out),
                                       "--state-dir", str(state_dir)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


def test_cli_refuses_unknown_model(runner: CliRunner, state_dir: Path) -> None:
    result = runner.invoke(main, ["diagram", "--model", "nope", "--format", "dot",
                                       "--state-dir", str(state_dir)])
    assert result.exit_code == 2 and "unknown model 'nope'" in result.output


def test_print_pngs_for_a_human_look(output_dir: Path, analysis: Analysis, facts: diagrams.Facts) -> None:
    """test-output/trainer/: the current diagram and the current vs care review comparison,
    fitted to A4 landscape at 300 dpi (look at them; the card PNG is in test_cards.py)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    current = render.render(diagrams.to_dot(diagrams.model_view(facts, "current")), "png")
    compare = render.render(diagrams.comparison_dot(
        diagrams.comparison(facts, analysis.diff("current", "care-review-2022")),
        facts.report), "png")
    for name, data in (("diagram-current.png", current),
                       ("compare-current-vs-care-review-2022.png", compare)):
        assert data.startswith(b"\x89PNG")
        (output_dir / name).write_bytes(data)
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        assert width <= 11.0 * 300 + 4 and height <= 7.3 * 300 + 4  # fits A4 landscape


def test_changes_only_keeps_exactly_the_marked_functions(analysis: Analysis,
                                                         facts: diagrams.Facts) -> None:
    diff = analysis.diff("current", "care-review-2022")
    full = diagrams.comparison(facts, diff)
    short = diagrams.comparison(facts, diff, changes_only=True)
    assert [r for r in full.rows if r.marks] == short.rows
    assert {c.function for c in diff.changes} <= {r.function for r in short.rows}
    assert len(short.rows) < len(full.rows)
    ids = svg_ids(render.render(diagrams.comparison_dot(short, facts.report), "svg"))
    for row in full.rows:
        assert (f"a_fn--{slug(row.function)}" in ids) == bool(row.marks), row.function
    assert "only the functions that change" in short.subtitle


def test_changes_only_png_has_larger_type(output_dir: Path, analysis: Analysis, facts: diagrams.Facts) -> None:
    """Fewer rows on the same A4 page: Graphviz scales the drawing down less."""
    diff = analysis.diff("current", "care-review-2022")

    def scale(view: diagrams.Comparison) -> float:
        """How much fitting the natural drawing (SVG, in points) to A4 shrinks it."""
        svg = render.render(diagrams.comparison_dot(view, facts.report), "svg").decode()
        size = re.search(r'width="([0-9.]+)pt" height="([0-9.]+)pt"', svg)
        assert size is not None
        width, height = (float(v) for v in size.groups())
        return min(1.0, 11.0 * 72 / width, 7.3 * 72 / height)

    full, short = diagrams.comparison(facts, diff), diagrams.comparison(facts, diff,
                                                                        changes_only=True)
    assert scale(short) > 1.2 * scale(full)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "compare-current-vs-care-review-2022-changes.png").write_bytes(
        render.render(diagrams.comparison_dot(short, facts.report), "png"))


@pytest.mark.parametrize("text", ["a basis ending in a backslash \\", "<B>words, not markup</B>",
                                  'a "quoted" word'])
def test_plain_text_in_a_drawing_is_drawn_as_written(text: str) -> None:
    """Tooltips come from the data (a council's own tree too): no text may end the DOT
    string early or become an HTML-like label."""
    graph = Digraph("t")
    graph.node("n", "n", id="n", tooltip=plain(text))
    svg = ET.fromstring(render.render(graph.source, "svg"))
    titles = [a.get("{http://www.w3.org/1999/xlink}title")
              for a in svg.iter("{http://www.w3.org/2000/svg}a")]
    assert titles == [text]
