"""Work that is not a query is bounded like one (issue 15): a proposal check, a drawing or a
document runs in a killable child with a time limit (query/isolation.py run_in_child); past it
the answer is 503 problem+json with Retry-After and the worker is free for others."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from conftest import LiveServer, start_server
from flask import Flask

from rolegraph.graph.snapshot import Snapshot
from rolegraph.query.cache import ENTRY_OVERHEAD, AnswerCache
from rolegraph.query.isolation import ChildFailed, Overtime, run_in_child
from rolegraph.query.safety import Answer, CachingRunner, InlineRunner, QueryJob
from rolegraph.web import SERVED
from rolegraph.web.app import create_app
from rolegraph.web.diagrams import CHECK_TIMEOUT, RENDER_TIMEOUT
from rolegraph.web.problems import ProblemError

PROBLEM_JSON = "application/problem+json"


# --- the helper ------------------------------------------------------------------------


def test_run_in_child_returns_the_value_and_raises_what_the_work_raises() -> None:
    assert run_in_child(lambda: b"x" * 1_000_000, 30) == b"x" * 1_000_000

    def refuse() -> bytes:
        raise ProblemError(404, "Not Found", "no such model", extra={"suggestions": [1]})

    with pytest.raises(ProblemError) as raised:
        run_in_child(refuse, 30)
    assert raised.value.status == 404 and raised.value.extra == {"suggestions": [1]}
    with pytest.raises(ChildFailed):
        run_in_child(lambda: os._exit(3), 30)


def test_run_in_child_kills_the_work_and_what_it_started_at_the_limit(tmp_path: Path) -> None:
    marker = tmp_path / "started"

    def slow() -> None:  # a helper process that would outlive its parent (as Graphviz)
        subprocess.run([sys.executable, "-c",
                        f"import pathlib, time; pathlib.Path({str(marker)!r}).write_text("
                        "str(__import__('os').getpid())); time.sleep(120)"], check=False)

    started = time.monotonic()
    with pytest.raises(Overtime):
        run_in_child(slow, 3.0)
    assert time.monotonic() - started < 60  # the limit, not the helper's two minutes
    if marker.exists():  # the helper had started: it was killed with its group
        pid = int(marker.read_text())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and alive(pid):
            time.sleep(0.05)  # reaping by init is asynchronous
        assert not alive(pid)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


# --- over HTTP: a proposal check past its limit, with a query answered meanwhile --------------

def many_models(count: int) -> str:
    """A Turtle proposal of `count` empty models (at most 20 are checked): a heavy check."""
    return "@prefix rg: <https://w3id.org/rolegraph/def#> .\n" + "".join(
        f'<https://w3id.org/rolegraph/id/model/m{n}> a rg:ReformModel ; '
        f'<http://www.w3.org/2000/01/rdf-schema#label> "M{n}"@en .\n' for n in range(count))


@pytest.fixture(scope="module")
def bounded_server(snapshot: Snapshot, state_dir: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """2 workers, a proposal check limited to 0.05 s (any check of the shipped graph takes
    longer: pySHACL over the whole graph), no rate limit."""
    log = tmp_path_factory.mktemp("bounded-server") / "server.log"
    saved = {k: os.environ.get(k) for k in ("ROLEGRAPH_VALIDATE_TIMEOUT", "ROLEGRAPH_RATE_LIMIT")}
    os.environ.update(ROLEGRAPH_VALIDATE_TIMEOUT="0.05", ROLEGRAPH_RATE_LIMIT="0")
    try:
        server = start_server(["--state-dir", str(state_dir), "--workers", "2"], log)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield server
    server.stop()


def post(url: str, body: bytes, media: str) -> tuple[int, Message, bytes]:
    """Status, headers (names case-insensitive, as HTTP has them) and body."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": media, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow
def test_a_check_past_its_limit_is_503_while_a_concurrent_query_answers(
        bounded_server: LiveServer) -> None:
    proposal = many_models(20).encode()
    checks: list[tuple[int, Message, bytes]] = []
    lock = threading.Lock()

    def check(path: str) -> None:
        outcome = post(bounded_server.url + path, proposal, "text/turtle")
        with lock:
            checks.append(outcome)

    # more checks than workers, all at once, with queries sent while they are in flight
    threads = [threading.Thread(target=check, args=(path,))
               for path in ("/validate", "/api/validate") * 3]
    for thread in threads:
        thread.start()
    queries = []
    query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    while any(thread.is_alive() for thread in threads) or len(queries) < 5:
        queries.append(get(f"{bounded_server.url}/sparql?query={query}"))
    for thread in threads:
        thread.join(120)

    assert len(checks) == 6
    for status, headers, body in checks:
        assert status == 503, body[:300]
        assert headers["Content-Type"].startswith(PROBLEM_JSON)
        assert int(headers["Retry-After"]) >= 1
        problem = json.loads(body)
        assert problem["type"] == CHECK_TIMEOUT and "time limit" in problem["detail"]
    assert queries and all(status == 200 for status, _ in queries)
    assert all(b'"n"' in body for _, body in queries)
    # the workers are free: pages and queries still answer, and no check child is left over
    assert get(bounded_server.url + "/api/models")[0] == 200
    assert no_check_children_left(bounded_server)


