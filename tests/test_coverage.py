"""Coverage and policy findings come from SHACL and agree with the reference's matrix."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from rolegraph.analysis.coverage import CoverageReport, coverage_report, coverage_shapes, slug
from rolegraph.analysis.questions import Analysis
from rolegraph.graph.sources import shipped_tree
from rolegraph.query.engine import Engine

FIXTURES = Path(__file__).parent / "fixtures"
ID = "https://w3id.org/rolegraph/id/"
EXEMPTING = ["csw-bill-2016", "fostering-stocktake-2018", "adcs-2018"]
REFERENCE_GAPS = {
    "escalate-and-resolve-disputes",
    "refer-to-cafcass",
    "help-child-obtain-legal-advice",
}


@pytest.fixture(scope="module")
def report(analysis: Analysis) -> CoverageReport:
    return analysis.report


def model(name: str) -> str:
    return f"{ID}model/{name}"


def function(name: str) -> str:
    return f"{ID}function/{name}"


def holders(report: CoverageReport, m: str, f: str) -> set[str]:
    return {slug(h.role) for h in report.cell(model(m), function(f)).holders}


def test_current_has_no_violations(report: CoverageReport) -> None:
    assert report.of("Violation", model("current")) == []


@pytest.mark.parametrize("name", EXEMPTING)
def test_exempting_councils_show_the_gaps_the_reference_predicts(
    report: CoverageReport, name: str
) -> None:
    gaps = {slug(f.function) for f in report.of("Violation", model(name))}
    assert gaps == REFERENCE_GAPS
    for finding in report.of("Violation", model(name)):
        assert finding.message.startswith("Under ") and "nobody holds" in finding.message
        assert report.models[model(name)] in finding.message


def test_no_other_model_leaves_a_gap(report: CoverageReport) -> None:
    uncovered = {slug(f.model) for f in report.of("Violation")}
    assert uncovered == set(EXEMPTING)


def test_care_review_contested_reassignments_are_warnings_with_sources(
    report: CoverageReport,
) -> None:
    contested = {
        slug(f.function): f.message
        for f in report.of("Warning", model("care-review-2022"))
        if f.shape == "EveryHolderContested"
    }
    # the reference: Nagalro and Article 39 dispute moving oversight away from the IRO (SEED1);
    # NYAS disputes replacing Regulation 44 visits by advocates
    assert {
        "monitor-la-performance",
        "escalate-and-resolve-disputes",
        "prevent-drift",
        "quality-assure-care-planning",
        "visit-childrens-home-monthly-and-report",
    } <= set(contested)
    assert "Nagalro" in contested["prevent-drift"] and "sources:" in contested["prevent-drift"]
    assert "NYAS" in contested["visit-childrens-home-monthly-and-report"]


@pytest.mark.parametrize(
    ("m", "f", "expected"),
    [
        ("current", "refer-to-cafcass", {"iro"}),
        ("current", "visit-childrens-home-monthly-and-report", {"reg44-visitor"}),
        ("current", "represent-child-in-care-proceedings", {"cafcass-guardian", "childs-solicitor"}),
        ("current", "statutory-visits-to-child", {"social-worker"}),
        ("csw-bill-2016", "chair-review-meeting", {"team-manager"}),
        ("fostering-stocktake-2018", "ensure-wishes-feelings-considered", {"social-worker"}),
        ("adcs-2018", "speak-to-child-before-review", {"social-worker"}),
        ("government-response-2018", "monitor-la-performance", {"iro"}),
        ("care-review-2022", "escalate-and-resolve-disputes", {"advocate", "team-manager"}),
        ("care-review-2022", "chair-review-meeting", {"team-manager"}),
        ("care-review-2022", "arrange-advocacy-services", {"childrens-commissioner"}),
        ("care-review-2022", "visit-childrens-home-monthly-and-report", {"advocate"}),
        ("nagalro-2022", "prevent-drift", {"iro"}),
        ("government-response-2023", "visit-childrens-home-monthly-and-report", {"reg44-visitor"}),
    ],
)
def test_holders_agree_with_the_reference_matrix(
    report: CoverageReport, m: str, f: str, expected: set[str]
) -> None:
    assert holders(report, m, f) == expected


def test_retired_functions_are_not_gaps(report: CoverageReport) -> None:
    cell = report.cell(model("care-review-2022"), function("appoint-iro"))
    assert cell.retired and cell.findings == [] and cell.text() == "retired"


# --- one fixture per severity --------------------------------------------------------------


def fixture_report(*extra: str) -> CoverageReport:
    graph = Graph().parse(FIXTURES / "coverage-base.ttl")
    for name in extra:
        graph.parse(FIXTURES / name)
    return coverage_report(graph, coverage_shapes(shipped_tree()))


def test_base_fixture_is_clean() -> None:
    assert fixture_report().findings == []


@pytest.mark.parametrize(
    ("fixture", "severity", "check"),
    [
        ("severity-violation.ttl", "Violation", "FunctionWithoutHolder"),
        ("severity-outside.ttl", "Violation", "HolderOutsideModel"),
        ("severity-warning.ttl", "Warning", "EveryHolderContested"),
        ("severity-independence.ttl", "Warning", "IndependenceLost"),
        ("severity-info.ttl", "Info", "Overlap"),
    ],
)
def test_each_fixture_triggers_exactly_its_severity(
    fixture: str, severity: str, check: str
) -> None:
    findings = fixture_report(fixture).findings
    assert [(f.severity, f.shape) for f in findings] == [(severity, check)]


def test_outside_holder_names_the_role() -> None:
    [finding] = fixture_report("severity-outside.ttl").findings
    assert finding.role == f"{ID}role/stranger" and "the stranger" in finding.message


def test_removing_one_assignment_gives_exactly_one_violation(analysis: Analysis) -> None:
    graph = Graph()
    graph += analysis.graph
    graph.remove(
        (URIRef(f"{ID}assignment/current--social-worker--statutory-visits-to-child"), None, None)
    )
    report = coverage_report(graph, analysis.shapes)
    [violation] = report.of("Violation", model("current"))
    assert violation.function == function("statutory-visits-to-child")
    assert (
        "nobody holds 'visit the child at set intervals" in violation.message
        or report.functions[function("statutory-visits-to-child")] in violation.message
    )


# --- diff ----------------------------------------------------------------------------------


def test_diff_current_to_care_review(analysis: Analysis, report: CoverageReport) -> None:
    diff = analysis.diff("current", "care-review-2022")
    moved = {slug(c.function): c for c in diff.changes}
    away = {
        f
        for m in ("current",)
        for f in report.functions
        if holders(report, m, slug(f)) & {"iro", "reg44-visitor"}
    }
    assert {slug(f) for f in away} <= set(moved)
    for name in (slug(f) for f in away):
        change = moved[name]
        assert change.retired_after or change.after, f"{name} goes nowhere"
    assert {slug(h.role) for h in moved["refer-to-cafcass"].after} == {"advocate"}
    assert {slug(r) for r in diff.roles_removed} == {"iro", "reg44-visitor"}
    amended = {a.provision for a in diff.amendments}
    ca = "http://www.legislation.gov.uk/id/ukpga/1989/41/section/"
    assert {ca + "25A", ca + "25B", ca + "25C"} <= amended
    assert "http://www.legislation.gov.uk/id/uksi/2015/541/regulation/44" in amended


def test_diff_of_a_model_with_itself_is_empty(analysis: Analysis) -> None:
    diff = analysis.diff("current", "government-response-2018")
    assert diff.changes == [] and diff.roles_added == [] and diff.amendments == []



def test_gallery_gap_query_agrees_with_the_shacl_violations(
    engine: Engine, report: CoverageReport
) -> None:
    query = resources.files("rolegraph").joinpath("queries/coverage-gaps.rq").read_text()
    rows = engine.select(query)
    gaps = {(r["model"], r["function"]) for r in rows}
    violations = {
        (f.model, f.function) for f in report.of("Violation") if f.shape == "FunctionWithoutHolder"
    }
    assert gaps == violations and gaps  # the reform models leave some functions unheld
