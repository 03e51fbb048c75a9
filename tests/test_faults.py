"""Faults against a real `rolegraph serve` (gunicorn): a worker killed mid-run, reloads
(SIGHUP) with broken and with good data, and a build on a full or read-only disk."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from conftest import LiveServer, start_server

from rolegraph.graph.build import BuildError, build
from rolegraph.graph.snapshot import SnapshotStore
from rolegraph.graph.sources import PARTS, shipped_tree

ROLEGRAPH = str(Path(sys.executable).parent / "rolegraph")
IRO = "https://w3id.org/rolegraph/id/role/iro"
LABEL_QUERY = f"SELECT ?label {{ <{IRO}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
EXEMPT = "ROLEGRAPH_RATE_LIMIT_EXEMPT"
OLD_LABEL, NEW_LABEL = "independent reviewing officer", "independent reviewing officer (v2)"


# --- helpers ------------------------------------------------------------------------------

def copy_tree(folder: Path) -> Path:
    for part in PARTS:
        shutil.copytree(shipped_tree().root / part, folder / part)
    return folder


def server_processes(master: int) -> dict[int, list[int]]:
    """The master's gunicorn workers, each with its own children (the query child)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and b"rolegraph" in command:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return {worker: children.get(worker, []) for worker in children.get(master, [])}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def started(args: list[str], log: Path, startup: float = 60.0) -> LiveServer:
    """start_server with the rate limit's loopback exemption: the hammering below is us."""
    saved = os.environ.get(EXEMPT)
    os.environ[EXEMPT] = '["127.0.0.1"]'
    try:
        return start_server(args, log, startup)
    finally:
        if saved is None:
            del os.environ[EXEMPT]
        else:
            os.environ[EXEMPT] = saved


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.1)  # polling a process table or a log, not synchronising


@dataclass
class Hammer:
    """Threads sending requests until stopped, recording what came back."""

    url: str
    threads: int = 4
    results: list[tuple[str, int, str, str]] = field(default_factory=list)  # kind, status, ...
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def one(self, session: requests.Session, number: int) -> None:
        if number % 2:
            answer = session.get(self.url + "/sparql", params={"query": LABEL_QUERY},
                                 timeout=30)
            tag = answer.headers.get("ETag", "").strip('"').split("-")[0]
            body = answer.json()["results"]["bindings"][0]["label"]["value"] \
                if answer.status_code == 200 else answer.text
            self.results.append(("sparql", answer.status_code, tag, body))
        else:
            answer = session.get(self.url + "/ready", timeout=30)
            ready = answer.json()
            self.results.append(("ready", answer.status_code, ready.get("version", ""),
                                 str(ready.get("triples"))))

    def loop(self) -> None:
        number = 0
        while not self._stop.is_set():
            number += 1
            try:
                with requests.Session() as session:
                    self.one(session, number)
            except requests.RequestException as error:
                self.failures.append(f"{type(error).__name__}: {error}")

    def __enter__(self) -> Hammer:
        for _ in range(self.threads):
            thread = threading.Thread(target=self.loop, daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=60)


# --- a worker killed mid-run ----------------------------------------------------------------

@pytest.mark.slow
def test_killed_worker_is_replaced_and_costs_at_most_the_requests_in_flight(
        sparql_graphs: list[Path], tmp_path: Path) -> None:
    server = started([*(a for p in sparql_graphs for a in ("--graph", str(p))),
                           "--workers", "2"], tmp_path / "server.log")
    try:
        master = server.process.pid
        wait_for(lambda: len(server_processes(master)) == 2
                 and all(server_processes(master).values()), 30, "two workers, each with a child")
        before = server_processes(master)
        victim = next(iter(before))
        orphans = before[victim]  # its query child: must not outlive it
        with Hammer(server.url, threads=4) as hammer:
            wait_for(lambda: len(hammer.results) > 50, 30, "traffic before the kill")
            os.kill(victim, signal.SIGKILL)
            killed_at = len(hammer.results)
            wait_for(lambda: len(server_processes(server.process.pid)) == 2
                     and victim not in server_processes(server.process.pid), 30,
                     "a replacement worker")
            wait_for(lambda: len(hammer.results) > killed_at + 200, 60, "traffic after")
        after = server_processes(server.process.pid)
        assert victim not in after and len(after) == 2
        assert all(status == 200 for _, status, _, _ in hammer.results)
        # what the killed worker was answering is lost (each hammer thread has one request
        # in flight, so at most one each), and nothing after: its replacement answers
        assert len(hammer.failures) <= hammer.threads, hammer.failures
        wait_for(lambda: not any(alive(pid) for pid in orphans), 10,
                 "the killed worker's query child to exit")
        print(f"\nworker kill: {len(hammer.results)} answered, {len(hammer.failures)} failed")
    finally:
        server.stop()


