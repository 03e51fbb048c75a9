"""Shared fixtures: the shipped graph built once per session into a scratch state folder."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import groups
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, sync_playwright

from rolegraph.analysis.questions import Analysis
from rolegraph.graph.build import build
from rolegraph.graph.snapshot import Snapshot
from rolegraph.graph.sources import PARTS, shipped_tree
from rolegraph.query.engine import Engine
from rolegraph.trainer import diagrams

groups.install()  # servers and stores stopped even when the run is ended by a signal

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def snapshot(state_dir: Path) -> Snapshot:
    return build(None, state_dir).snapshot


@pytest.fixture(scope="session")
def engine(snapshot: Snapshot) -> Engine:
    return Engine.from_snapshot(snapshot)


# --- a real browser (tests/test_browser.py, tests/test_accessibility.py) --------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's own probe starts it: no background networking, which a closed network refuses.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright."""
    assert Path(CHROMIUM).exists(), "scripts/setup installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def output_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where tests leave pictures and documents for a human look: a session temp folder, or
    $ROLEGRAPH_TEST_OUTPUT when set (to keep them after the run)."""
    kept = os.environ.get("ROLEGRAPH_TEST_OUTPUT")
    folder = Path(kept) if kept else tmp_path_factory.mktemp("for-a-look")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def runner() -> CliRunner:
    """The `rolegraph` command line, run in process (click's test runner)."""
    return CliRunner()


@pytest.fixture
def tree_copy(tmp_path: Path) -> Callable[[], Path]:
    """A writable copy of the shipped source tree, for tests that break it on purpose."""

    def make() -> Path:
        root = tmp_path / "tree"
        for part in PARTS:
            shutil.copytree(shipped_tree().root / part, root / part)
        return root

    return make


# --- SPARQL endpoint (tests/test_sparql_*.py, tests/test_serve*.py) ----------------------

SPARQL_FIXTURE_TTL = """\
@prefix rg: <https://w3id.org/rolegraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix role: <https://w3id.org/rolegraph/id/role/> .
@prefix function: <https://w3id.org/rolegraph/id/function/> .
@prefix model: <https://w3id.org/rolegraph/id/model/> .
@prefix assignment: <https://w3id.org/rolegraph/id/assignment/> .

role:iro a rg:Role ; rdfs:label "independent reviewing officer"@en .
role:social-worker a rg:Role ; rdfs:label "social worker"@en .
role:cafcass-guardian a rg:Role ; rdfs:label "children's guardian"@en .
model:current a rg:ReformModel ; rdfs:label "the law as it stands"@en .
model:care-review-2022 a rg:ReformModel ; rdfs:label "Independent Review of Children's Social Care"@en .
function:refer-to-cafcass a rg:Function ; rdfs:label "refer the case to Cafcass"@en .
function:review-care-plan a rg:Function ; rdfs:label "review the care plan"@en .

assignment:current--iro--refer-to-cafcass a rg:Assignment ;
    rg:model model:current ; rg:role role:iro ; rg:function function:refer-to-cafcass ;
    rg:basis <http://www.legislation.gov.uk/id/ukpga/1989/41/section/25B> .
assignment:current--iro--review-care-plan a rg:Assignment ;
    rg:model model:current ; rg:role role:iro ; rg:function function:review-care-plan ;
    rg:basis <http://www.legislation.gov.uk/id/uksi/2010/959/regulation/36> .
assignment:care-review-2022--social-worker--review-care-plan a rg:Assignment ;
    rg:model model:care-review-2022 ; rg:role role:social-worker ;
    rg:function function:review-care-plan .
"""

SPARQL_FIXTURE_NQ = """\
<https://w3id.org/rolegraph/id/role/advocate> <http://www.w3.org/2000/01/rdf-schema#label> "advocate"@en <https://example.org/graph/extra> .
"""
EXTRA_GRAPH = "https://example.org/graph/extra"


@pytest.fixture(scope="session")
def sparql_graphs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A small who-does-what graph (default graph) and one named graph (N-Quads)."""
    folder = tmp_path_factory.mktemp("sparql-data")
    (folder / "fixture.ttl").write_text(SPARQL_FIXTURE_TTL)
    (folder / "extra.nq").write_text(SPARQL_FIXTURE_NQ)
    return [folder / "fixture.ttl", folder / "extra.nq"]


# The endpoint suite runs once per store: the embedded one, and the same graphs loaded into
# real remote stores (tests/stores.py): Virtuoso, and the Oxigraph server.
STORES = ["embedded", "virtuoso", "oxigraph"]


def store_or_skip(kind: str) -> None:
    """Skip, saying why, where a store cannot run; CI installs both, so there it fails."""
    from stores import IN_CI, missing

    reason = missing(kind)
    if reason and IN_CI:
        pytest.fail(f"{reason} (CI must run the remote-store tests)")
    if reason:
        pytest.skip(reason)


def loaded_store(kind: str, folder: Path, files: list[Path], version: str | None = None) -> Any:
    """Start a store of `kind` in `folder` and load `files` as rolegraph load does (as
    `version`: by default a digest of the files, as for --graph)."""
    import stores

    from rolegraph.query import loader
    from rolegraph.query.remote import RemoteStore, StoreSettings
    from rolegraph.web.app import files_digest

    store_or_skip(kind)
    # The store's own stop a little after rolegraph's (1.5 s in sparql_server): the cross
    # product in test_sparql_live must not keep the store busy for long after it.
    process = (stores.virtuoso if kind == "virtuoso" else stores.oxigraph)(folder, **{
        "virtuoso": {"max_seconds": 4}, "oxigraph": {"timeout_s": 4}}[kind]).start()
    settings = StoreSettings(process.query_url, process.update_url, process.graph_store_url,
                             process.user, process.password, process.auth)
    try:
        loader.load(RemoteStore(settings), files, version or files_digest(files),
                    chunk=10 if version is None else 2000)
    except BaseException:
        process.stop()
        raise
    return process


@pytest.fixture(scope="session", params=STORES)
def sparql_store(request: pytest.FixtureRequest, sparql_graphs: list[Path],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """None for the embedded store, else a started remote store holding the fixture graphs."""
    kind = request.param
    if kind == "embedded":
        yield None
        return
    process = loaded_store(kind, tmp_path_factory.mktemp(kind), sparql_graphs)
    yield process
    process.stop()


def store_overrides(store: Any) -> dict[str, Any]:
    return {} if store is None else {"STORE_URL": store.query_url}


@pytest.fixture(scope="session")
def sparql_app(sparql_graphs: list[Path], sparql_store: Any) -> Iterator[Flask]:
    from rolegraph.web import SERVED
    from rolegraph.web.app import create_app

    app = create_app({"TESTING": True, "GRAPH_FILES": [str(p) for p in sparql_graphs],
                      "ACCESS_LOG": False, "QUERY_TIMEOUT": 5.0, **store_overrides(sparql_store)})
    yield app
    app.extensions[SERVED].runner.close()


@pytest.fixture
def sparql_client(sparql_app: Flask) -> FlaskClient:
    return sparql_app.test_client()


@dataclass
class LiveServer:
    """A `rolegraph serve` subprocess on a free port."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the session we started, by its id
            self.process.wait(timeout=20)
        groups.stopped(self.process)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(args: list[str], log: Path, startup: float = 60.0) -> LiveServer:
    """Start `rolegraph serve ARGS --port N` and return once /health answers."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "rolegraph"), "serve", *args,
               "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = groups.started(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                                  stdin=subprocess.DEVNULL,
                                                  start_new_session=True))
    server = LiveServer(process, port, log)
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/health", timeout=1) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.05)  # poll interval while gunicorn binds, not a synchronisation
    server.stop()
    raise RuntimeError(f"server did not answer /health in {startup} s: {log.read_text()}")


@pytest.fixture(scope="session")
def sparql_server(sparql_graphs: list[Path], sparql_store: Any,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server (gunicorn, 2 workers) with a 1.5 s query time limit."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    graph_args = ([arg for path in sparql_graphs for arg in ("--graph", str(path))]
                  if sparql_store is None else ["--store-url", sparql_store.query_url])
    server = start_server([*graph_args, "--workers", "2", "--query-timeout", "1.5"], log)
    yield server
    server.stop()


# --- pages and JSON API (tests/test_pages*.py, test_api*.py, test_browser*.py) -------------

@pytest.fixture(scope="session")
def site_app(snapshot: Snapshot, state_dir: Path) -> Iterator[Flask]:
    """The whole service over the built snapshot, with its coverage analysis."""
    from rolegraph.web import SERVED
    from rolegraph.web.app import create_app

    # Its rate limits' buckets would carry from test to test (and pass or fail by how fast
    # the machine runs): the limits have their own apps in test_rate_limit.py.
    app = create_app({"TESTING": True, "STATE_DIR": str(state_dir), "ACCESS_LOG": False,
                      "VALIDATE_RATE_LIMIT_BURST": 10_000, "DRAW_RATE_LIMIT_BURST": 10_000})
    yield app
    app.extensions[SERVED].runner.close()


@pytest.fixture
def site_client(site_app: Flask) -> FlaskClient:
    return site_app.test_client()


@pytest.fixture(scope="session")
def site_server(snapshot: Snapshot, state_dir: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`rolegraph serve` over the built snapshot (gunicorn, 2 workers), for browsers and guides."""
    log = tmp_path_factory.mktemp("site-server") / "server.log"
    server = start_server(["--state-dir", str(state_dir), "--workers", "2"], log)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def analysis(snapshot: Snapshot) -> Analysis:
    """Coverage, diffs and proposals over the shipped snapshot (computed once)."""
    return Analysis.of_snapshot(snapshot, shipped_tree())


@pytest.fixture(scope="session")
def facts(analysis: Analysis) -> diagrams.Facts:
    """What the trainers' diagrams and cards draw from."""
    return diagrams.collect(analysis)
