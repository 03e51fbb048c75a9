"""`rolegraph check`: a user's proposed model, checked like the shipped ones, changing nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from rdflib import URIRef

from rolegraph.analysis.coverage import CoverageReport, slug
from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.graph.proposal import ProposalError
from rolegraph.graph.snapshot import Snapshot
from rolegraph.graph.sources import shipped_tree
from rolegraph.vocab import RG

REPO = Path(__file__).resolve().parents[1]


def data_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((shipped_tree().root / "data").rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def check(state: Path, path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(path), "--state-dir", str(state), *args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def state(snapshot: Snapshot, state_dir: Path) -> Path:
    return state_dir


def test_example_proposal_is_checked_like_a_shipped_model(state: Path) -> None:
    code, output = check(state, REPO / "examples" / "proposal.yaml", "--format", "json")
    assert code == 0, output
    report = json.loads(output[output.index("{") :])
    assert [m["slug"] for m in report["models"]] == ["council-advocate-pilot"]
    cells = {c["function"]: c for c in report["cells"]}
    assert [h["role"] for h in cells["refer-to-cafcass"]["holders"]] == ["advocate"]
    assert cells["appoint-iro"]["retired"]
    # inherited from `current` with its basis
    assert cells["visit-childrens-home-monthly-and-report"]["holders"][0]["basis"]


def test_cli_validate_checks_a_proposal_as_check_does(state: Path) -> None:
    """DESIGN's CLI has `validate`; given a proposal it answers as `check` (and /validate)."""
    proposal = REPO / "examples" / "proposal.yaml"
    code, checked = check(state, proposal)
    validated = CliRunner().invoke(main, ["validate", str(proposal), "--state-dir", str(state)])
    assert validated.exit_code == code == 0
    assert "council-advocate-pilot" in validated.output or "Council pilot" in validated.output
    assert validated.output.splitlines()[-5:] == checked.splitlines()[-5:]


def test_typo_in_a_role_slug_names_it_and_the_closest(state: Path, tmp_path: Path) -> None:
    before = data_fingerprint()
    text = (REPO / "examples" / "proposal.yaml").read_text()
    proposal = tmp_path / "typo.yaml"
    proposal.write_text(text.replace("help-child-obtain-legal-advice: {role: advocate",
                                     "help-child-obtain-legal-advice: {role: advocat"))
    line = next(i for i, row in enumerate(proposal.read_text().splitlines(), 1)
                if "role: advocat," in row)
    code, output = check(state, proposal)
    assert code != 0
    assert f"{proposal}:{line}: unknown role slug 'advocat'" in output
    assert "closest known: advocate" in output
    assert data_fingerprint() == before


