"""The remote-store path beyond the shared endpoint suite (which runs on every store): a
store that goes away and comes back, loads that stop half-way, versions, credentials."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import loaded_store, start_server
from flask.testing import FlaskClient
from stores import StoreProcess
from test_sparql_protocol import IRO, LOOKUP, SECTION_25B

from rolegraph.graph.build import build
from rolegraph.graph.snapshot import Snapshot
from rolegraph.graph.sources import shipped_tree
from rolegraph.query import loader
from rolegraph.query.remote import CONTROL_GRAPH, RemoteStore, StoreSettings, StoreUnavailable
from rolegraph.web.app import create_app, files_digest

ROLEGRAPH = str(Path(sys.executable).parent / "rolegraph")
PROGRESS = re.compile(r"^\s+(\d+)/(\d+) triples into")


@pytest.fixture(params=["virtuoso", "oxigraph"])
def store(request: pytest.FixtureRequest, tmp_path: Path,
          sparql_graphs: list[Path]) -> Iterator[StoreProcess]:
    """A store of its own (these tests kill it), holding the fixture graphs as version A."""
    process: StoreProcess = loaded_store(request.param, tmp_path / request.param, sparql_graphs)
    yield process
    process.stop()


def remote(store: StoreProcess) -> RemoteStore:
    return RemoteStore(StoreSettings(store.query_url, store.update_url, store.graph_store_url,
                                     store.user, store.password, store.auth))


def big_graph(path: Path, triples: int) -> Path:
    """A graph of `triples` distinct triples: enough requests to stop a loader in the middle."""
    with path.open("w") as out:
        for n in range(triples):
            out.write(f"<https://example.org/thing/{n // 10}> <https://example.org/p{n % 10}> "
                      f'"value {n}" .\n')
    return path


def load_command(store: StoreProcess, graph: Path, *extra: str) -> list[str]:
    return [ROLEGRAPH, "load", *store.load_args(), "--no-graph-store", "--chunk", "100",
            "--graph", str(graph), *extra]


def start_loader(store: StoreProcess, graph: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(load_command(store, graph), stderr=subprocess.PIPE, text=True,
                            stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            env={**os.environ, **store.environment()}, start_new_session=True)


def wait_for_progress(loader_process: subprocess.Popen[str], at_least: int) -> None:
    """Read the loader's progress lines until `at_least` triples are written."""
    assert loader_process.stderr is not None
    for line in loader_process.stderr:
        found = PROGRESS.match(line)
        if found and int(found[1]) >= at_least:
            assert int(found[1]) < int(found[2]), "the load finished before it was stopped"
            return
    pytest.fail(f"the loader stopped early (exit {loader_process.wait()})")


def lookup_rows(client: FlaskClient) -> list[tuple[str, str]]:
    response = client.get("/sparql", query_string={"query": LOOKUP},
                          headers={"Cache-Control": "no-cache"})
    assert response.status_code == 200, response.get_data(as_text=True)
    bindings = response.get_json()["results"]["bindings"]
    return [(b["role"]["value"], b["basis"]["value"]) for b in bindings]


@pytest.mark.slow
def test_store_restart_gives_503_then_answers_without_restarting_rolegraph(
        store: StoreProcess, tmp_path: Path) -> None:
    server = start_server(["--store-url", store.query_url, "--workers", "2",
                           "--query-timeout", "3"], tmp_path / "server.log")
    url = server.url + "/sparql"
    fresh = {"Cache-Control": "no-cache"}  # past the response cache: really ask the store
    try:
        assert requests.get(url, params={"query": LOOKUP}, headers=fresh,
                            timeout=10).status_code == 200
        store.kill()
        down = requests.get(url, params={"query": LOOKUP}, headers=fresh, timeout=10)
        assert down.status_code == 503
        assert down.json()["type"].endswith("/store-unavailable")
        assert "did not answer" in down.json()["detail"]
        assert requests.get(server.url + "/ready", timeout=10).status_code == 503
        store.start()
        deadline = time.monotonic() + 60
        while True:  # the store is back: the same rolegraph process answers again
            again = requests.get(url, params={"query": LOOKUP}, headers=fresh, timeout=10)
            if again.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)  # poll interval while the store recovers its database
        assert again.status_code == 200, again.text
        bindings = again.json()["results"]["bindings"]
        assert [(b["role"]["value"], b["basis"]["value"]) for b in bindings] == [
            (IRO, SECTION_25B)]
        assert requests.get(server.url + "/ready", timeout=10).status_code == 200
        assert server.process.poll() is None
    finally:
        server.stop()


