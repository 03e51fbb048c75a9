"""Workbooks that read: the coverage matrix, its cells and any diff as XLSX (openpyxl) with
the names people read (labels, not slugs; a Names sheet looks slugs up), columns wide enough
and wrapped, bold frozen headers, autofilters, and print setup (landscape, fit to width,
headers repeated on every page)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from rolegraph.analysis.coverage import LEGEND, SEVERITIES, CoverageReport, Holder, slug
from rolegraph.analysis.diff import ModelDiff

FILLS = {"Violation": "F4B6B6", "Warning": "FBE3A4", "Info": "CFE2F3"}
HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
THIN = Side(style="thin", color="A6A6A6")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CELL_HEADERS = ["model", "function", "holders", "confidence", "basis", "sources", "severity",
                "findings", "model slug", "function slug"]


def coverage_xlsx(report: CoverageReport, version: str) -> bytes:
    book = Workbook()
    about(book, "rolegraph coverage matrix",
          "For each function (rows) and reform model (columns): who holds the function, and "
          "what the SHACL coverage checks found (the marks and colours: see the legend).",
          version, [("Counts", counts(report))], legend=True)
    matrix = book.create_sheet("Matrix")
    models = list(report.models)
    matrix.append(["function", *(report.models[m] for m in models)])
    for f, label in report.functions.items():
        matrix.append([label, *(cell_text(report, m, f) for m in models)])
        for col, m in enumerate(models, start=2):
            if severity := report.cell(m, f).severity:
                matrix.cell(matrix.max_row, col).fill = PatternFill("solid",
                                                                    fgColor=FILLS[severity])
    lay_out(matrix, [40, *([26] * len(models))], freeze="B2", title_cols="A:A")
    matrix.row_dimensions[1].height = 58

    cells = book.create_sheet("Cells")
    cells.append(CELL_HEADERS)
    for (m, f), cell in sorted(report.cells.items(), key=lambda kv: (
            models.index(kv[0][0]), list(report.functions).index(kv[0][1]))):
        holders = cell.holders
        cells.append([
            report.models[m], report.functions[f],
            "retired" if cell.retired else " + ".join(report.label(h.role) for h in holders),
            " + ".join(h.confidence for h in holders),
            "; ".join(dict.fromkeys(report.label(b) for h in holders for b in h.bases)),
            "; ".join(dict.fromkeys(report.label(s) for h in holders for s in h.sources)),
            cell.severity or "",
            "\n".join(x.message for x in cell.findings),
            slug(m), slug(f)])
        if cell.severity:
            cells.cell(cells.max_row, 7).fill = PatternFill("solid", fgColor=FILLS[cell.severity])
    lay_out(cells, [30, 36, 30, 14, 30, 40, 11, 60, 18, 26], freeze="C2")
    names(book, report, report.roles)
    return save(book)


def diff_xlsx(diff: ModelDiff, report: CoverageReport, version: str) -> bytes:
    """A diff as a workbook: changes, roles and provisions to amend, each its own sheet."""
    a, b = report.models[diff.a], report.models[diff.b]
    book = Workbook()
    about(book, f"{a} → {b}", "What changes from the first model to the second: who holds "
          "each function, which roles come and go, and which provisions would need amending.",
          version, [("First model", f"{a} ({slug(diff.a)})"),
                    ("Second model", f"{b} ({slug(diff.b)})"),
                    ("Changes", f"{len(diff.changes)} function(s) change holder; "
                                f"{len(diff.basis_lost)} lose their legal basis; "
                                f"{len(diff.amendments)} provision(s) to amend")])
    changes = book.create_sheet("Changes")
    changes.append(["function", "change", f"holders: {a}", f"cited: {a}", f"holders: {b}",
                    f"cited: {b}", "loses its legal basis", "function slug"])
    for c in diff.changes:
        changes.append([report.functions[c.function], c.words,
                        holder_names(c.before, c.retired_before, report, c.unrecorded_before),
                        cited(c.before, report),
                        holder_names(c.after, c.retired_after, report), cited(c.after, report),
                        "yes" if c.function in diff.basis_lost else "", slug(c.function)])
    lay_out(changes, [36, 30, 30, 36, 30, 36, 12, 26], freeze="B2")
    roles = book.create_sheet("Roles")
    roles.append(["role", "change", "role slug"])
    for r in diff.roles_added:
        roles.append([report.label(r), "added", slug(r)])
    for r in diff.roles_removed:
        roles.append([report.label(r), "removed", slug(r)])
    lay_out(roles, [40, 12, 26], freeze="A2")
    amend = book.create_sheet("Provisions to amend")
    amend.append(["Act or SI", "provision", "functions", "why", "provision IRI"])
    for x in diff.amendments:
        amend.append([report.label(x.instrument), report.label(x.provision),
                      "; ".join(report.label(f) for f in x.functions), "; ".join(x.reasons),
                      x.provision])
    lay_out(amend, [40, 22, 40, 50, 40], freeze="A2")
    names(book, report, {r: report.label(r) for r in
                         {h.role for c in diff.changes for h in (*c.before, *c.after)}
                         | set(diff.roles_added) | set(diff.roles_removed)})
    return save(book)


def holder_names(holders: Sequence[Holder], retired: bool, report: CoverageReport,
                 not_recorded: bool = False) -> str:
    if retired:
        return "retired"
    if not_recorded:
        return "not recorded yet"
    return " + ".join(report.label(h.role) for h in holders) or "nobody"


def cited(holders: Sequence[Holder], report: CoverageReport) -> str:
    """Each holder's basis, or failing that its sources, by name."""
    return "\n".join(f"{report.label(h.role)}: "
                     f"{'; '.join(report.label(c) for c in (h.bases or h.sources)) or '—'}"
                     for h in holders)


