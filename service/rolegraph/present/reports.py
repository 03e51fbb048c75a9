"""Coverage reports and model diffs as text tables, Markdown, CSV and JSON (and XLSX through
present/spreadsheet.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from rolegraph.analysis.coverage import LEGEND, CoverageReport, Holder, slug
from rolegraph.analysis.diff import ModelDiff
from rolegraph.present.tables import render

COVERAGE_FORMATS = ("table", "csv", "json", "xlsx", "md")
DIFF_FORMATS = ("table", "md", "csv", "json", "xlsx")


# --- coverage ---------------------------------------------------------------------------


def coverage_rows(report: CoverageReport) -> tuple[list[str], list[list[str]]]:
    headers = ["function", *(slug(m) for m in report.models)]
    rows = [[slug(f), *(report.cell(m, f).text() for m in report.models)] for f in report.functions]
    return headers, rows


def findings_text(report: CoverageReport) -> list[str]:
    return [
        f"[{f.severity}] {f.message}"
        for f in sorted(
            report.findings,
            key=lambda f: (
                ("Violation", "Warning", "Info").index(f.severity),
                list(report.models).index(f.model),
                f.function,
            ),
        )
    ]


def coverage_table(report: CoverageReport) -> str:
    headers, rows = coverage_rows(report)
    counts = ", ".join(
        f"{len(report.of(s))} {s.lower()}(s)" for s in ("Violation", "Warning", "Info")
    )
    return "\n".join(
        [
            render(headers, rows),
            "",
            "Legend:",
            *(f"  {line}" for line in LEGEND),
            "",
            f"Findings ({counts}):",
            *(f"  {line}" for line in findings_text(report)),
        ]
    )


def coverage_markdown(report: CoverageReport) -> str:
    headers, rows = coverage_rows(report)
    lines = [
        markdown_table(headers, rows),
        "",
        "**Legend:** " + "; ".join(LEGEND),
        "",
        "**Findings**",
        "",
    ]
    return "\n".join(lines + [f"- {line}" for line in findings_text(report)]) + "\n"


def coverage_records(report: CoverageReport) -> list[dict[str, Any]]:
    """One record per cell: the long form that CSV and JSON share."""
    return [
        {
            "model": slug(m),
            "function": slug(f),
            "function_label": report.functions[f],
            "retired": cell.retired,
            "holders": [holder_record(h, report) for h in cell.holders],
            "severity": cell.severity,
            "findings": [
                {
                    "severity": x.severity,
                    "message": x.message,
                    "check": x.shape,
                    **({"role": slug(x.role)} if x.role else {}),
                }
                for x in cell.findings
            ],
        }
        for (m, f), cell in sorted(
            report.cells.items(),
            key=lambda kv: (
                list(report.models).index(kv[0][0]),
                list(report.functions).index(kv[0][1]),
            ),
        )
    ]


def holder_record(holder: Holder, report: CoverageReport) -> dict[str, Any]:
    return {
        "role": slug(holder.role),
        "role_label": report.label(holder.role),
        "confidence": holder.confidence,
        "basis": [report.label(b) for b in holder.bases],
        "basis_iris": list(holder.bases),
        "sources": [report.label(s) for s in holder.sources],
    }


def coverage_csv(report: CoverageReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["model", "function", "holders", "confidence", "basis", "sources", "severity", "findings"]
    )
    for r in coverage_records(report):
        writer.writerow(
            [
                r["model"],
                r["function"],
                "retired" if r["retired"] else " + ".join(h["role"] for h in r["holders"]),
                " + ".join(h["confidence"] for h in r["holders"]),
                "; ".join(b for h in r["holders"] for b in h["basis"]),
                "; ".join(s for h in r["holders"] for s in h["sources"]),
                r["severity"] or "",
                " | ".join(x["message"] for x in r["findings"]),
            ]
        )
    return out.getvalue()


def coverage_json(report: CoverageReport, version: str) -> str:
    return (
        json.dumps(
            {
                "snapshot": version,
                "models": [
                    {"slug": slug(m), "iri": m, "label": label}
                    for m, label in report.models.items()
                ],
                "functions": [
                    {"slug": slug(f), "iri": f, "label": label}
                    for f, label in report.functions.items()
                ],
                "counts": {s.lower(): len(report.of(s)) for s in ("Violation", "Warning", "Info")},
                "cells": coverage_records(report),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def coverage_xlsx(report: CoverageReport, version: str) -> bytes:
    """The matrix, its cells and a lookup of names as a workbook (present/spreadsheet.py)."""
    from rolegraph.present.spreadsheet import coverage_xlsx as workbook

    return workbook(report, version)


def diff_xlsx(diff: ModelDiff, report: CoverageReport, version: str) -> bytes:
    from rolegraph.present.spreadsheet import diff_xlsx as workbook

    return workbook(diff, report, version)


# --- diffs ------------------------------------------------------------------------------


def holders_text(holders: Sequence[Holder], retired: bool, report: CoverageReport,
                 not_recorded: bool = False) -> str:
    if retired:
        return "retired"
    if not_recorded:
        return "not recorded yet"
    if not holders:
        return "nobody"
    return " + ".join(
        f"{report.label(h.role)} ({h.confidence}; {citation(h, report)})" for h in holders
    )


def citation(holder: Holder, report: CoverageReport) -> str:
    """The legal basis, or failing that the sources, of one holder's assignment."""
    cited = holder.bases or holder.sources
    return ", ".join(report.label(c) for c in cited) or "nothing cited"