def test_missing_function_without_base_is_refused(state: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "short.json"
    proposal.write_text(
        json.dumps(
            {
                "slug": "short",
                "label": "Short",
                "roles": ["social-worker"],
                "assignments": {"statutory-visits-to-child": "social-worker"},
            }
        )
    )
    code, output = check(state, proposal)
    assert code != 0 and "functions not assigned" in output and "refer-to-cafcass" in output


def test_malformed_yaml_gives_the_line(state: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "bad.yaml"
    proposal.write_text("slug: bad\nlabel: Bad\nassignments:\n  refer-to-cafcass: [advocate\n")
    code, output = check(state, proposal)
    assert code != 0 and f"{proposal}:" in output and "not valid YAML/JSON" in output


def test_unknown_key_and_shipped_slug_are_refused(state: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "keys.yaml"
    proposal.write_text(
        "slug: current\nlabel: X\nbased_on: current\nrole: [iro]\nassignments: {}\n"
    )
    code, output = check(state, proposal)
    assert code != 0
    assert f"{proposal}:1: slug 'current' is a shipped model" in output
    assert f"{proposal}:4: unknown key 'role'" in output


def test_gap_in_a_proposal_exits_1_with_the_violation(state: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "gap.yaml"
    proposal.write_text(
        "slug: gap\nlabel: Gap\nbased_on: current\nroles: {remove: [iro]}\n"
        "retires: [appoint-iro]\nassignments: {}\n"
    )
    code, output = check(state, proposal)
    assert code == 1
    assert "Under Gap nobody holds 'refer the case to Cafcass'" in output


def test_turtle_proposal(state: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "p.ttl"
    proposal.write_text("""
@prefix rg: <https://w3id.org/rolegraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/rolegraph/id/model/tiny> a rg:ReformModel ; rdfs:label "Tiny"@en ;
    rg:includesRole <https://w3id.org/rolegraph/id/role/social-worker> .
""")
    code, output = check(state, proposal, "--format", "csv")
    assert code == 1 and "Under Tiny nobody holds" in output


def many_models(count: int) -> str:
    return "@prefix rg: <https://w3id.org/rolegraph/def#> .\n" + "".join(
        f'<https://w3id.org/rolegraph/id/model/m{n}> a rg:ReformModel ; '
        f'<http://www.w3.org/2000/01/rdf-schema#label> "M{n}"@en .\n'
        for n in range(count)
    )


def test_a_turtle_proposal_checks_at_most_twenty_models(state: Path, tmp_path: Path) -> None:
    """The cap that bounds the time of a check on the service (SECURITY.md)."""
    at_cap, over = tmp_path / "twenty.ttl", tmp_path / "twenty-one.ttl"
    at_cap.write_text(many_models(20))
    over.write_text(many_models(21))
    code, output = check(state, at_cap, "--format", "csv")
    assert code == 1 and "Under M19 nobody holds" in output
    code, output = check(state, over)
    assert code == 1 and "21 models in one proposal; at most 20" in output


# --- issue 17: a proposal like any model; basis per assignment; one finding per problem ------


def test_the_example_flags_the_advocates_cafcass_referral_without_basis(
        analysis: Analysis) -> None:
    report = analysis.check(REPO / "examples" / "proposal.yaml")
    model = next(iter(report.models))
    flagged = {f.function for f in report.of("Warning", model) if f.shape == "WithoutBasis"}
    assert "https://w3id.org/rolegraph/id/function/refer-to-cafcass" in flagged
    for f in flagged:  # exactly the holdings it writes with no basis, none it keeps
        holders = report.cell(model, f).holders
        assert any(not h.bases for h in holders)
    kept = "https://w3id.org/rolegraph/id/function/visit-childrens-home-monthly-and-report"
    assert kept not in flagged and report.cell(model, kept).holders[0].bases
    assert not report.of("Violation")


def test_a_removed_role_never_holds_and_each_gap_counts_once(analysis: Analysis,
                                                             tmp_path: Path) -> None:
    proposal = tmp_path / "gap.yaml"
    proposal.write_text("slug: gap\nlabel: Gap\nbased_on: current\nroles: {remove: [iro]}\n"
                        "retires: [appoint-iro]\nassignments: {}\n")
    report = analysis.check(proposal)
    model = next(iter(report.models))
    iro = "https://w3id.org/rolegraph/id/role/iro"
    assert all(h.role != iro for c in report.cells.values() for h in c.holders)
    current = analysis.report
    only_iro = {f for f in current.functions
                if [h.role for h in current.cell(current_iri(current), f).holders] == [iro]
                and f != "https://w3id.org/rolegraph/id/function/appoint-iro"}
    violations = report.of("Violation", model)
    assert sorted(v.function for v in violations) == sorted(only_iro)  # one each


def current_iri(report: CoverageReport) -> str:
    return next(m for m in report.models if m.endswith("/current"))


def test_assigning_a_removed_role_is_refused_with_its_line(state: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "back.yaml"
    proposal.write_text("slug: back\nlabel: Back\nbased_on: current\nroles: {remove: [iro]}\n"
                        "assignments:\n  refer-to-cafcass: iro\n")
    code, output = check(state, proposal)
    assert code != 0 and f"{proposal}:6: 'iro' at assignments.refer-to-cafcass is a role" in output


def test_names_are_suggested_whatever_their_case(state: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "case.yaml"
    proposal.write_text("slug: case\nlabel: Case\nbased_on: current\n"
                        "assignments:\n  refer-to-cafcass: IRO\n  chair-review-meeting:\n"
                        "    role: Team-Manager\n    basis: ca 1989 S.25b\n")
    code, output = check(state, proposal)
    assert code != 0
    assert "unknown role slug 'IRO'" in output and "closest known: iro" in output
    assert "closest known: team-manager" in output
    assert "unknown provision" not in output  # a provision's label matches in any case


def test_basis_by_label_and_an_unknown_basis(analysis: Analysis, tmp_path: Path) -> None:
    proposal = tmp_path / "basis.yaml"
    proposal.write_text("slug: basis\nlabel: Basis\nbased_on: current\nassignments:\n"
                        "  refer-to-cafcass: {role: iro, basis: CA 1989 s.25B, quote: words}\n")
    report = analysis.check(proposal)
    model = next(iter(report.models))
    cell = report.cell(model, "https://w3id.org/rolegraph/id/function/refer-to-cafcass")
    assert cell.holders[0].bases == (
        "http://www.legislation.gov.uk/id/ukpga/1989/41/section/25B",)
    assert not [f for f in cell.findings if f.shape == "WithoutBasis"]
    proposal.write_text(proposal.read_text().replace("CA 1989 s.25B", "CA 1989 s.99Z"))
    with pytest.raises(ProposalError, match=re.escape("unknown provision 'CA 1989 s.99Z'")):
        analysis.check(proposal)


def test_diff_takes_a_proposal_file(state: Path) -> None:
    example = REPO / "examples" / "proposal.yaml"
    result = CliRunner().invoke(main, ["diff", "current", str(example), "--format", "json",
                                       "--state-dir", str(state)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["b"] == "council-advocate-pilot" and doc["roles_removed"] == ["iro"]
    change = next(c for c in doc["changes"] if c["function"] == "refer-to-cafcass")
    assert [h["role"] for h in change["to"]] == ["advocate"]
    assert "refer-to-cafcass" in doc["functions_losing_legal_basis"]


def test_a_turtle_file_of_several_models_needs_one_named(state: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "two.ttl"
    proposal.write_text(many_models(2))
    result = CliRunner().invoke(main, ["diff", "current", str(proposal),
                                       "--state-dir", str(state)])
    assert result.exit_code == 2 and f"{proposal}#m0" in result.output
    result = CliRunner().invoke(main, ["diff", "current", f"{proposal}#m1", "--format", "json",
                                       "--state-dir", str(state)])
    assert result.exit_code == 0 and json.loads(result.stdout)["b"] == "m1"


def test_validate_has_a_paste_box_a_template_and_a_comparison(site_client: FlaskClient,
                                                               analysis: Analysis) -> None:
    page = site_client.get("/validate").text
    assert 'textarea id="text" name="text"' in page and "/validate/template.yaml" in page
    template = site_client.get("/validate/template.yaml")
    assert template.status_code == 200 and "attachment" in template.headers["Content-Disposition"]
    answer = site_client.post("/validate", data={"text": template.text},
                              headers={"Accept": "text/html"}, content_type="multipart/form-data")
    assert answer.status_code == 200 and "Every function has a holder." in answer.text
    example = (REPO / "examples" / "proposal.yaml").read_text()
    compared = site_client.post("/validate/compare", data={"text": example, "against": "current"},
                                headers={"Accept": "application/json"},
                                content_type="multipart/form-data")
    view, names = analysis.naming(["current", str(REPO / "examples" / "proposal.yaml")])
    diff = view.diff(*names)
    assert compared.status_code == 200
    assert [c["function"] for c in compared.json["changes"]] == [
        slug(c.function) for c in diff.changes]
    page = site_client.post("/validate/compare", data={"text": example},
                            headers={"Accept": "text/html"}, content_type="multipart/form-data")
    assert "Compared with current" in page.text and "Provisions that would need amending" in page.text
    rows = list(csv.DictReader(io.StringIO(site_client.post(
        "/validate/results.csv", data={"text": example},
        content_type="multipart/form-data").text)))
    assert len(rows) == len(analysis.report.functions)
    bad = site_client.post("/validate/compare", data={"text": example, "against": "wizard"})
    assert bad.status_code == 404 and bad.mimetype == "application/problem+json"
    empty = site_client.post("/validate", data={"text": "  "}, content_type="multipart/form-data")
    assert empty.status_code == 400 and empty.mimetype == "application/problem+json"


def test_a_proposal_is_drawn_like_any_model(runner: CliRunner, state_dir: Path,
                                            snapshot: object) -> None:
    from rolegraph.cli.main import main

    proposal = Path(__file__).resolve().parents[1] / "examples" / "proposal.yaml"
    drawn = runner.invoke(main, ["diagram", "--model", "current", "--compare", str(proposal),
                                 "--format", "dot", "--state-dir", str(state_dir)])
    assert drawn.exit_code == 0, drawn.output
    assert drawn.stdout.startswith("digraph")


# --- statuses: DESIGN's vocabulary, but "in force" is the law's own ---------------------------

EXAMPLE = (REPO / "examples" / "proposal.yaml").read_text()


@pytest.mark.parametrize("status", ["proposed", "enacted", "government policy", "rejected",
                                    "withdrawn", "partly adopted"])
def test_a_proposal_takes_any_status_but_in_force(site_client: FlaskClient, analysis: Analysis,
                                                  tmp_path: Path, status: str) -> None:
    text = re.sub(r"(?m)^status: .*$", f"status: {status}", EXAMPLE)
    answer = site_client.post("/api/validate", data=text, content_type="application/yaml")
    assert answer.status_code == 200, answer.data[:300]
    proposal = tmp_path / "p.yaml"
    proposal.write_text(text)
    view, models = analysis.proposing(proposal)
    assert [str(s) for s in view.graph.objects(URIRef(models[0]), RG.status)] == [status]


def test_a_proposal_is_never_in_force(site_client: FlaskClient) -> None:
    """"in force" is for the law's own models (model current, the statutory system): a
    proposal saying so is refused, with why and the line (it was accepted)."""
    text = re.sub(r"(?m)^status: .*$", "status: in force", EXAMPLE)
    line = text.splitlines().index("status: in force") + 1
    answer = site_client.post("/api/validate", data=text, content_type="application/yaml")
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    problem = json.loads(answer.data)
    assert "only the law's own models are in force" in problem["detail"]
    assert [e["line"] for e in problem["errors"]] == [line]
    turtle = ("@prefix rg: <https://w3id.org/rolegraph/def#> .\n"
              "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
              "<https://w3id.org/rolegraph/id/model/tiny> a rg:ReformModel ; "
              'rdfs:label "Tiny"@en ; rg:status "in force" .\n')
    answer = site_client.post("/api/validate", data=turtle, content_type="text/turtle")
    assert answer.status_code == 422
    assert "only the law's own models are in force" in json.loads(answer.data)["detail"]
    for bad in ("law", "adopted", "[proposed]"):
        refused = site_client.post("/api/validate", data=re.sub(
            r"(?m)^status: .*$", f"status: {bad}", EXAMPLE), content_type="application/yaml")
        assert refused.status_code == 422
        assert "'status' must be one of: proposed, enacted" in json.loads(refused.data)["detail"]


def test_the_template_and_docs_offer_the_statuses_a_proposal_may_take(
        site_client: FlaskClient) -> None:
    template = site_client.get("/validate/template.yaml").text
    docs = (REPO / "docs" / "proposals.md").read_text()
    row = next(r for r in docs.splitlines() if r.startswith("| `status` |"))
    for status in ("proposed", "enacted", "government policy", "rejected", "withdrawn",
                   "partly adopted"):
        assert status in template and f"`{status}`" in row
    assert "not `in force`" in row and 'not "in force"' in template
