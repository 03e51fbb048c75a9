"""The per-address rate limit on /sparql, /query and /validate (ratelimit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from conftest import start_server
from flask import Flask

from rolegraph.web.ratelimit import TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)  # one token every 1/rate s
    assert buckets.take("b") == 0.0  # addresses are separate
    clock.now = 0.5
    assert buckets.take("a") == 0.0


def test_address_table_is_bounded() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1, clock=Clock(), max_keys=100)
    for n in range(1000):
        buckets.take(f"10.0.{n // 256}.{n % 256}")
    assert len(buckets) == 100


@pytest.fixture(scope="module")
def limited_app(sparql_graphs: list[Path]) -> Iterator[Flask]:
    from rolegraph.web import SERVED
    from rolegraph.web.app import create_app

    app = create_app({"TESTING": True, "GRAPH_FILES": [str(p) for p in sparql_graphs],
                      "ACCESS_LOG": False, "RATE_LIMIT": 1.0, "RATE_LIMIT_BURST": 5,
                      "RATE_LIMIT_EXEMPT": ["10.9.9.9"], "RATE_LIMIT_PROXY_HOPS": 0})
    yield app
    app.extensions[SERVED].runner.close()


def test_over_the_limit_is_429_with_retry_after(limited_app: Flask) -> None:
    client = limited_app.test_client()
    env = {"REMOTE_ADDR": "192.0.2.1"}
    codes = [client.get("/sparql", query_string={"query": "ASK {}"},
                        environ_overrides=env).status_code for _ in range(5)]
    assert codes == [200] * 5
    refused = client.post("/sparql", data={"query": "ASK {}"}, environ_overrides=env)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["type"].endswith("rate-limited")
    assert int(refused.headers["Retry-After"]) >= 1
    # another address, an exempt one, and the pages are not limited
    assert client.get("/sparql", query_string={"query": "ASK {}"},
                      environ_overrides={"REMOTE_ADDR": "192.0.2.2"}).status_code == 200
    for _ in range(10):
        assert client.get("/sparql", query_string={"query": "ASK {}"},
                          environ_overrides={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200
        assert client.get("/health", environ_overrides=env).status_code == 200


def test_rate_limit_can_be_switched_off(sparql_graphs: list[Path]) -> None:
    from rolegraph.web.app import create_app
    from rolegraph.web.ratelimit import RateLimit

    app = create_app({"TESTING": True, "GRAPH_FILES": [str(p) for p in sparql_graphs],
                      "ACCESS_LOG": False, "RATE_LIMIT": 0, "QUERY_ISOLATION": "inline"})
    assert not isinstance(app.wsgi_app, RateLimit)


@pytest.mark.slow
def test_live_server_limits_by_environment(sparql_graphs: list[Path], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLEGRAPH_RATE_LIMIT", "2")
    monkeypatch.setenv("ROLEGRAPH_RATE_LIMIT_BURST", "3")
    server = start_server([*(a for p in sparql_graphs for a in ("--graph", str(p))),
                           "--workers", "1"], tmp_path / "server.log")
    try:
        codes = [requests.get(server.url + "/sparql", params={"query": f"ASK {{}} # {n}"},
                              timeout=10).status_code for n in range(6)]
        assert codes[:3] == [200, 200, 200] and 429 in codes[3:], codes
    finally:
        server.stop()


@contextmanager
def files_app(sparql_graphs: list[Path], **limits: float) -> Iterator[Flask]:
    """The service over --graph files (no snapshot: pages 503) with these limits."""
    from rolegraph.web import SERVED
    from rolegraph.web.app import create_app

    app = create_app({"TESTING": True, "GRAPH_FILES": [str(p) for p in sparql_graphs],
                      "ACCESS_LOG": False, "QUERY_ISOLATION": "inline", **limits})
    try:
        yield app
    finally:
        app.extensions[SERVED].runner.close()


def test_proposal_checks_have_their_own_lower_limit(sparql_graphs: list[Path]) -> None:
    with files_app(sparql_graphs, VALIDATE_RATE_LIMIT=0.1, VALIDATE_RATE_LIMIT_BURST=2) as app:
        client = app.test_client()
        env = {"REMOTE_ADDR": "192.0.2.9"}
        codes = [client.post("/validate", data="x", content_type="text/turtle",
                             environ_overrides=env).status_code for _ in range(3)]
        assert codes[:2] != [429, 429] and codes[2] == 429, codes  # 503: no snapshot here
        assert int(client.post("/api/validate", data="x", content_type="text/turtle",
                               environ_overrides=env).headers["Retry-After"]) >= 9
        # queries from the same address keep their own, larger budget
        assert client.get("/sparql", query_string={"query": "ASK {}"},
                          environ_overrides=env).status_code == 200


def test_diagrams_and_cards_have_their_own_limit(sparql_graphs: list[Path]) -> None:
    with files_app(sparql_graphs, DRAW_RATE_LIMIT=0.1, DRAW_RATE_LIMIT_BURST=2) as app:
        client = app.test_client()
        env = {"REMOTE_ADDR": "192.0.2.10"}
        paths = ["/diagrams/model/current.svg", "/roles/iro/card", "/diagrams/model/x.png"]
        codes = [client.get(path, environ_overrides=env).status_code for path in paths]
        assert 429 not in codes[:2] and codes[2] == 429, codes  # 503: no snapshot here
        assert client.get("/sparql", query_string={"query": "ASK {}"},
                          environ_overrides=env).status_code == 200
        assert client.get("/diagrams/model/current.svg",
                          environ_overrides={"REMOTE_ADDR": "192.0.2.11"}).status_code != 429
