"""The access log (web/accesslog.py): one JSON line per request, from the outermost layer, so
answers that never reach Flask are logged like the rest."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from rolegraph.web.accesslog import access_log

ASK = "ASK { ?s ?p ?o }"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append(json.loads(record.getMessage()))


@pytest.fixture
def logged(sparql_graphs: list[Path]) -> Iterator[tuple[Flask, Lines]]:
    from rolegraph.web import SERVED
    from rolegraph.web.app import create_app

    app = create_app({"TESTING": True, "GRAPH_FILES": [str(p) for p in sparql_graphs],
                      "QUERY_ISOLATION": "inline", "RATE_LIMIT": 1.0, "RATE_LIMIT_BURST": 3})
    lines = Lines()
    access_log.addHandler(lines)
    yield app, lines
    access_log.removeHandler(lines)
    app.extensions[SERVED].runner.close()


def test_each_request_is_one_line_with_what_it_was(logged: tuple[Flask, Lines]) -> None:
    app, lines = logged
    client = app.test_client()
    answer = client.get("/sparql", query_string={"query": ASK},
                        headers={"Accept": "application/sparql-results+json"})
    refused = client.get("/sparql", query_string={"query": "DROP ALL"})
    assert len(lines.entries) == 2
    first, second = lines.entries
    assert first["path"] == "/sparql" and first["method"] == "GET"
    assert first["status"] == 200 and first["bytes"] == len(answer.data)
    assert first["type"] == "application/sparql-results+json"
    assert isinstance(first["ms"], float) and first["remote"] == "127.0.0.1"
    assert len(str(first["query_hash"])) == 16 and "refusal" not in first
    assert second["status"] == refused.status_code == 400 and second["refusal"] == "update"
    assert second["query_hash"] != first["query_hash"]


def test_answers_that_never_reach_flask_are_logged(logged: tuple[Flask, Lines]) -> None:
    app, lines = logged
    client = app.test_client()
    for _ in range(4):  # the second asking is kept, the third and fourth are replayed
        client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 1"})
    assert [e.get("cache") for e in lines.entries] == [None, None, "hit", None]
    assert [e["status"] for e in lines.entries] == [200, 200, 200, 429]  # burst of 3
    assert "query_hash" not in lines.entries[3]  # refused before the view ran
    assert client.get("/" + "x" * 20_000).status_code == 414
    assert lines.entries[-1]["status"] == 414 and lines.entries[-1]["path"].startswith("/x")