def no_check_children_left(server: LiveServer) -> bool:
    """Each worker keeps exactly its query child; the killed check children are gone."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        workers = children(server.process.pid)
        if all(len(children(worker)) <= 1 for worker in workers):
            return True
        time.sleep(0.1)  # the kill is synchronous; this only waits for ps to agree
    return False


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as found:
            return [int(p) for p in found.read().split()]
    except OSError:
        return []


@pytest.mark.slow
def test_a_malformed_proposal_is_still_a_422_from_the_child(bounded_server: LiveServer) -> None:
    status, headers, body = post(bounded_server.url + "/api/validate", b"@prefix : <",
                                 "text/turtle")
    assert status == 422 and headers["Content-Type"].startswith(PROBLEM_JSON), body[:300]


# --- in process: drawings and checks within their limits, and past them -------------------

@pytest.fixture(scope="module")
def tight_app(snapshot: Snapshot, state_dir: Path) -> Iterator[Flask]:
    """Drawings limited to a millisecond (none can be drawn), no disk cache."""
    app = create_app({"TESTING": True, "STATE_DIR": str(state_dir), "ACCESS_LOG": False,
                      "RENDER_TIMEOUT": 0.001, "RENDER_CACHE_MB": 0, "RATE_LIMIT": 0})
    yield app
    app.extensions[SERVED].runner.close()


@pytest.mark.parametrize("path", [
    "/diagrams/model/current.png", "/roles/iro/card.pdf", "/briefs/current/care-review-2022.pdf",
    "/slides/current.pptx", "/timeline/role/iro.png"])
def test_a_drawing_past_its_limit_is_a_503_problem(tight_app: Flask, path: str) -> None:
    answer = tight_app.test_client().get(path, headers={"Accept": "application/json"})
    assert answer.status_code == 503, answer.data[:300]
    assert answer.mimetype == PROBLEM_JSON and int(answer.headers["Retry-After"]) >= 1
    assert answer.get_json()["type"] == RENDER_TIMEOUT


def test_bad_names_are_refused_before_any_drawing(tight_app: Flask) -> None:
    client = tight_app.test_client()
    assert client.get("/diagrams/model/nowhere.png").status_code == 404
    assert client.get("/roles/nobody/card.pdf").status_code == 404


def test_a_problem_raised_in_the_child_is_answered_as_such(site_app: Flask) -> None:
    answer = site_app.test_client().get("/briefs/current/law@1800-01-01.pdf",
                                        headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.mimetype == PROBLEM_JSON, answer.data[:300]


def test_a_check_within_its_limit_answers_as_before(site_app: Flask) -> None:
    answer = site_app.test_client().post("/api/validate", data=many_models(2),
                                         headers={"Content-Type": "text/turtle"})
    assert answer.status_code == 200, answer.data[:300]
    body: dict[str, Any] = answer.get_json()
    assert body["conforms"] is False and len(body["models"]) == 2


# --- the answer caches: within budget, kept on second sight, invisible to the GC ------------

def test_many_small_answers_stay_within_the_result_cache_budget() -> None:
    """Distinct queries with tiny answers (bench/soak.py) once held several times the
    budget, since only body bytes were counted."""
    budget = 64 * 1024
    cache = CachingRunner(InlineRunner(lambda job: Answer(b"{}", "json")), budget)
    for n in range(5000):
        job = QueryJob(f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o = {n}) }}")
        cache.run(job)
        cache.run(job)  # asked again: now kept
    assert cache.answers.used <= budget
    assert 0 < len(cache.answers) <= budget // ENTRY_OVERHEAD


def test_an_answer_is_kept_on_its_second_asking_not_its_first() -> None:
    calls: list[str] = []

    def work(job: QueryJob) -> Answer:
        calls.append(job.text)
        return Answer(b"{}", "json")

    cache = CachingRunner(InlineRunner(work), 1024 * 1024)
    once, twice = QueryJob("ASK { ?s ?p 1 }"), QueryJob("ASK { ?s ?p 2 }")
    for job in (once, twice, twice, twice, twice):
        cache.run(job)
    assert calls == [once.text, twice.text, twice.text]  # one-off never kept; repeat kept
    assert len(cache.answers) == 1


def test_remembered_answers_are_not_tracked_by_the_garbage_collector() -> None:
    """A full collection over tracked entries paused a worker 40-75 ms (the latency tail)."""
    cache: AnswerCache[tuple[bytes, str]] = AnswerCache(1024 * 1024)
    for n in range(200):
        key = QueryJob(f"ASK {{ ?s ?p {n} }}").key()
        cache.offer(key, (b"{}", "json"), 10)
        cache.offer(key, (b"{}", "json"), 10)
    gc.collect()
    entries = list(cache._entries.items())
    assert len(entries) == 200
    assert not any(gc.is_tracked(key) or gc.is_tracked(value) for key, value in entries)