@pytest.mark.slow
def test_stop_signal_to_the_process_group_lets_queries_in_flight_finish(
        sparql_graphs: list[Path], tmp_path: Path) -> None:
    """systemd, Ctrl-C and killpg send SIGTERM to every process, query children too: the
    workers finish their request gracefully, so the children must finish the query (they
    answered 503 'query process failed' before)."""
    server = started([*(a for p in sparql_graphs for a in ("--graph", str(p))),
                      "--workers", "2"], tmp_path / "server.log")
    master = server.process.pid
    wait_for(lambda: len(server_processes(master)) == 2
             and all(server_processes(master).values()), 30, "two workers with children")
    slow = "SELECT (COUNT(*) AS ?n) { " + " ".join(
        f"?a{i} ?b{i} ?c{i} ." for i in range(5)) + " }"  # ~2.5 s over the fixture
    outcomes: list[tuple[float, int | str]] = []

    def ask() -> None:
        try:
            answer = requests.post(server.url + "/sparql", data={"query": slow}, timeout=60)
            outcomes.append((time.monotonic(), answer.status_code))
        except requests.RequestException as error:
            outcomes.append((time.monotonic(), type(error).__name__))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # both queries are now running in the query children
    signalled = time.monotonic()
    os.killpg(master, signal.SIGTERM)  # the whole group, as systemd does
    for thread in threads:
        thread.join(timeout=60)
    server.process.wait(timeout=30)
    assert [status for _, status in outcomes] == [200, 200], outcomes
    assert all(when > signalled for when, _ in outcomes)


# --- reloads ------------------------------------------------------------------------------------

def assert_only_resets_at_the_switch(hammer: Hammer) -> None:
    """A stopping worker finishes every request it has begun to read; a connection it had
    accepted but not yet read may be closed unanswered (granian's graceful stop), so a
    client sees at most one reset per request in flight, and never a wrong answer."""
    assert len(hammer.failures) <= hammer.threads, hammer.failures
    assert all("ConnectionError" in failure for failure in hammer.failures), hammer.failures

@dataclass
class Reloadable:
    server: LiveServer
    tree: Path
    state: Path
    version: str

    def log(self) -> str:
        return self.server.log.read_text(errors="replace")

    def reload(self, seconds: float = 180) -> str:
        """SIGHUP the master; wait until every worker is a new one; the log of the reload."""
        master = self.server.process.pid
        old_workers = set(server_processes(master))
        start = len(self.log())
        os.kill(master, signal.SIGHUP)
        wait_for(lambda: "reload: now serving" in self.log()[start:]
                 or "reload refused" in self.log()[start:], seconds, "the reload")
        wait_for(lambda: len(server_processes(master)) == 2
                 and not old_workers & set(server_processes(master)), 60, "new workers")
        return self.log()[start:]

    def ready_version(self) -> str:
        version: str = requests.get(self.server.url + "/ready", timeout=10).json()["version"]
        return version


@pytest.fixture(scope="module")
def reloadable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reloadable]:
    folder = tmp_path_factory.mktemp("reload")
    tree, state = copy_tree(folder / "tree"), folder / "state"
    version = build(tree, state).snapshot.id
    server = started(["--source", str(tree), "--state-dir", str(state),
                           "--workers", "2"], folder / "server.log", startup=180)
    yield Reloadable(server, tree, state, version)
    server.stop()


def break_syntax(tree: Path) -> str:
    with (tree / "data" / "roles.ttl").open("a") as handle:
        handle.write('\nrole:broken rdfs:label "no closing quote ;\n')
    return "data/roles.ttl:"


