"""One read path (DESIGN.md): with a remote store and no local snapshot, every page, API
answer, coverage matrix, diff, diagram and card is the same as embedded, byte for byte."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import loaded_store
from flask import Flask
from flask.testing import FlaskClient

from rolegraph.cli.main import main
from rolegraph.graph.snapshot import Snapshot
from rolegraph.query.reader import EmbeddedReader, named_query, values_block
from rolegraph.web import SERVED
from rolegraph.web.app import create_app

# Every surface that reads the data, with the kinds of argument each takes.
SURFACES = [
    "/", "/roles", "/functions", "/models", "/sources", "/positions", "/legislation",
    "/id/role/iro", "/id/role/iro.ttl", "/id/role/iro.jsonld", "/id/function/refer-to-cafcass",
    "/id/model/care-review-2022", "/id/model/current.nt", "/def",
    "/coverage", "/coverage.csv", "/diff?a=current&b=care-review-2022",
    "/diff?a=law@2003-01-01&b=current", "/diff.json?a=current&b=nagalro-2022",
    "/around", "/evidence", "/timeline/role/iro", "/timeline/function/refer-to-cafcass",
    "/queries",
    "/api/roles", "/api/roles/iro", "/api/models", "/api/coverage",
    "/api/coverage?model=law@2005-06-01", "/api/diff?a=current&b=care-review-2022",
    "/api/evidence", "/api/timeline/role/iro",
    "/diagrams/model/current.dot", "/diagrams/model/current.mmd",
    "/diagrams/model/current.svg?compare=care-review-2022",
    "/diagrams/model/current.dot?setting=childrens-home",
    "/roles/iro/card", "/roles/iro/card?model=care-review-2022",
]


def app_over(overrides: dict[str, Any]) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "ACCESS_LOG": False, "RESULT_CACHE_MB": 0,
                      "RATE_LIMIT": 0, "DRAW_RATE_LIMIT": 0, **overrides})
    yield app
    app.extensions[SERVED].runner.close()


@pytest.fixture(scope="module")
def embedded(snapshot: Snapshot, state_dir: Path) -> Iterator[FlaskClient]:
    for app in app_over({"STATE_DIR": str(state_dir)}):
        yield app.test_client()


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def store(request: pytest.FixtureRequest, snapshot: Snapshot,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The shipped snapshot loaded into a real store, as `rolegraph load` does."""
    process = loaded_store(request.param, tmp_path_factory.mktemp(request.param),
                           snapshot.files, snapshot.id)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def remote(store: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The service over that store, with an EMPTY state folder: no local snapshot."""
    empty = tmp_path_factory.mktemp("no-snapshots")
    for app in app_over({"STORE_URL": store.query_url, "STATE_DIR": str(empty)}):
        yield app.test_client()


@pytest.mark.slow
def test_every_surface_answers_the_same_from_a_remote_store(
        embedded: FlaskClient, remote: FlaskClient) -> None:
    differ = []
    for url in SURFACES:
        here, there = embedded.get(url), remote.get(url)
        assert here.status_code == 200, (url, here.get_data(as_text=True)[:300])
        if (there.status_code, there.data) != (here.status_code, here.data):
            differ.append(f"{url}: {there.status_code} {there.get_data(as_text=True)[:200]}")
    assert not differ, "\n".join(differ)


COMMANDS = [
    ["coverage", "--format", "csv"],
    ["coverage", "--model", "law@2005-06-01", "--format", "md"],
    ["diff", "current", "care-review-2022"],
    ["diff", "law@2003-01-01", "current", "--format", "json"],
    ["check", str(Path(__file__).resolve().parents[1] / "examples" / "proposal.yaml")],
    ["diagram", "--model", "current", "--compare", "care-review-2022", "--format", "dot"],
    ["card", "--role", "iro", "--model", "current", "--format", "html"],
]


@pytest.mark.slow
def test_every_cli_command_answers_the_same_from_a_remote_store(runner: CliRunner,
        store: Any, state_dir: Path) -> None:
    for args in COMMANDS:
        here = runner.invoke(main, [*args, "--state-dir", str(state_dir)])
        there = runner.invoke(main, [*args, "--store-url", store.query_url])
        assert here.exit_code == there.exit_code, (args, here.output, there.output)
        assert here.stdout == there.stdout, args


WHO = ("SELECT ?role ?basis WHERE { ?a rg:model model:current ; "
       "rg:function function:refer-to-cafcass ; rg:role ?role ; rg:basis ?basis } ORDER BY ?basis")
IRO_FACTS = "CONSTRUCT { role:iro ?p ?o } WHERE { role:iro ?p ?o FILTER(!isBlank(?o)) }"
QUERIES = [
    ["query", WHO],  # a table, with prefixed names
    ["query", WHO, "--format", "csv"],
    ["query", WHO, "--format", "json"],
    ["query", "ASK { role:iro rg:holds function:refer-to-cafcass }"],
    ["query", "PREFIX role: <https://example.org/> SELECT ?x WHERE { BIND(role:x AS ?x) }"],
    ["query", "SELEC ?x WHERE {}"],  # refused alike
]


@pytest.mark.slow
def test_query_answers_the_same_from_a_remote_store(runner: CliRunner, store: Any,
                                                    state_dir: Path) -> None:
    """`rolegraph query --store-url` (the option and meaning of `serve --store-url`) answers
    from the version the store serves as from the local snapshot, and only from it."""
    for args in QUERIES:
        here = runner.invoke(main, [*args, "--state-dir", str(state_dir)])
        there = runner.invoke(main, [*args, "--store-url", store.query_url])
        assert here.exit_code == there.exit_code, (args, here.output, there.output)
        assert here.stdout == there.stdout, args
        if here.exit_code:  # the same message, at the query's own line and column
            refused = there.output.splitlines()[-1]
            assert here.output.splitlines()[-1] == refused and "at 1:10" in refused, args
    here = runner.invoke(main, ["query", IRO_FACTS, "--format", "nt", "--state-dir",
                                str(state_dir)])
    there = runner.invoke(main, ["query", IRO_FACTS, "--format", "nt"],
                          env={"ROLEGRAPH_STORE_URL": store.query_url})  # as serve reads it
    assert there.exit_code == 0, there.output
    assert sorted(there.stdout.splitlines()) == sorted(here.stdout.splitlines())  # its order
    assert len(there.stdout.splitlines()) > 10
    control = runner.invoke(main, ["query", "--store-url", store.query_url, "SELECT * FROM "
                                   "<https://w3id.org/rolegraph/graph/control> { ?s ?p ?o }"])
    assert control.exit_code == 1 and "does not serve" in control.output  # versions unseen
    update = runner.invoke(main, ["query", "--store-url", store.query_url,
                                  "INSERT DATA { role:iro rg:holds role:iro }"])
    assert update.exit_code == 1 and "read-only" in update.output


def test_the_cli_reads_through_the_same_path(analysis: Any) -> None:
    """The CLI's analysis reads the embedded store (a snapshot loaded into pyoxigraph),
    not a parse of the snapshot's files."""
    assert isinstance(analysis.reader, EmbeddedReader)
    assert len(analysis.graph) == len(analysis.reader.engine.store)


def test_values_are_bound_never_pasted() -> None:
    assert values_block({"role": "https://w3id.org/rolegraph/id/role/iro"}) == \
        "\nVALUES (?role) { (<https://w3id.org/rolegraph/id/role/iro>) }"
    with pytest.raises(ValueError):
        values_block({"role": "https://example.org/> } ; DROP ALL ; <x"})
    assert "PREFIX rg: <https://w3id.org/rolegraph/def#>" in named_query("graph")
