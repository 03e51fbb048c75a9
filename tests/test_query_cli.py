"""`rolegraph query`: tables for people, standard SPARQL result formats for programs."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from rolegraph.cli.main import main
from rolegraph.graph.snapshot import Snapshot

WHO = (
    "SELECT ?role ?basis WHERE { ?a rg:model model:current ; "
    "rg:function function:refer-to-cafcass ; rg:role ?role ; rg:basis ?basis } ORDER BY ?basis"
)


def run(state: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["query", "--state-dir", str(state), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def state(snapshot: Snapshot, state_dir: Path) -> Path:
    return state_dir


def test_table_shows_prefixed_names(state: Path) -> None:
    out = run(state, WHO)
    assert "role:iro" in out and "leg:ukpga/1989/41/section/25B" in out and "row" in out


def test_csv_and_tsv(state: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run(state, WHO, "--format", "csv"))))
    assert rows and rows[0]["role"] == "https://w3id.org/rolegraph/id/role/iro"
    tsv = run(state, WHO, "--format", "tsv").splitlines()
    assert tsv[0] == "?role\t?basis" and "<https://w3id.org/rolegraph/id/role/iro>" in tsv[1]


def test_json_is_sparql_results_json(state: Path) -> None:
    doc = json.loads(run(state, WHO, "--format", "json"))
    assert doc["head"]["vars"] == ["role", "basis"]
    assert doc["results"]["bindings"][0]["role"]["type"] == "uri"


def test_xml_is_sparql_results_xml(state: Path) -> None:
    root = ET.fromstring(run(state, WHO, "--format", "xml"))
    assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"


def test_ask_prints_a_boolean(state: Path) -> None:
    assert run(state, "ASK { role:iro rg:holds function:refer-to-cafcass }").strip() == "true"


@pytest.mark.parametrize(
    ("fmt", "parser_format"),
    [
        ("turtle", ox.RdfFormat.TURTLE),
        ("nt", ox.RdfFormat.N_TRIPLES),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("rdfxml", ox.RdfFormat.RDF_XML),
    ],
)
def test_describe_formats_parse_back(state: Path, fmt: str, parser_format: ox.RdfFormat) -> None:
    out = run(state, "DESCRIBE role:iro", "--format", fmt)
    triples = list(ox.parse(out.encode(), format=parser_format))
    iro = ox.NamedNode("https://w3id.org/rolegraph/id/role/iro")
    assert len(triples) > 5 and all(t.subject == iro for t in triples)


def test_query_from_file(state: Path, tmp_path: Path) -> None:
    path = tmp_path / "who.rq"
    path.write_text(WHO)
    assert "role:iro" in run(state, "-f", str(path))


def test_bad_query_is_a_clear_error(runner: CliRunner, state: Path) -> None:
    result = runner.invoke(main, ["query", "--state-dir", str(state), "SELEC ?x WHERE {}"])
    assert result.exit_code != 0 and "query refused" in result.output


def test_wrong_format_for_kind_is_a_clear_error(runner: CliRunner, state: Path) -> None:
    result = runner.invoke(
        main, ["query", "--state-dir", str(state), WHO, "--format", "turtle"]
    )
    assert result.exit_code != 0 and "does not fit a SELECT/ASK result" in result.output


def test_a_store_that_does_not_answer_is_a_clear_error(runner: CliRunner) -> None:
    """--store-url as `serve` takes it (answers from a real store: test_read_path.py)."""
    result = runner.invoke(main, ["query", "--store-url", "http://127.0.0.1:9/sparql", WHO])
    assert result.exit_code == 1
    assert "the SPARQL store at http://127.0.0.1:9/sparql did not answer" in result.output
