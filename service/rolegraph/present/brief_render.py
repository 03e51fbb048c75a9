"""A policy brief (present/brief.py) printed: DOCX with python-docx in Word's own styles
(Title, Heading 1-2, List Bullet, a table style, and endnotes as a numbered "Notes" section
in the styles Word names "Endnote Text" and "Endnote Reference": python-docx has no API for
real footnotes or endnotes), and PDF from an HTML template with WeasyPrint. One layout for
both: the summary on page one, then the annexes and the notes."""

from __future__ import annotations

import io
from collections.abc import Iterable

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from jinja2 import Environment, PackageLoader, select_autoescape

from rolegraph.present.brief import Brief, Holding, plural

TABLE_STYLE = "Light Grid Accent 1"
GROUP_HEADERS = ("From", "To", "Functions")
MOVES_HEADERS = ("Function", "Change", "From", "To")
AMEND_HEADERS = ("Act or SI", "Provision", "Functions", "Why")
ANNEX_HEADERS = ("Under", "Holder", "Confidence", "Cited", "The words quoted")
NO_DISPUTE = "No holding under either model is disputed by a named source."
NO_AMENDMENT = ("None: no provision gives a function to a holder who loses it, or establishes "
                "a role that goes.")


def render(brief: Brief, fmt: str) -> bytes:
    """The brief as DOCX or PDF bytes."""
    return brief_docx(brief) if fmt == "docx" else brief_pdf(brief)


# --- DOCX -------------------------------------------------------------------------------