def break_integrity(tree: Path) -> str:
    (tree / "data" / "models" / "zz-uncited.ttl").write_text(textwrap.dedent("""\
        @prefix rg: <https://w3id.org/rolegraph/def#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://w3id.org/rolegraph/id/assignment/current--iro--uncited> a rg:Assignment ;
            rdfs:label "an uncited assignment"@en ; rdfs:comment "cites nothing"@en ;
            rg:model <https://w3id.org/rolegraph/id/model/current> ;
            rg:role <https://w3id.org/rolegraph/id/role/iro> ;
            rg:function <https://w3id.org/rolegraph/id/function/prevent-drift> ;
            rg:confidence "inferred" .
        """))
    return "integrity check failed"


def break_consistency(tree: Path) -> str:
    with (tree / "data" / "organisations.ttl").open("a") as handle:
        handle.write("\norganisation:cafcass a rg:LocalAuthority .\n")
    return "inconsistent (HermiT)"


@pytest.mark.slow
@pytest.mark.parametrize("breaker", [break_syntax, break_integrity, break_consistency],
                         ids=["turtle-syntax", "shacl-integrity", "owl-inconsistency"])
def test_reload_with_broken_data_keeps_the_last_good_snapshot(
        reloadable: Reloadable, breaker: Callable[[Path], str]) -> None:
    pristine = reloadable.tree.parent / f"pristine-{breaker.__name__}"
    shutil.copytree(reloadable.tree, pristine)
    reason = breaker(reloadable.tree)
    try:
        with Hammer(reloadable.server.url, threads=2) as hammer:
            log = reloadable.reload()
        assert "build refused" in log and reason in log, log
        assert f"last good snapshot {reloadable.version}" in log
        assert reloadable.ready_version() == reloadable.version
        assert_only_resets_at_the_switch(hammer)
        assert {status for _, status, _, _ in hammer.results} == {200}
        assert {tag for _, _, tag, _ in hammer.results} == {reloadable.version}
    finally:
        shutil.rmtree(reloadable.tree)
        shutil.move(pristine, reloadable.tree)


@pytest.mark.slow
def test_reload_with_good_data_switches_atomically(reloadable: Reloadable) -> None:
    """Every answer during the switch is wholly the old version or wholly the new one."""
    roles = reloadable.tree / "data" / "roles.ttl"
    roles.write_text(roles.read_text().replace(f'"{OLD_LABEL}"@en', f'"{NEW_LABEL}"@en', 1))
    old = reloadable.version
    old_triples = requests.get(reloadable.server.url + "/ready", timeout=10).json()["triples"]
    with Hammer(reloadable.server.url, threads=4) as hammer:
        log = reloadable.reload()
        new = reloadable.ready_version()
        wait_for(lambda: sum(1 for r in hammer.results[-20:] if r[2] == new) == 20, 30,
                 "answers from the new version only")
    assert "reload: now serving" in log and new != old, log
    assert_only_resets_at_the_switch(hammer)
    labels = {old: OLD_LABEL, new: NEW_LABEL}
    triples: dict[str, set[str]] = {old: {str(old_triples)}, new: set()}
    seen = {old: 0, new: 0}
    for kind, status, version, body in hammer.results:
        assert status == 200 and version in labels, (kind, status, version, body)
        seen[version] += 1
        if kind == "sparql":
            assert body == labels[version], (version, body)
        else:
            triples[version].add(body)
    assert seen[old] > 0 and seen[new] > 0, seen
    assert len(triples[old]) == 1 and len(triples[new]) == 1, triples  # one size per version
    reloadable.version = new
    print(f"\natomic reload: {seen[old]} answers from {old}, {seen[new]} from {new}, "
          f"0 mixed, {len(hammer.failures)} failed")


# --- a full or read-only disk during a build ---------------------------------------------

