"""The trainer's slide deck (issue 18): it opens in python-pptx, has one slide per role of
the model with its functions and law (checked against the analysis), pictures, editable text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from layout import drawn_boxes, overlaps
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.presentation import Presentation as Deck

from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.trainer import diagrams, slides


@pytest.fixture(scope="module")
def compared(analysis: Analysis) -> tuple[Deck, diagrams.Facts]:
    view = analysis.viewing(["current", "care-review-2022"])
    facts = diagrams.collect(view)
    return Presentation(io.BytesIO(slides.deck(view, facts, "current", "care-review-2022"))), facts


def texts(slide: object) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame]  # type: ignore[attr-defined]


def test_one_slide_per_role_of_the_model_with_its_functions(
        compared: tuple[Deck, diagrams.Facts]) -> None:
    deck, facts = compared
    m = facts.model("current")
    titles = {texts(s)[0]: s for s in deck.slides if texts(s)}
    roles = facts.included[m]
    for role in roles:
        info = facts.roles[role]
        matching = [t for t in titles if t.lower().startswith(info.label.lower())]
        assert len(matching) == 1, info.label
        body = "\n".join(texts(titles[matching[0]])[1:])
        for function in facts.report.functions:
            for holder in facts.holders(m, function):
                if holder.role == role:
                    assert facts.report.label(function) in body or "more (see the role card)" in body
                    for basis in holder.bases[:1]:
                        assert facts.report.label(basis) in body or "more" in body
    role_slides = [t for t in titles if any(t.lower().startswith(facts.roles[r].label.lower())
                                             for r in roles)]
    assert len(role_slides) == len(roles)


def test_pictures_comparison_time_lines_and_sources(compared: tuple[Deck, diagrams.Facts],
                                                    output_dir: Path) -> None:
    deck, _ = compared
    pictures = [s for s in deck.slides
                if any(p.shape_type == MSO_SHAPE_TYPE.PICTURE for p in s.shapes)]
    assert len(pictures) >= 3
    titles = [texts(s)[0] for s in deck.slides if texts(s)]
    assert "The child at the centre" in titles
    assert any(t.startswith("What changes:") for t in titles)
    assert any(t.startswith("Where each function goes") for t in titles)
    assert any(t.startswith("Time line: Independent reviewing officer") for t in titles)
    assert "Sources" in titles
    moves = next(s for s in deck.slides if texts(s)[0].startswith("Where each function goes"))
    assert "refer the case to Cafcass: IRO →" in "\n".join(texts(moves))
    for slide in pictures:
        for shape in slide.shapes:  # pictures sit on the slide
            assert shape.left >= 0 and shape.left + shape.width <= deck.slide_width
            assert shape.top + shape.height <= deck.slide_height
    out = io.BytesIO()
    deck.save(out)
    (output_dir / "slides-current-vs-care-review-2022.pptx").write_bytes(out.getvalue())


def test_slides_over_http_and_bad_names(site_client: FlaskClient) -> None:
    answer = site_client.get("/slides/care-review-2022.pptx")
    assert answer.status_code == 200
    assert answer.mimetype.endswith("presentationml.presentation")
    assert len(Presentation(io.BytesIO(answer.data)).slides) > 5
    for path, status in [("/slides/nope.pptx", 404), ("/slides/current.pdf", 404),
                         ("/slides/current.pptx?compare=nope", 400),
                         ("/slides/current.pptx?compare=current", 400),
                         ("/slides/current.pptx?x=1", 400)]:
        bad = site_client.get(path, headers={"Accept": "application/json"})
        assert bad.status_code == status, path
        assert bad.mimetype == "application/problem+json"


def test_cli_writes_a_deck(runner: CliRunner, state_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.pptx"
    result = runner.invoke(main, ["slides", "--model", "law@2010-01-01", "-o", str(out),
                                  "--state-dir", str(state_dir)])
    assert result.exit_code == 0, result.output
    assert len(Presentation(str(out)).slides) > 5


def test_centre_drawing_labels_overlap_nothing(analysis: Analysis, facts: diagrams.Facts) -> None:
    m = facts.model("current")
    relations = facts.relations.get(m, [])
    assert relations  # the arrows between roles, whose labels crowded the boxes
    dot = slides.centre_dot(facts, slides.role_slides(analysis, facts, "current"), "Around",
                            relations)
    nodes, labels = drawn_boxes(dot)
    assert len(labels) >= len(relations)
    boxes = nodes + labels
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not overlaps(a, b), (a, b)