@pytest.mark.slow
def test_killed_loader_leaves_the_served_version(store: StoreProcess, tmp_path: Path,
                                                 sparql_graphs: list[Path]) -> None:
    served = files_digest(sparql_graphs)
    big = big_graph(tmp_path / "big.nt", 20_000)
    with start_loader(store, big) as process:
        try:
            wait_for_progress(process, 1_000)
        finally:
            os.killpg(process.pid, signal.SIGKILL)  # the loader's own session, by its id
    version = remote(store).served_version()
    assert version is not None and version.id == served
    partial = {r.id: r for r in loader.versions(remote(store))}[files_digest([big])]
    assert partial.triples is None and not partial.served  # recorded as unfinished
    app = create_app({"TESTING": True, "STORE_URL": store.query_url, "ACCESS_LOG": False})
    assert lookup_rows(app.test_client()) == [(IRO, SECTION_25B)]  # still version A
    # A complete load switches; drop-version then removes the old and the partial ones.
    done = subprocess.run(load_command(store, big, "--drop-old"), capture_output=True,
                          text=True, timeout=300, env={**os.environ, **store.environment()})
    assert done.returncode == 0, done.stderr
    assert f"serving {files_digest([big])}" in done.stdout
    assert [r.id for r in loader.versions(remote(store))] == [files_digest([big])]
    assert remote(store).count(f"https://w3id.org/rolegraph/graph/{served}") == 0


@pytest.mark.slow
def test_store_dying_mid_load_leaves_the_served_version(store: StoreProcess,
                                                        tmp_path: Path,
                                                        sparql_graphs: list[Path]) -> None:
    big = big_graph(tmp_path / "big.nt", 20_000)
    with start_loader(store, big) as process:
        wait_for_progress(process, 1_000)
        store.kill()
        assert process.stderr is not None
        message = process.stderr.read()
        assert process.wait(timeout=60) == 1
    assert "the served version is unchanged" in message
    store.start()
    version = remote(store).served_version()
    assert version is not None and version.id == files_digest(sparql_graphs)


def test_running_service_follows_a_switch(store: StoreProcess, tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "STORE_URL": store.query_url, "ACCESS_LOG": False,
                      "STORE_REFRESH": 0.0})
    client = app.test_client()
    before = client.get("/ready").get_json()["version"]
    small = big_graph(tmp_path / "small.nt", 50)
    loader.load(remote(store), [small], files_digest([small]))
    assert client.get("/ready").get_json()["version"] == files_digest([small]) != before
    assert lookup_rows(client) == []  # the new version has no assignments
    etag = client.get("/sparql", query_string={"query": "ASK {}"}).headers["ETag"]
    assert files_digest([small]) in etag


@pytest.mark.parametrize("store", ["oxigraph"], indirect=True)  # pages are store-neutral
def test_pages_follow_a_switch_and_never_show_another_versions_content(
        store: StoreProcess, tmp_path: Path, snapshot: Snapshot, state_dir: Path) -> None:
    """Version A is the shipped snapshot, B the same with the IRO relabelled, then a version
    that is not rolegraph's at all. The pages read each from the store (this host has no
    snapshot: an empty state folder), so they follow every switch."""
    tree = tmp_path / "tree"
    for part in ("ontology", "data", "shapes"):
        shutil.copytree(shipped_tree().root / part, tree / part)
    roles = tree / "data" / "roles.ttl"
    roles.write_text(roles.read_text().replace(
        'rdfs:label "independent reviewing officer"@en', 'rdfs:label "reviewing officer B"@en'))
    version_b = build(tree, state_dir).snapshot
    loader.load(remote(store), snapshot.files, snapshot.id)
    app = create_app({"TESTING": True, "STORE_URL": store.query_url, "ACCESS_LOG": False,
                      "STORE_REFRESH": 0.0, "RESULT_CACHE_MB": 0,
                      "STATE_DIR": str(tmp_path / "empty")})
    client = app.test_client()
    assert "independent reviewing officer" in client.get("/id/role/iro").text

    loader.load(remote(store), version_b.files, version_b.id)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", client.get("/id/role/iro").text, re.S)
    # the heading, not the page: the page quotes the Act's own "independent reviewing officer"
    assert heading and "reviewing officer B" in heading.group(1)
    assert "independent reviewing officer" not in heading.group(1)
    assert version_b.id[:12] in client.get("/").text  # the footer names the version

    small = big_graph(tmp_path / "small.nt", 50)
    loader.load(remote(store), [small], files_digest([small]))
    response = client.get("/id/role/iro", headers={"Accept": "application/json"})
    assert response.status_code == 404  # no such role in this version, and nothing older
    assert "reviewing officer" not in response.get_data(as_text=True)
    assert files_digest([small])[:12] in client.get("/").text
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_rolegraph_graphs_are_not_queryable(sparql_client: FlaskClient) -> None:
    for graph in (CONTROL_GRAPH, "https://w3id.org/rolegraph/graph/empty"):
        response = sparql_client.get("/sparql", query_string={
            "query": f"SELECT * FROM <{graph}> {{ ?s ?p ?o }}"})
        assert response.status_code == 400
        assert response.get_json()["type"].endswith("/dataset-refused")


def test_credentials_are_never_shown() -> None:
    settings = StoreSettings("http://loader:url-secret@127.0.0.1:9/sparql", user="loader",
                             password="env-secret")
    assert "env-secret" not in repr(settings) and "env-secret" not in repr(RemoteStore(settings))
    assert "url-secret" not in settings.where
    with pytest.raises(StoreUnavailable) as failure:
        RemoteStore(settings, timeout=2).request("ASK {}", accept="application/json")
    assert "secret" not in str(failure.value)