def cell_text(report: CoverageReport, model: str, function: str) -> str:
    """A matrix cell in words: the holders' names, then the marks (! ? +) spelt out."""
    cell = report.cell(model, function)
    if cell.retired:
        return "retired"
    if cell.not_recorded:
        return "not recorded"
    text = "\n".join(report.label(h.role) for h in cell.holders) or "nobody"
    found = [s.lower() for s in SEVERITIES if any(f.severity == s for f in cell.findings)]
    return f"{text}\n[{', '.join(found)}]" if found else text


def counts(report: CoverageReport) -> str:
    return ", ".join(f"{len(report.of(s))} {s.lower()}(s)" for s in SEVERITIES)


def about(book: Workbook, title: str, what: str, version: str,
          extra: Iterable[tuple[str, str]], legend: bool = False) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = "About"
    sheet.append([title])
    for row in [("What it is", what), ("Snapshot", version), ("Date", date.today().isoformat()),
                *extra, ("Names", "The sheets use the names people read; the Names sheet "
                                  "gives each one's slug and IRI, as the API and SPARQL use.")]:
        sheet.append(list(row))
    if legend:
        sheet.append([])
        sheet.append(["Legend"])
        for line in LEGEND:
            sheet.append(["", line])
        for severity, fill in FILLS.items():
            sheet.append(["", f"{severity}: a cell of this colour"])
            sheet.cell(sheet.max_row, 2).fill = PatternFill("solid", fgColor=fill)
    sheet["A1"].font = Font(name="Calibri", bold=True, size=14)
    for row in sheet.iter_rows(min_row=2):
        row[0].font = Font(name="Calibri", bold=True)
        for cell in row:
            cell.alignment = WRAP
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 18, 100
    print_setup(sheet, landscape=False)


def names(book: Workbook, report: CoverageReport, roles: dict[str, str]) -> None:
    """The lookup of every name in the workbook: kind, name, slug and IRI."""
    sheet = book.create_sheet("Names")
    sheet.append(["kind", "name", "slug", "IRI"])
    for kind, found in (("model", report.models), ("function", report.functions),
                        ("role", roles)):
        for iri, label in sorted(found.items(), key=lambda kv: kv[1].lower()):
            sheet.append([kind, label, slug(iri), iri])
    lay_out(sheet, [10, 50, 32, 60], freeze="A2")


def lay_out(sheet: Worksheet, widths: list[int], freeze: str,
            title_cols: str | None = None) -> None:
    """Widths, wrapping, grid lines, a bold filled header row, frozen panes, an autofilter
    over the table, and print setup."""
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = WRAP
            cell.border = GRID
    for cell in sheet[1]:
        cell.font = Font(name="Calibri", bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    fit_rows(sheet, widths)
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = f"A1:{get_column_letter(sheet.max_column)}{max(sheet.max_row, 2)}"
    print_setup(sheet, landscape=True, title_cols=title_cols)


def fit_rows(sheet: Worksheet, widths: list[int]) -> None:
    """Row heights that show every wrapped line: spreadsheet programs do not grow a row to
    its wrapped text on opening a file, so the height is set from the text (about 0.85
    characters per unit of column width, 15 points a line)."""
    for row in sheet.iter_rows(min_row=2):
        lines = 1
        for cell, width in zip(row, widths, strict=False):
            text = "" if cell.value is None else str(cell.value)
            per_line = max(int(width * 0.85), 1)
            lines = max(lines, sum(-(-max(len(part), 1) // per_line)
                                   for part in text.split("\n")))
        sheet.row_dimensions[row[0].row].height = 15 * min(lines, 20)


def print_setup(sheet: Worksheet, landscape: bool, title_cols: str | None = None) -> None:
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = False
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if landscape:
        sheet.print_title_rows = "1:1"
    if title_cols:
        sheet.print_title_cols = title_cols
    sheet.oddFooter.center.text = "&A · page &P of &N"
    sheet.oddHeader.left.text = "rolegraph"


def save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
