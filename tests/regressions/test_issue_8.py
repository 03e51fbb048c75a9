"""Issue 8 (reliability and security): what the hostile-input tests got through, each
fixed and kept fixed here."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from rolegraph.graph.proposal import ProposalError, compose, turtle_proposal
from rolegraph.graph.xmlguard import entity_refusal
from rolegraph.query import safety


def test_unknown_custom_function_is_a_400_not_an_engine_failure() -> None:
    # was 503 engine-failure ("internal error: RuntimeError") from the query child
    outcome = safety.evaluate(ox.Store(), None,
                              safety.QueryJob("SELECT (<http://127.0.0.1:9/fn>(1) AS ?x) {}"))
    assert isinstance(outcome, safety.Refusal) and outcome.kind == safety.EVALUATION
    assert "custom function" in outcome.message


def test_non_utf8_proposal_is_a_proposal_error(tmp_path: Path) -> None:
    # was a 500 from POST /validate (UnicodeDecodeError), found by schemathesis
    path = tmp_path / "p.yaml"
    path.write_bytes(b"slug: \xff\xfe\n")
    with pytest.raises(ProposalError, match="not UTF-8"):
        compose(path)


def test_turtle_proposal_model_without_label_is_a_proposal_error(tmp_path: Path) -> None:
    # was a 500 from POST /validate (KeyError in the coverage report)
    path = tmp_path / "p.ttl"
    path.write_text("<https://w3id.org/rolegraph/id/model/x> a "
                    "<https://w3id.org/rolegraph/def#ReformModel> .\n")
    with pytest.raises(ProposalError, match="needs an rdfs:label"):
        turtle_proposal(path)


@pytest.mark.parametrize("body", [
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
        for p, n in zip("abcdefg", "bcdefgh", strict=True)),
    "[" * 5000 + "]" * 5000,
], ids=["alias-bomb", "deep-nesting"])
def test_yaml_bombs_are_proposal_errors(tmp_path: Path, body: str) -> None:
    # were minutes of CPU (aliases) and a RecursionError, i.e. a 500 (nesting)
    path = tmp_path / "p.yaml"
    path.write_text(body)
    with pytest.raises(ProposalError):
        compose(path)


@pytest.mark.parametrize(("text", "refused"), [
    ('<!DOCTYPE r [<!ENTITY a "x"><!ENTITY b "&a;&a;">]>', True),    # nested
    ('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', True),  # external
    ('<!DOCTYPE r [<!ENTITY % p "x">]>', True),                        # parameter
    ('<!DOCTYPE r [<!ENTITY a "' + "x" * 3000 + '">]>', True),         # long value
    ('<!DOCTYPE r [<!ENTITY a "' + "x" * 2000 + '">]>' + "&a;" * 3000, True),  # expansion
    ('<!DOCTYPE r [<!ENTITY owl "http://www.w3.org/2002/07/owl#">]><r a="&owl;x"/>', False),
    ("<r/>", False),
])
def test_rdfxml_entity_screen(text: str, refused: bool) -> None:
    assert (entity_refusal(text.encode()) is not None) == refused


# A chunked body over MAX_CONTENT_LENGTH was cut to the first MiB and read as if whole:
# tests/test_hostile.py::test_chunked_oversized_body_is_413 (needs a real server).