def brief_docx(brief: Brief) -> bytes:
    doc = Document()
    setup(doc, brief)
    doc.add_paragraph("Policy brief", style="Title")
    doc.add_paragraph(f"{brief.a} → {brief.b}", style="Subtitle")
    doc.add_paragraph(f"{brief.a_slug} → {brief.b_slug} · rolegraph snapshot {brief.version} · "
                      f"{brief.made}", style="Caption")
    lead = doc.add_paragraph()
    lead.add_run(brief.headline()).bold = True

    doc.add_heading("What moves", level=2)
    if brief.moves:
        table = grid(doc, GROUP_HEADERS, [4.2, 4.6, 8.6])
        for before, after, functions, notes in brief.groups():
            cells = new_row(table)
            cells[0].text = before
            noted(cells[1].paragraphs[0], after, notes)
            cells[2].text = "; ".join(functions)
        small(table)
    else:
        doc.add_paragraph("No function changes holder.")

    doc.add_heading("What is lost", level=2)
    for line in lost_lines(brief):
        doc.add_paragraph(line, style="List Bullet")

    doc.add_heading("What is contested, and by whom", level=2)
    for d in brief.disputes:
        item = doc.add_paragraph(style="List Bullet")
        item.add_run(d.function).bold = True
        noted(item, f"{under(d.model, brief)}: {', '.join(d.roles)}, disputed by "
              f"{', '.join(d.by)}", d.notes)
    if not brief.disputes:
        doc.add_paragraph(NO_DISPUTE)

    doc.add_heading("Provisions that would need amending", level=2)
    for instrument, provisions, notes in brief.instruments():
        item = doc.add_paragraph(style="List Bullet")
        item.add_run(instrument).bold = True
        noted(item, f": {', '.join(provisions)}", notes)
    if not brief.amendments:
        doc.add_paragraph(NO_AMENDMENT)

    annex = doc.add_heading("Annex A: what moves, function by function", level=1)
    annex.paragraph_format.page_break_before = True  # no blank page when page one is full
    table = grid(doc, MOVES_HEADERS, [5.4, 2.0, 4.6, 5.0])
    for move in brief.moves + brief.lost:
        cells = new_row(table)
        cells[0].text, cells[2].text = move.function, move.before
        cells[1].text = move.kind + (" (no legal basis)" if move.function in brief.basis_lost
                                     else "")
        noted(cells[3].paragraphs[0], move.after, move.notes)
    doc.add_heading("Annex B: the provisions that would need amending, and why", level=1)
    if brief.amendments:
        table = grid(doc, AMEND_HEADERS, [3.8, 3.0, 4.2, 6.0])
        for x in brief.amendments:
            cells = new_row(table)
            cells[0].text, cells[2].text, cells[3].text = (x.instrument, ", ".join(x.functions)
                                                           or "—", x.why)
            noted(cells[1].paragraphs[0], x.provision, (x.note,))
    else:
        doc.add_paragraph(NO_AMENDMENT)
    doc.add_heading("Annex C: every holding that changes, what it cites, the words quoted",
                    level=1)
    table = grid(doc, ANNEX_HEADERS, [2.6, 3.2, 1.8, 4.6, 4.8])
    for function, holdings in annex_by_function(brief):
        cells = new_row(table)
        merged = cells[0].merge(cells[-1])
        merged.text = ""
        merged.paragraphs[0].add_run(function).bold = True
        for h in holdings:
            cells = new_row(table)
            cells[0].text, cells[1].text, cells[2].text = h.model, h.role, h.confidence
            noted(cells[3].paragraphs[0], "; ".join(h.cited) or "nothing cited", h.notes)
            cells[4].text = h.quote or "—"
    doc.add_heading(f"Annex D: what the checks find under {brief.b}", level=1)
    for severity, messages in brief.findings.items():
        doc.add_heading(f"{severity}s ({len(messages)})", level=2)
        for message in messages:
            doc.add_paragraph(message, style="List Bullet")
    doc.add_heading("Notes", level=1)
    for c in brief.citations:
        note = doc.add_paragraph(style="Endnote Text")
        note.add_run(f"{c.number}. ").bold = True
        note.add_run(c.label)
        if c.href:
            note.add_run(f" — {c.href}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def annex_by_function(brief: Brief) -> list[tuple[str, list[Holding]]]:
    found: dict[str, list[Holding]] = {}
    for h in brief.annex:
        found.setdefault(h.function, []).append(h)
    return list(found.items())


def setup(doc: WordDocument, brief: Brief) -> None:
    """A4 portrait, 1.6 cm margins, 9 pt body, the endnote styles, a footer with page numbers."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.6))
    styles = doc.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(9)
    styles["Title"].font.size = Pt(16)
    styles["Subtitle"].font.size = Pt(11)
    for name in ("List Bullet", "Normal"):
        styles[name].paragraph_format.space_after = Pt(2)
    styles["Heading 2"].paragraph_format.space_before = Pt(6)
    styles["List Bullet"].font.size = Pt(8.5)
    if "Endnote Text" not in [s.name for s in styles]:
        text = styles.add_style("Endnote Text", WD_STYLE_TYPE.PARAGRAPH)
        text.base_style = styles["Normal"]
        text.font.size = Pt(8.5)
        reference = styles.add_style("Endnote Reference", WD_STYLE_TYPE.CHARACTER)
        reference.font.superscript = True
        reference.font.color.rgb = RGBColor(0x1F, 0x4E, 0x79)
    core = doc.core_properties
    core.title, core.subject = f"Policy brief: {brief.title}", "rolegraph"
    core.keywords = f"{brief.a_slug}; {brief.b_slug}; snapshot {brief.version}"
    footer = section.footer.paragraphs[0]
    footer.style = styles["Footer"]
    footer.add_run(f"rolegraph brief · {brief.a_slug} → {brief.b_slug} · page ")
    page_field(footer)


def page_field(paragraph: Paragraph) -> None:
    """A PAGE field: Word fills in the page number."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def grid(doc: WordDocument, headers: Iterable[str], widths: list[float]) -> Table:
    """A table in a Word table style, its header row bold and repeated on every page."""
    headers = list(headers)
    table: Table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, text, width in zip(table.rows[0].cells, headers, widths, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
        cell.width = Cm(width)
    properties = table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        properties.append(look)
    look.set(qn("w:val"), "0420")  # the style's header row and bands, not a bold first column
    for flag, on in (("firstRow", "1"), ("firstColumn", "0"), ("noVBand", "1"),
                     ("noHBand", "0"), ("lastRow", "0"), ("lastColumn", "0")):
        look.set(qn(f"w:{flag}"), on)
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    for i, width in enumerate(widths):
        table.columns[i].width = Cm(width)
    return table


def new_row(table: Table) -> list[_Cell]:
    """The cells of a new row (python-docx's add_row is not annotated)."""
    cells: list[_Cell] = list(table.add_row().cells)  # type: ignore[no-untyped-call]
    return cells


def small(table: Table, size: float = 8) -> None:
    """The table's text a size smaller than the body's, so the summary keeps to a page."""
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(size)


def noted(paragraph: Paragraph, text: str, notes: Iterable[int]) -> None:
    """Text followed by its endnote numbers, superscript in the Endnote Reference style."""
    paragraph.add_run(text)
    numbers = refs(notes)
    if numbers:
        paragraph.add_run(numbers, style="Endnote Reference")


def refs(notes: Iterable[int]) -> str:
    return ",".join(str(n) for n in notes)


def short(label: str) -> str:
    """A model's label without its parenthesised gloss, for narrow columns."""
    return label.split(" (", 1)[0] if len(label) > 40 else label


def under(model: str, brief: Brief) -> str:
    """Disputes are under the second model unless said otherwise."""
    return "" if model == brief.b else f" (under {short(model)})"


def lost_lines(brief: Brief) -> list[str]:
    lines = [f"{m.function}: nobody holds it under {short(brief.b)} (held by {m.before})"
             for m in brief.lost]
    if brief.roles_removed:
        lines.append(f"Roles that go: {', '.join(brief.roles_removed)}.")
    if brief.roles_added:
        lines.append(f"Roles that arrive: {', '.join(brief.roles_added)}.")
    if brief.basis_lost:
        lines.append(f"{plural(len(brief.basis_lost), 'function is', 'functions are')} still "
                     "held but no longer on a legal basis (marked in Annex A).")
    return lines or ["Nothing: every function held under the first model is held under the "
                     "second, on a legal basis where it had one."]


# --- PDF --------------------------------------------------------------------------------


def brief_html(brief: Brief) -> str:
    env = Environment(loader=PackageLoader("rolegraph", "templates/briefs"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    return env.get_template("brief.html").render(
        brief=brief, lost=lost_lines(brief), under=under, annex=annex_by_function(brief),
        headers={"group": GROUP_HEADERS, "moves": MOVES_HEADERS, "amend": AMEND_HEADERS,
                 "annex": ANNEX_HEADERS}, no_dispute=NO_DISPUTE, no_amendment=NO_AMENDMENT)


def brief_pdf(brief: Brief) -> bytes:
    from weasyprint import HTML  # heavy: imported when a PDF is asked for

    pdf: bytes = HTML(string=brief_html(brief)).write_pdf()
    return pdf
