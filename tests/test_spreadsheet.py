"""Workbooks that read (present/spreadsheet.py): the coverage matrix, its cells and every
diff, read back with openpyxl and compared with the analysis."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from rolegraph.analysis.coverage import CoverageReport, slug
from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.graph.snapshot import Snapshot
from rolegraph.present import reports

REPO = Path(__file__).resolve().parents[1]


def reads(sheet: Worksheet) -> None:
    """Bold frozen headers, an autofilter over the table, wrapped text, set widths, and a
    print setup that fits the width of the page."""
    assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith("2")
    assert all(c.font.bold for c in sheet[1] if c.value is not None)
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    assert all(c.alignment.wrap_text for row in sheet.iter_rows(min_row=2) for c in row)
    assert all(sheet.column_dimensions[c.column_letter].width >= 10 for c in sheet[1])
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$1:$1"


def check_names(book_names: Worksheet, report: CoverageReport) -> None:
    rows = {(r[0], r[2]): (r[1], r[3]) for r in book_names.iter_rows(min_row=2, values_only=True)}
    for kind, found in (("model", report.models), ("function", report.functions)):
        for iri, label in found.items():
            assert rows[(kind, slug(iri))] == (label, iri)


def test_the_coverage_workbook_uses_the_names_people_read(analysis: Analysis) -> None:
    report = analysis.report
    book = load_workbook(io.BytesIO(reports.coverage_xlsx(report, analysis.version)))
    assert book.sheetnames == ["About", "Matrix", "Cells", "Names"]
    matrix = book["Matrix"]
    assert [c.value for c in matrix[1]][1:] == list(report.models.values())
    assert [r[0] for r in matrix.iter_rows(min_row=2, values_only=True)] == list(
        report.functions.values())
    for row, f in zip(matrix.iter_rows(min_row=2), report.functions, strict=True):
        for cell, m in zip(row[1:], report.models, strict=True):
            held = report.cell(m, f)
            text = str(cell.value)
            for h in held.holders:
                assert report.label(h.role) in text or held.retired or held.not_recorded
            if held.severity:
                assert held.severity.lower() in text and cell.fill.fgColor.rgb.endswith(
                    {"Violation": "F4B6B6", "Warning": "FBE3A4", "Info": "CFE2F3"}[
                        held.severity])
    reads(matrix)
    assert matrix.print_title_cols == "$A:$A"
    cells = book["Cells"]
    reads(cells)
    assert cells.max_row - 1 == len(report.cells)
    check_names(book["Names"], report)


def test_a_workbook_of_every_diff(analysis: Analysis) -> None:
    models = [slug(m) for m in analysis.report.models]
    for a, b in [*itertools.combinations(models, 2), ("law@2003-01-01", "current")]:
        diff, report = analysis.diff(a, b), analysis.report_for([a, b])
        book = load_workbook(io.BytesIO(reports.diff_xlsx(diff, report, analysis.version)))
        assert book.sheetnames == ["About", "Changes", "Roles", "Provisions to amend", "Names"]
        changes = book["Changes"]
        assert [r[0] for r in changes.iter_rows(min_row=2, values_only=True)] == [
            report.functions[c.function] for c in diff.changes]
        assert [r[6] == "yes" for r in changes.iter_rows(min_row=2, values_only=True)] == [
            c.function in diff.basis_lost for c in diff.changes]
        amend = book["Provisions to amend"]
        assert [r[4] for r in amend.iter_rows(min_row=2, values_only=True)] == [
            x.provision for x in diff.amendments]
        roles = book["Roles"]
        assert sorted(r[2] for r in roles.iter_rows(min_row=2, values_only=True)) == sorted(
            slug(r) for r in diff.roles_added + diff.roles_removed)
        for sheet in (changes, amend, roles):
            reads(sheet)


def test_diff_xlsx_from_the_command_line_with_a_proposal(snapshot: Snapshot, state_dir: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "diff.xlsx"
    result = CliRunner().invoke(main, ["diff", "current", str(REPO / "examples" / "proposal.yaml"),
                                       "--format", "xlsx", "-o", str(out),
                                       "--state-dir", str(state_dir)])
    assert result.exit_code == 0, result.output
    changes = load_workbook(out)["Changes"]
    functions = {r[7]: r for r in changes.iter_rows(min_row=2, values_only=True)}
    assert functions["refer-to-cafcass"][4] == "independent advocate"


def test_the_check_results_download_as_xlsx(site_client: FlaskClient) -> None:
    text = (REPO / "examples" / "proposal.yaml").read_text()
    answer = site_client.post("/validate/results.xlsx", data={"text": text},
                              content_type="multipart/form-data")
    assert answer.status_code == 200, answer.data[:300]
    book = load_workbook(io.BytesIO(answer.data))
    matrix = book["Matrix"]
    assert [c.value for c in matrix[1]] == [
        "function", "Council pilot: advocates take the IRO's referral and escalation powers"]


def test_the_diff_page_offers_its_workbook(site_client: FlaskClient) -> None:
    """Policy teams export a diff as XLSX on the web, as they do the coverage matrix."""
    page = site_client.get("/diff?a=law@2003-01-01&b=current").get_data(as_text=True)
    assert '/diff.xlsx?a=law%402003-01-01&amp;b=current"' in page
    answer = site_client.get("/diff.xlsx?a=law@2003-01-01&b=current")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    changes = load_workbook(io.BytesIO(answer.data))["Changes"]
    assert "refer the case to Cafcass" in [r[0] for r in changes.iter_rows(min_row=2,
                                                                            values_only=True)]
    assert site_client.get("/diff.xlsx?a=current&b=nope").status_code == 404