def diff_records(diff: ModelDiff, report: CoverageReport) -> dict[str, Any]:
    return {
        "a": slug(diff.a),
        "b": slug(diff.b),
        "roles_added": [slug(r) for r in diff.roles_added],
        "roles_removed": [slug(r) for r in diff.roles_removed],
        "changes": [
            {
                "function": slug(c.function),
                "function_label": report.functions[c.function],
                "change": c.kind,
                "from": [holder_record(h, report) for h in c.before],
                "from_retired": c.retired_before,
                "to": [holder_record(h, report) for h in c.after],
                "to_retired": c.retired_after,
            }
            for c in diff.changes
        ],
        "functions_losing_legal_basis": [slug(f) for f in diff.basis_lost],
        "provisions_to_amend": [
            {
                "provision": a.provision,
                "label": report.label(a.provision),
                "instrument": a.instrument,
                "instrument_label": report.label(a.instrument),
                "functions": [slug(f) for f in a.functions],
                "why": list(a.reasons),
            }
            for a in diff.amendments
        ],
    }


def diff_sections(
    diff: ModelDiff, report: CoverageReport
) -> list[tuple[str, list[str], list[list[str]]]]:
    a, b = report.models[diff.a], report.models[diff.b]
    return [
        (
            f"Functions whose holders change ({len(diff.changes)})",
            ["function", "change", a, b],
            [
                [
                    report.functions[c.function],
                    c.kind,
                    holders_text(c.before, c.retired_before, report, c.unrecorded_before),
                    holders_text(c.after, c.retired_after, report),
                ]
                for c in diff.changes
            ],
        ),
        (
            "Roles",
            ["role", "change"],
            [[report.label(r), "added"] for r in diff.roles_added]
            + [[report.label(r), "removed"] for r in diff.roles_removed],
        ),
        (
            f"Functions that lose their legal basis ({len(diff.basis_lost)})",
            ["function"],
            [[report.functions[f]] for f in diff.basis_lost],
        ),
        (
            f"Provisions that would need amending ({len(diff.amendments)})",
            ["Act or SI", "provision", "functions", "why"],
            [
                [
                    report.label(x.instrument),
                    report.label(x.provision),
                    ", ".join(report.label(f) for f in x.functions),
                    "; ".join(x.reasons),
                ]
                for x in diff.amendments
            ],
        ),
    ]


def diff_table(diff: ModelDiff, report: CoverageReport) -> str:
    parts = [f"{report.models[diff.a]}  ->  {report.models[diff.b]}"]
    for title, headers, rows in diff_sections(diff, report):
        parts += ["", title, render(headers, rows) if rows else "  (none)"]
    return "\n".join(parts)


def diff_markdown(diff: ModelDiff, report: CoverageReport) -> str:
    parts = [f"# {report.models[diff.a]} → {report.models[diff.b]}"]
    for title, headers, rows in diff_sections(diff, report):
        parts += ["", f"## {title}", "", markdown_table(headers, rows) if rows else "(none)"]
    return "\n".join(parts) + "\n"


def diff_csv(diff: ModelDiff, report: CoverageReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "item", "change", "from", "to"])
    for c in diff.changes:
        writer.writerow(
            [
                "function",
                slug(c.function),
                c.kind,
                holders_text(c.before, c.retired_before, report, c.unrecorded_before),
                holders_text(c.after, c.retired_after, report),
            ]
        )
    for r in diff.roles_added:
        writer.writerow(["role", slug(r), "added", "", ""])
    for r in diff.roles_removed:
        writer.writerow(["role", slug(r), "removed", "", ""])
    for f in diff.basis_lost:
        writer.writerow(["legal-basis-lost", slug(f), "", "", ""])
    for x in diff.amendments:
        writer.writerow(["provision-to-amend", x.provision, "; ".join(x.reasons), "", ""])
    return out.getvalue()


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(esc(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    return "\n".join(lines + ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows])
