"""`rolegraph check`: a user's proposed model, checked like the shipped ones, changing nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolegraph.cli.main import main
from rolegraph.graph.snapshot import Snapshot
from rolegraph.graph.sources import shipped_tree

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


def test_typo_in_a_role_slug_names_it_and_the_closest(state: Path, tmp_path: Path) -> None:
    before = data_fingerprint()
    text = (REPO / "examples" / "proposal.yaml").read_text()
    proposal = tmp_path / "typo.yaml"
    proposal.write_text(text.replace("refer-to-cafcass: advocate", "refer-to-cafcass: advocat"))
    line = next(
        i for i, row in enumerate(proposal.read_text().splitlines(), 1) if "advocat\n" in row + "\n"
    )
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