def namespaces_work() -> bool:
    """Can we make a private mount namespace (user namespaces) to mount a tmpfs or a
    read-only bind mount without touching the host?"""
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=16k t /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# Runs as root of a private user + mount namespace: make STATE read-only or a tiny tmpfs,
# try the build, then check (still inside) that the last good snapshot is intact and answers.
IN_NAMESPACE = """
import hashlib, json, os, shutil, subprocess, sys
from pathlib import Path
mode, tree, state, saved, rolegraph = sys.argv[1:6]
def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}
if mode == "full":
    used = sum(p.stat().st_size for p in Path(saved).rglob("*") if p.is_file())
    size = used + 256 * 1024  # room for the pointer and directories, not for a snapshot
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "rolegraph-full", state],
                   check=True)
    shutil.copytree(saved, state, dirs_exist_ok=True)
else:
    subprocess.run(["mount", "--bind", state, state], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", state, state], check=True)
before = digest(state)
built = subprocess.run([rolegraph, "build", "--source", tree, "--state-dir", state],
                       capture_output=True, text=True)
query = subprocess.run([rolegraph, "query", "ASK { ?s ?p ?o }", "--source", tree,
                        "--state-dir", state], capture_output=True, text=True)
print(json.dumps({"build_code": built.returncode, "build_err": built.stderr,
                  "query_code": query.returncode, "query_out": query.stdout,
                  "query_err": query.stderr, "intact": digest(state) == before,
                  "entries": sorted(os.listdir(Path(state) / "snapshots"))}))
"""


@pytest.fixture(scope="module")
def good_state(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A tree copy with one good snapshot built: (tree, state, snapshot id)."""
    folder = tmp_path_factory.mktemp("disk")
    tree, state = copy_tree(folder / "tree"), folder / "state"
    return tree, state, build(tree, state).snapshot.id


def changed(tree: Path) -> None:
    with (tree / "data" / "settings.ttl").open("a") as handle:
        handle.write(f"\n# changed at {time.time()}: a new snapshot is due\n")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["full", "read-only"])
def test_build_on_a_full_or_read_only_disk_fails_cleanly(
        good_state: tuple[Path, Path, str], mode: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    tree, state, good_id = good_state
    changed(tree)
    before = digest(state)
    if namespaces_work():
        saved = tmp_path / "saved-state"
        shutil.copytree(state, saved)
        script = tmp_path / "in_namespace.py"
        script.write_text(IN_NAMESPACE)
        run = subprocess.run(["unshare", "-rm", sys.executable, str(script), mode, str(tree),
                              str(state), str(saved), ROLEGRAPH],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        outcome = json.loads(run.stdout.strip().splitlines()[-1])
        reason = "No space left on device" if mode == "full" else "Read-only file system"
        assert outcome["build_code"] == 1, outcome
        assert "cannot write snapshot" in outcome["build_err"], outcome
        assert reason in outcome["build_err"] and "Traceback" not in outcome["build_err"]
        assert outcome["intact"], outcome  # not a byte of the last good snapshot changed
        assert outcome["entries"] == [good_id], outcome  # no half-written scratch folder
        assert outcome["query_code"] == 0 and outcome["query_out"].strip() == "true", outcome
        assert f"last good snapshot {good_id}" in outcome["query_err"], outcome
    else:  # last resort (no user namespaces here): the same failure from a test double
        error = OSError(28 if mode == "full" else 30, os.strerror(28 if mode == "full" else 30))

        def refuse(*_: object, **__: object) -> None:
            raise error

        monkeypatch.setattr("rdflib.Graph.serialize", refuse)
        with pytest.raises(BuildError, match="cannot write snapshot"):
            build(tree, state)
        assert sorted(os.listdir(state / "snapshots")) == [good_id]
    assert digest(state) == before  # and, seen from outside, nothing changed either
    current = SnapshotStore(state).current(tree.resolve())
    assert current is not None and current.id == good_id


@pytest.mark.slow
def test_unchanged_inputs_on_a_read_only_state_folder_still_serve(
        good_state: tuple[Path, Path, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Reusing a snapshot rewrites the 'current' pointer; on a read-only folder that must
    cost a warning, not the service."""
    tree, state, _ = good_state
    latest = build(tree, state).snapshot.id  # whatever the tree is now, built and pointed

    def refuse(*_: object, **__: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(SnapshotStore, "point", refuse)
    messages: list[str] = []
    result = build(tree, state, progress=messages.append)
    assert result.reused and result.snapshot.id == latest
    assert any("Read-only file system" in m for m in messages), messages
