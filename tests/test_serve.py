"""The `rolegraph serve` command: flags, environment and load errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import start_server

from rolegraph import config
from rolegraph.cli.main import main
from rolegraph.cli.serve import flag_overrides, server_options
from rolegraph.web.app import create_app, graph_files


def test_serve_is_a_rolegraph_command(runner: CliRunner) -> None:
    result = runner.invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--graph" in result.output and "--workers" in result.output


def test_only_given_flags_override() -> None:
    assert flag_overrides((), None, None, None, None) == {}
    assert flag_overrides((Path("a.ttl"),), 2.0, 5, None, None) == {
        config.GRAPH_FILES: ["a.ttl"], config.QUERY_TIMEOUT: 2.0, config.MAX_ROWS: 5}


def test_environment_configures_the_app(monkeypatch: pytest.MonkeyPatch,
                                        sparql_graphs: list[Path]) -> None:
    monkeypatch.setenv("ROLEGRAPH_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("ROLEGRAPH_GRAPH_FILES", ":".join(str(p) for p in sparql_graphs))
    monkeypatch.setenv("ROLEGRAPH_QUERY_ISOLATION", "inline")
    app = create_app()
    assert app.config[config.QUERY_TIMEOUT] == 2.5
    assert app.extensions["rolegraph.served"].stats["total"] > 20


def test_graph_files_from_a_path_list() -> None:
    assert graph_files("a.ttl:b.nq") == [Path("a.ttl"), Path("b.nq")]


def test_workers_are_replaced_and_outlive_the_query_limit(sparql_app: object) -> None:
    options = server_options(sparql_app, "127.0.0.1", 5000, 3, 4)  # type: ignore[arg-type]
    assert options["workers"] == 3 and options["blocking_threads"] == 4
    assert options["respawn_failed_workers"] is True
    # stopping lets a query in flight reach its own limit
    assert options["workers_kill_timeout"] > sparql_app.config[config.QUERY_TIMEOUT]  # type: ignore[attr-defined]


def test_unknown_file_type_is_a_clean_error(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "data.xyz"
    bad.write_text("nothing")
    result = runner.invoke(main, ["serve", "--graph", str(bad)])
    assert result.exit_code == 1
    assert "unknown RDF file type" in result.output


def test_syntax_error_in_a_graph_file_names_it(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("<a> <b> .")
    result = runner.invoke(main, ["serve", "--graph", str(bad)])
    assert result.exit_code == 1
    assert "broken.ttl" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["nt", "rdf", "jsonld", "trig"])
def test_serves_each_rdf_syntax(tmp_path: Path, suffix: str) -> None:
    import pyoxigraph as ox
    import requests

    fmt = {"nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML,
           "jsonld": ox.RdfFormat.JSON_LD, "trig": ox.RdfFormat.TRIG}[suffix]
    data = tmp_path / f"data.{suffix}"
    triple = ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                     ox.Literal("o"))
    ox.serialize([triple], str(data), format=fmt)
    server = start_server(["--graph", str(data), "--workers", "2"], tmp_path / "log")
    try:
        answer = requests.get(server.url + "/sparql", timeout=10,
                              params={"query": "SELECT ?o { ?s ?p ?o }"})
        assert answer.json()["results"]["bindings"][0]["o"]["value"] == "o"
    finally:
        server.stop()
