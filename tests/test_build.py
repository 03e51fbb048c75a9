"""The build: each failure class is reported where the author can act on it, and leaves
the last good snapshot in place; unchanged inputs reuse the snapshot."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolegraph.cli.main import main
from rolegraph.graph.build import BuildError, build
from rolegraph.graph.snapshot import SnapshotStore


def build_cli(source: Path, state: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", "--source", str(source), "--state-dir", str(state)])
    return result.exit_code, result.output


@pytest.fixture
def built_tree(tree_copy: Callable[[], Path], tmp_path: Path) -> tuple[Path, Path, str]:
    """A copy of the tree with one good snapshot already built: (tree, state, snapshot id)."""
    tree, state = tree_copy(), tmp_path / "state"
    good = build(tree, state).snapshot
    return tree, state, good.id


def assert_last_good_kept(tree: Path, state: Path, good_id: str) -> None:
    current = SnapshotStore(state).current(tree.resolve())
    assert current is not None and current.id == good_id
    assert (current.path / "asserted.nt").stat().st_size > 0


def test_unchanged_inputs_reuse_the_snapshot(built_tree: tuple[Path, Path, str]) -> None:
    tree, state, good_id = built_tree
    again = build(tree, state)
    assert again.reused and again.snapshot.id == good_id


def test_changed_input_makes_a_new_snapshot(built_tree: tuple[Path, Path, str]) -> None:
    tree, state, good_id = built_tree
    with (tree / "data" / "settings.ttl").open("a") as handle:
        handle.write("\n# a comment changes the bytes, so the hash\n")
    rebuilt = build(tree, state)
    assert not rebuilt.reused and rebuilt.snapshot.id != good_id


def test_syntax_error_names_file_and_line(built_tree: tuple[Path, Path, str]) -> None:
    tree, state, good_id = built_tree
    roles = tree / "data" / "roles.ttl"
    lines = roles.read_text().splitlines()
    lines.append('role:broken rdfs:label "no closing quote ;')
    roles.write_text("\n".join(lines) + "\n")
    code, output = build_cli(tree, state)
    assert code != 0
    assert f"data/roles.ttl:{len(lines)}: Turtle syntax error" in output
    assert_last_good_kept(tree, state, good_id)


def test_integrity_violation_names_focus_node_and_file(built_tree: tuple[Path, Path, str]) -> None:
    tree, state, good_id = built_tree
    functions = tree / "data" / "functions.ttl"
    text = functions.read_text()
    # drop the definition of one function: the integrity shape must catch it
    block = re.search(r"function:refer-to-cafcass a rg:Function ;.*?\n\n", text, re.S)
    assert block, "fixture expects the refer-to-cafcass block in data/functions.ttl"
    stripped = re.sub(r'\n\s*skos:definition\s+".*?"@en\s*;', "", block.group(0), flags=re.S)
    functions.write_text(text.replace(block.group(0), stripped))
    code, output = build_cli(tree, state)
    assert code != 0
    assert "integrity check failed" in output
    assert "data/functions.ttl: <https://w3id.org/rolegraph/id/function/refer-to-cafcass>" in output
    assert "skos:definition" in output
    assert_last_good_kept(tree, state, good_id)


def test_a_provision_is_not_in_force_before_what_inserted_it(
        built_tree: tuple[Path, Path, str]) -> None:
    """CA 1989 s.23CZB has no in-force date of its own; the section that inserted it (CSWA
    2017 s.3) came into force on 1 April 2018, so a 2016 model cannot rest on it."""
    tree, state, _ = built_tree
    (tree / "data" / "models" / "zz-early.ttl").write_text("""
@prefix rg: <https://w3id.org/rolegraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/rolegraph/id/assignment/csw-bill-2016--personal-adviser--too-early> a rg:Assignment ;
    rdfs:label "cites a section inserted later"@en ;
    rg:model <https://w3id.org/rolegraph/id/model/csw-bill-2016> ;
    rg:role <https://w3id.org/rolegraph/id/role/personal-adviser> ;
    rg:function <https://w3id.org/rolegraph/id/function/leaving-care-support> ;
    rg:basis <http://www.legislation.gov.uk/id/ukpga/1989/41/section/23CZB> ;
    rg:confidence "inferred" .
""")
    with pytest.raises(BuildError, match=r"23CZB, which was not in force on its model's date "
                                         r"2016 \(in force only from 2018-04-01\)"):
        build(tree, state)


def test_a_role_has_one_short_label(built_tree: tuple[Path, Path, str]) -> None:
    tree, state, _ = built_tree
    with (tree / "data" / "roles.ttl").open("a") as handle:
        handle.write('\nrole:ofsted rg:shortLabel "HMCI"@en .\n')  # it has "Ofsted" already
    with pytest.raises(BuildError, match="at most one rg:shortLabel"):
        build(tree, state)


def test_assignment_without_citation_is_refused(built_tree: tuple[Path, Path, str]) -> None:
    tree, state, good_id = built_tree
    (tree / "data" / "models" / "zz-uncited.ttl").write_text("""
@prefix rg: <https://w3id.org/rolegraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/rolegraph/id/assignment/current--iro--prevent-drift-uncited> a rg:Assignment ;
    rdfs:label "an uncited assignment"@en ; rdfs:comment "cites nothing"@en ;
    rg:model <https://w3id.org/rolegraph/id/model/current> ;
    rg:role <https://w3id.org/rolegraph/id/role/iro> ;
    rg:function <https://w3id.org/rolegraph/id/function/prevent-drift> ;
    rg:confidence "inferred" .
""")
    with pytest.raises(BuildError, match="Every assignment cites something"):
        build(tree, state)
    assert_last_good_kept(tree, state, good_id)


def test_owl_inconsistency_names_the_individual(built_tree: tuple[Path, Path, str]) -> None:
    tree, state, good_id = built_tree
    with (tree / "data" / "organisations.ttl").open("a") as handle:
        handle.write("\norganisation:cafcass a rg:LocalAuthority .\n")
    code, output = build_cli(tree, state)
    assert code != 0
    assert "inconsistent (HermiT)" in output
    assert "data/organisations.ttl: <https://w3id.org/rolegraph/id/organisation/cafcass> is both" in output
    assert "rg:IndependentBody" in output and "rg:LocalAuthority" in output
    assert_last_good_kept(tree, state, good_id)


def test_missing_layout_is_a_clear_error(tmp_path: Path) -> None:
    code, output = build_cli(tmp_path, tmp_path / "state")
    assert code != 0 and "missing folder(s) ontology, data, shapes/" in output


def test_commands_keep_answering_from_the_last_good_snapshot(runner: CliRunner,
    built_tree: tuple[Path, Path, str],
) -> None:
    tree, state, good_id = built_tree
    with (tree / "data" / "roles.ttl").open("a") as handle:
        handle.write("\nrole:broken rdfs:label \n")
    result = runner.invoke(
        main, ["query", "ASK { ?s ?p ?o }", "--source", str(tree), "--state-dir", str(state)]
    )
    assert result.exit_code == 0 and result.stdout.strip() == "true"
    assert f"last good snapshot {good_id}" in result.stderr and "data/roles.ttl:" in result.stderr
