"""Policy briefs (present/brief.py, brief_render.py, web/briefs.py, `rolegraph brief`): every
model pair and a proposal, read back with python-docx and pypdf and compared with the
analysis the brief is made from."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from flask.testing import FlaskClient
from pypdf import PdfReader

from rolegraph.analysis.coverage import CoverageReport, Holder, slug
from rolegraph.analysis.diff import ModelDiff
from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.graph.snapshot import Snapshot
from rolegraph.present.brief import make_brief
from rolegraph.present.brief_render import brief_docx, brief_pdf

REPO = Path(__file__).resolve().parents[1]
PROPOSAL = REPO / "examples" / "proposal.yaml"


def model_pairs(analysis: Analysis) -> list[tuple[str, str]]:
    models = [slug(m) for m in analysis.report.models]
    return list(itertools.combinations(models, 2))


def names(holders: tuple[Holder, ...], report: CoverageReport) -> set[str]:
    return {report.label(h.role) for h in holders}


def cited(diff: ModelDiff, report: CoverageReport) -> set[str]:
    """Every label the brief must cite: each changing holder's basis and sources, and each
    provision to amend."""
    found = {report.label(c) for change in diff.changes
             for h in (*change.before, *change.after) for c in (*h.bases, *h.sources)}
    return found | {report.label(x.provision) for x in diff.amendments}


def check_docx(body: bytes, analysis: Analysis, a: str, b: str) -> None:
    """The DOCX says what the analysis says: its moves, annex rows, amendments and notes."""
    diff = analysis.diff(a, b)
    report = analysis.report_for([a, b])
    doc = Document(io.BytesIO(body))
    styles = {p.style.name for p in doc.paragraphs if p.style is not None}
    assert {"Title", "Subtitle", "Heading 1", "Heading 2"} <= styles
    assert "Endnote Text" in styles or not cited(diff, report)
    headings = [p.text for p in doc.paragraphs if p.style is not None
                and p.style.name.startswith("Heading")]
    assert headings[:4] == ["What moves", "What is lost", "What is contested, and by whom",
                            "Provisions that would need amending"]
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = {tuple(c.text for c in t.rows[0].cells): t for t in doc.tables}
    moved = [c for c in diff.changes if c.kind != "lost"]
    if moved:
        groups = tables[("From", "To", "Functions")]
        listed = [f for row in groups.rows[1:] for f in row.cells[2].text.split("; ")]
        assert sorted(listed) == sorted(report.functions[c.function] for c in moved)
    if diff.changes:
        annex = tables[("Function", "Change", "From", "To")]
        assert [r.cells[0].text for r in annex.rows[1:]] == [
            report.functions[c.function] for c in moved + [c for c in diff.changes
                                                           if c.kind == "lost"]]
        holdings = tables[("Under", "Holder", "Confidence", "Cited", "The words quoted")]
        rows = [r for r in holdings.rows[1:] if r.cells[0].text != r.cells[-1].text]
        assert len(rows) == sum(len(c.before) + len(c.after) for c in diff.changes)
    for role in diff.roles_removed:
        assert report.label(role) in text
    for x in diff.amendments:
        assert report.label(x.instrument) in text and report.label(x.provision) in text
    notes = [p.text for p in doc.paragraphs if p.style is not None
             and p.style.name == "Endnote Text"]
    labels = {n.split(". ", 1)[1].split(" — ")[0] for n in notes}
    assert cited(diff, report) <= labels
    assert [int(n.split(".", 1)[0]) for n in notes] == list(range(1, len(notes) + 1))
    references = {int(n) for p in doc.paragraphs for r in p.runs
                  if r.style is not None and r.style.name == "Endnote Reference"
                  for n in r.text.split(",")}
    assert references <= set(range(1, len(notes) + 1))
    assert doc.sections[0].page_width is not None and round(doc.sections[0].page_width.cm) == 21


def test_a_brief_of_every_model_pair_says_what_the_analysis_says(analysis: Analysis) -> None:
    pairs = model_pairs(analysis)
    assert len(pairs) >= 45
    for a, b in pairs:
        check_docx(brief_docx(make_brief(analysis, a, b)), analysis, a, b)


@pytest.mark.parametrize("a,b", [("current", "care-review-2022"), ("law@2003-01-01", "current"),
                                 ("care-review-2022", "current")])
def test_the_pdf_brief_fits_its_summary_on_page_one(analysis: Analysis, a: str, b: str) -> None:
    brief = make_brief(analysis, a, b)
    reader = PdfReader(io.BytesIO(brief_pdf(brief)))
    first = " ".join(reader.pages[0].extract_text().split())
    second = " ".join(reader.pages[1].extract_text().split())
    assert " ".join(brief.headline().split()) in first
    assert "Provisions that would need amending" in first
    assert second.startswith("Annex A")  # the summary ends on page one
    for instrument, _, _ in brief.instruments():
        assert " ".join(instrument.split()) in first


def test_a_brief_of_a_proposal(analysis: Analysis) -> None:
    view, (a, b) = analysis.naming(["current", str(PROPOSAL)])
    assert b == "council-advocate-pilot"
    body = brief_docx(make_brief(view, a, b))
    check_docx(body, view, a, b)
    text = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    warnings = view.report.of("Warning", view.model(b))
    assert f"Warnings ({len(warnings)})" in text
    assert any("no legal basis" in w.message and "Cafcass" in w.message for w in warnings)


def test_the_brief_command_writes_docx_and_pdf(snapshot: Snapshot, state_dir: Path,
                                               tmp_path: Path, analysis: Analysis) -> None:
    for fmt in ("docx", "pdf"):
        out = tmp_path / f"brief.{fmt}"
        result = CliRunner().invoke(main, ["brief", "law@2003-01-01", str(PROPOSAL), "--format",
                                           fmt, "-o", str(out), "--state-dir", str(state_dir)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:4] == (b"PK\x03\x04" if fmt == "docx" else b"%PDF")
    view, names_ = analysis.naming(["law@2003-01-01", str(PROPOSAL)])
    check_docx((tmp_path / "brief.docx").read_bytes(), view, *names_)
    result = CliRunner().invoke(main, ["brief", "current", "nope", "-o", str(tmp_path / "x"),
                                       "--state-dir", str(state_dir)])
    assert result.exit_code == 2 and "unknown model 'nope'" in result.output


def test_briefs_on_the_web(site_client: FlaskClient, analysis: Analysis) -> None:
    answer = site_client.get("/briefs/current/care-review-2022.docx")
    assert answer.status_code == 200 and answer.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in answer.headers["Content-Disposition"]
    check_docx(answer.data, analysis, "current", "care-review-2022")
    answer = site_client.get("/briefs/law@2003-01-01/current.pdf")
    assert answer.status_code == 200 and answer.data[:4] == b"%PDF"
    for path, status in (("/briefs/current/wizard.docx", 404), ("/briefs/current/a b.pdf", 400),
                         ("/briefs/current/law@1800-01-01.docx", 404)):
        answer = site_client.get(path)
        assert answer.status_code == status, (path, answer.data[:200])
        assert answer.mimetype == "application/problem+json"


def test_a_proposal_briefed_from_the_validate_form(site_client: FlaskClient,
                                                   analysis: Analysis) -> None:
    answer = site_client.post("/validate/brief.docx", data={
        "text": PROPOSAL.read_text(), "against": "current"},
        content_type="multipart/form-data")
    assert answer.status_code == 200, answer.data[:300]
    view, (a, b) = analysis.naming(["current", str(PROPOSAL)])
    check_docx(answer.data, view, a, b)
    answer = site_client.post("/validate/brief.pdf", data={"text": "slug: [", "against": "x"},
                              content_type="multipart/form-data")
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
