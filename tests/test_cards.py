"""Role cards: what they say comes from the graph (figures quoted, never made up), one A4 page
each, and the training pack writes every card and diagram for a model."""

from __future__ import annotations

import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.trainer import cards, diagrams

REPO = Path(__file__).resolve().parents[1]


def test_iro_card_under_current(analysis: Analysis, facts: diagrams.Facts) -> None:
    card = cards.role_card(analysis, facts, "iro", "current")
    assert card.title == "independent reviewing officer"
    assert card.kind == "local-authority" and card.employer == "local authority"
    assert "Not independent" in card.independence
    held = {slug(h.function): h for h in card.functions}
    assert "CA 1989 s.25B(3)(a)" in held["refer-to-cafcass"].citations
    assert len(held) == sum(1 for f in facts.functions
                            if any(h.role == card.role for h in facts.holders(card.model, f)))
    removed = {slug(e.model) for e in card.elsewhere if e.summary.startswith("[REMOVED]")}
    assert "care-review-2022" in removed and "nagalro-2022" not in removed


def test_the_datas_own_words_are_not_shown_as_a_quotation(analysis: Analysis,
                                                         facts: diagrams.Facts) -> None:
    """How often is the data's sentence, not the law's words: the IRO card showed it in
    quotation marks followed by "— CPPCR 2010 reg 33", as if the regulation said it."""
    card = cards.role_card(analysis, facts, "iro", "current")
    html = unescape(cards.card_html([card]))
    assert card.frequency
    for sentence in card.frequency:
        assert sentence.text in html and f"“{sentence.text}”" not in html


def test_frequencies_are_quoted_from_the_data(analysis: Analysis,
                                              facts: diagrams.Facts) -> None:
    card = cards.role_card(analysis, facts, "reg44-visitor", "current")
    assert any("at least monthly" in q.text for q in card.frequency)
    # the data's own statement of how often comes first, with the provision it rests on
    assert "once a month" in card.frequency[0].text
    assert card.frequency[0].where == "SI 2015/541 reg 44"
    text = " ".join(str(o) for p in (cards.SKOS.definition, cards.RG.contactFrequency)
                    for o in analysis.graph.objects(None, p))
    for quote in card.frequency:  # every sentence shown is in the data, word for word
        assert quote.text in text


def test_a_role_with_nothing_held_says_so(analysis: Analysis, facts: diagrams.Facts) -> None:
    card = cards.role_card(analysis, facts, "iro", "care-review-2022")
    assert not card.included and not card.functions
    assert "[REMOVED]" in cards.card_html([card])


@pytest.mark.parametrize("role", ["iro", "social-worker", "advocate", "cafcass-guardian"])
def test_each_card_prints_on_one_a4_page(output_dir: Path, analysis: Analysis, facts: diagrams.Facts,
                                          role: str) -> None:
    from pypdf import PdfReader

    pdf = cards.card_pdf(cards.card_html([cards.role_card(analysis, facts, role, "current")]))
    (output_dir / "cards").mkdir(parents=True, exist_ok=True)
    path = output_dir / "cards" / f"card-{role}-current.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_iro_card_png_for_a_human_look(output_dir: Path, analysis: Analysis, facts: diagrams.Facts) -> None:
    """test-output/trainer/card-iro-current.png: the IRO's card, PDF -> PNG with pdftoppm."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "run scripts/setup: it installs Debian's poppler-utils"
    output_dir.mkdir(parents=True, exist_ok=True)
    pdf = output_dir / "card-iro-current.pdf"
    pdf.write_bytes(cards.card_pdf(cards.card_html([cards.role_card(analysis, facts, "iro",
                                                                    "current")])))
    subprocess.run([pdftoppm, "-png", "-r", "110", "-singlefile", str(pdf),
                    str(output_dir / "card-iro-current")], check=True, timeout=60)
    assert (output_dir / "card-iro-current.png").read_bytes().startswith(b"\x89PNG")


def test_card_cli(runner: CliRunner, state_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.html"
    result = runner.invoke(main, ["card", "--role", "advocate", "--model",
                                       "care-review-2022", "--format", "html", "-o", str(out),
                                       "--state-dir", str(state_dir)])
    assert result.exit_code == 0, result.output
    assert "independent advocate" in out.read_text()
    bad = runner.invoke(main, ["card", "--role", "nobody", "--state-dir", str(state_dir)])
    assert bad.exit_code == 2 and "unknown role" in bad.output


def test_pack_writes_every_card_and_diagram(runner: CliRunner, state_dir: Path, tmp_path: Path,
                                            facts: diagrams.Facts) -> None:
    folder = tmp_path / "pack"
    result = runner.invoke(main, ["pack", "--model", "care-review-2022", "-o", str(folder),
                                       "--pdf", "--state-dir", str(state_dir)])
    assert result.exit_code == 0, result.output
    assert "[1/" in result.output  # progress
    names = {p.name for p in folder.iterdir()}
    model = facts.model("care-review-2022")
    for role in facts.included[model]:
        assert f"card-{slug(role)}-care-review-2022.pdf" in names
    for ext in ("svg", "png", "pdf", "dot", "mmd"):
        assert f"diagram-care-review-2022.{ext}" in names
    assert "compare-current-vs-care-review-2022.svg" in names  # today first (issue 18)
    assert "pack-care-review-2022.pdf" in names and "index.html" in names
    assert "card-iro-care-review-2022.pdf" not in names


def test_a_card_written_to_a_file_carries_its_styles(runner: CliRunner, state_dir: Path,
                                                      snapshot: object, tmp_path: Path) -> None:
    """Opened from disk there is no /static/: the command writes the stylesheet into the page."""
    out = tmp_path / "iro.html"
    done = runner.invoke(main, ["card", "--role", "iro", "--format", "html", "-o", str(out),
                                "--state-dir", str(state_dir)])
    assert done.exit_code == 0, done.output
    page = out.read_text()
    assert "<style>" in page and "@page" in page and 'stylesheet" href="/static/' not in page
