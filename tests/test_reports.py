"""`rolegraph coverage` and `rolegraph diff` in every format, read back by a real parser."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.graph.snapshot import Snapshot


@pytest.fixture(scope="module")
def state(snapshot: Snapshot, state_dir: Path) -> Path:
    return state_dir


def run(state: Path, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--state-dir", str(state)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_table_has_matrix_legend_and_findings(state: Path) -> None:
    out = run(state, "coverage")
    assert out.splitlines()[0].split()[:3] == ["function", "current", "csw-bill-2016"]
    assert "Legend:" in out and "Findings (9 violation(s)" in out


def test_model_filter_and_unknown_model(runner: CliRunner, state: Path) -> None:
    out = run(state, "coverage", "--model", "care-review-2022")
    assert "care-review-2022" in out.splitlines()[0] and "current" not in out.splitlines()[0]
    result = runner.invoke(main, ["coverage", "--model", "nope", "--state-dir", str(state)])
    assert result.exit_code == 2 and "unknown model 'nope'" in result.output


def test_csv_has_a_row_per_cell(state: Path, analysis: Analysis) -> None:
    rows = list(csv.DictReader(io.StringIO(run(state, "coverage", "--format", "csv"))))
    assert len(rows) == len(analysis.report.models) * len(analysis.report.functions)
    cell = next(
        r for r in rows if r["model"] == "adcs-2018" and r["function"] == "refer-to-cafcass"
    )
    assert cell["holders"] == "" and cell["severity"] == "Violation"


def test_json_counts_and_cells(state: Path, analysis: Analysis) -> None:
    doc = json.loads(run(state, "coverage", "--format", "json"))
    cells = len(analysis.report.models) * len(analysis.report.functions)
    assert doc["counts"]["violation"] == len(analysis.report.of("Violation"))
    assert len(doc["cells"]) == cells


def test_markdown_is_a_table(state: Path) -> None:
    out = run(state, "coverage", "--format", "md", "--model", "current")
    assert out.startswith("| function | current |\n|---|---|")


def test_xlsx_has_cover_matrix_and_frozen_headers(state: Path, tmp_path: Path) -> None:
    path = tmp_path / "coverage.xlsx"
    run(state, "coverage", "--format", "xlsx", "-o", str(path))
    book = load_workbook(path)
    assert book.sheetnames == ["About", "Matrix", "Cells", "Names"]
    about = [row[1] for row in book["About"].iter_rows(values_only=True) if row[0] == "Snapshot"]
    assert about and len(str(about[0])) == 20
    assert book["Matrix"].freeze_panes == "B2" and book["Matrix"]["A1"].value == "function"


def test_xlsx_needs_an_output_file(runner: CliRunner, state: Path) -> None:
    result = runner.invoke(main, ["coverage", "--format", "xlsx", "--state-dir", str(state)])
    assert result.exit_code == 2 and "need -o FILE" in result.output


@pytest.mark.parametrize("fmt", ["table", "md", "csv", "json"])
def test_diff_formats(state: Path, fmt: str) -> None:
    out = run(state, "diff", "current", "care-review-2022", "--format", fmt)
    if fmt == "json":
        doc = json.loads(out)
        assert {"iro", "reg44-visitor"} == set(doc["roles_removed"])
        assert any(p["label"] == "CA 1989 s.25B" for p in doc["provisions_to_amend"])
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert {"function", "role", "legal-basis-lost", "provision-to-amend"} <= {
            r["section"] for r in rows
        }
    else:
        assert "CA 1989 s.25C" in out and "SI 2015/541 reg 44" in out
        amend = out.split("Provisions that would need amending")[1]
        assert "CSWA 2017 s.1" not in amend  # the corporate parent keeps its own duties
