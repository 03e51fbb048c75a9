"""Hostile input: schemathesis against /openapi.json, hypothesis fuzzing of SPARQL, Accept
headers and query parameters, entity bombs (RDF/XML, YAML), oversized bodies, path
traversal, and every way we know to make the server open a connection or read a file,
watched by a listener, a canary file's access time and an audit hook in the server."""

from __future__ import annotations

import http.client
import json
import os
import resource
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import schemathesis
from conftest import LiveServer, start_server
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from rolegraph.graph.snapshot import Snapshot

ROLEGRAPH = str(Path(sys.executable).parent / "rolegraph")
TIME_LIMIT = 2.0
LIMIT_KINDS = ("query-timeout", "result-too-large")  # the only 5xx a client may cause


@pytest.fixture(scope="module")
def hostile_app(snapshot: Snapshot, state_dir: Path) -> Iterator[Flask]:
    """The whole service over the built snapshot; no rate limit (the fuzzers are fast)."""
    from rolegraph.web import SERVED
    from rolegraph.web.app import create_app

    app = create_app({"TESTING": True, "STATE_DIR": str(state_dir), "ACCESS_LOG": False,
                      "RATE_LIMIT": 0, "QUERY_TIMEOUT": TIME_LIMIT})
    yield app
    app.extensions[SERVED].runner.close()


@pytest.fixture
def client(hostile_app: Flask) -> FlaskClient:
    return hostile_app.test_client()


def assert_not_our_fault(response: Any, seconds: float) -> None:
    """No 500, no 5xx but the documented limits, and an answer within the time limit."""
    status = response.status_code
    assert status != 500, response.get_data(as_text=True)[:500]
    if status >= 500:
        assert status == 503, status
        assert response.get_json()["type"].endswith(LIMIT_KINDS), response.get_data()
    assert seconds < TIME_LIMIT + 3, f"{seconds:.1f} s"


# --- schemathesis ------------------------------------------------------------------------------

@pytest.mark.slow
def test_api_answers_conform_to_the_openapi_document(hostile_app: Flask) -> None:
    """Every operation in /openapi.json, 30 generated cases each: no 5xx, documented status
    codes and media types, bodies valid against the schemas (schemathesis' checks)."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", hostile_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    cases = 0
    for operation in operations:
        # A proposal or a query is a string whose language the schema cannot describe, so
        # a schema-valid one may still be refused (422 / 400, both documented).
        excluded = ([positive_data_acceptance] if operation.definition.raw.get("operationId")
                    in ("validateProposal", "sparqlQuery") else [])

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            nonlocal cases
            started = time.monotonic()
            # the WSGI transport does not decode gzip/br, as a real client would
            case.call_and_validate(headers={"Accept-Encoding": "identity"},
                                   excluded_checks=excluded)  # noqa: B023 - run at once
            cases += 1
            assert time.monotonic() - started < TIME_LIMIT + 3

        check()
    print(f"\nschemathesis: {len(operations)} operations, {cases} cases")


# --- hypothesis fuzzing -------------------------------------------------------------------------

TOKENS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "*", "{", "}", "(", ")", ".", ";",
          ",", "?s", "?p", "?o", "?x", "a", "FROM", "NAMED", "SERVICE", "SILENT", "GRAPH",
          "OPTIONAL", "UNION", "MINUS", "FILTER", "NOT", "EXISTS", "BIND", "AS", "VALUES",
          "LIMIT", "OFFSET", "ORDER", "BY", "GROUP", "COUNT", "REGEX", "STR", "LANG", "1",
          '"x"', '"a"@en', "<http://127.0.0.1:9/>", "<file:///etc/passwd>", "rg:Role",
          "PREFIX", "rg:", "<https://w3id.org/rolegraph/def#>", "BASE", "LOAD", "INSERT",
          "DATA", "DELETE", "CLEAR", "DROP", "+", "*", "/", "|", "^", "!", "?", "=", "&&",
          "||", "#", "\n", "'''", '"""', "\\", "\x00", "é", "𝄞"]
sparql_like = st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join)
queries = st.one_of(st.text(max_size=300), sparql_like)
MEDIA = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
         "text/tab-separated-values", "text/turtle", "application/ld+json", "text/html",
         "application/n-triples", "application/rdf+xml", "*/*", "text/*", "image/png",
         "application/json", "", ";", ",", "q=0", "*/*;q=0"]
accept_headers = st.one_of(
    st.lists(st.tuples(st.sampled_from(MEDIA), st.one_of(st.none(), st.floats(-1, 2))),
             max_size=5).map(lambda parts: ", ".join(
                 m if q is None else f"{m};q={q:.3f}" for m, q in parts)),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=100))
params = st.dictionaries(
    st.sampled_from(["query", "format", "default-graph-uri", "named-graph-uri", "update",
                     "a", "b", "role", "setting", "model", "compare", "iri", "run", "x"]),
    st.one_of(st.text(max_size=60), st.sampled_from(
        ["current", "iro", "care-review-2022", "json", "turtle", "csv", "../etc/passwd",
         "file:///etc/passwd", "http://127.0.0.1:9/", "ASK {}", "%00", "-"])),
    max_size=5)
PATHS = ["/sparql", "/coverage", "/diff", "/api/coverage", "/api/diff", "/query", "/around",
         "/diagrams/model/current.svg", "/roles/iro/card", "/models/current", "/provisions",
         "/id/role/iro", "/queries/who-does-what-today", "/api/models/current", "/"]
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@FUZZ
@given(text=queries, method=st.sampled_from(["get", "form", "direct"]))
def test_fuzzed_sparql_text_is_never_our_fault(client: FlaskClient, text: str,
                                               method: str) -> None:
    started = time.monotonic()
    if method == "get":
        response = client.get("/sparql", query_string={"query": text})
    elif method == "form":
        response = client.post("/sparql", data={"query": text})
    else:
        response = client.post("/sparql", data=text.encode("utf-8", "surrogatepass"),
                               content_type="application/sparql-query")
    assert_not_our_fault(response, time.monotonic() - started)
    assert response.status_code in (200, 400, 406, 503), response.status_code


@pytest.mark.slow
@FUZZ
@given(accept=accept_headers, path=st.sampled_from(
    ["/sparql?query=ASK%7B%7D", "/sparql?query=CONSTRUCT+WHERE+%7B%3Fs+%3Fp+%3Fo%7D+LIMIT+1",
     "/sparql", "/id/role/iro", "/coverage", "/models", "/def", "/.well-known/void",
     "/diff?a=current&b=care-review-2022", "/queries/who-does-what-today"]))
def test_fuzzed_accept_headers_are_never_our_fault(client: FlaskClient, accept: str,
                                                   path: str) -> None:
    started = time.monotonic()
    response = client.get(path, headers={"Accept": accept})
    assert_not_our_fault(response, time.monotonic() - started)
    # VoID sends a browser on to /data/ (303), as /id/model/law-DATE does
    allowed = (200, 303, 406) if path == "/.well-known/void" else (200, 406)
    assert response.status_code in allowed, (response.status_code, accept)


@pytest.mark.slow
@FUZZ
@given(path=st.sampled_from(PATHS), query=params)
def test_fuzzed_query_parameters_are_never_our_fault(client: FlaskClient, path: str,
                                                     query: dict[str, str]) -> None:
    started = time.monotonic()
    response = client.get(path, query_string=query)
    assert_not_our_fault(response, time.monotonic() - started)
    assert response.status_code < 500 or response.status_code == 503


# --- entity bombs: RDF/XML to --graph, YAML/JSON to /validate ------------------------------

def billion_laughs_xml(levels: int = 9) -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(entities) + "\n]>\n"
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="http://example.org/">\n<rdf:Description rdf:about="http://example.org/s">'
            f"<ex:p>&lol{levels};</ex:p></rdf:Description>\n</rdf:RDF>\n")


def xxe_xml(target: str) -> str:
    return ('<?xml version="1.0"?>\n'
            f'<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "{target}"> ]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="http://example.org/">\n<rdf:Description rdf:about="http://example.org/s">'
            "<ex:p>&x;</ex:p></rdf:Description>\n</rdf:RDF>\n")


YAML_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


@pytest.fixture
def canary(tmp_path: Path) -> Iterator[Path]:
    """A file no request may read: its access time is set far back, so a read moves it."""
    path = tmp_path / "canary-secret.txt"
    path.write_text("CANARY-4f1c0de secret\n")
    old = time.time() - 3 * 86400
    os.utime(path, (old, time.time()))  # atime before mtime: relatime updates on any read
    yield path


def was_read(path: Path) -> bool:
    return path.stat().st_atime > time.time() - 86400


def serve_once(args: list[str], env: dict[str, str], seconds: float = 60
               ) -> tuple[int, str, float]:
    """Run `rolegraph serve ARGS` to its exit (refused inputs end it): exit code, output,
    and the peak RSS in MB of the process (getrusage of a fresh parent)."""
    measure = ("import resource, subprocess, sys\n"
               "run = subprocess.run(sys.argv[1:], capture_output=True, text=True, "
               f"timeout={seconds})\n"
               "print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "print(run.stdout + run.stderr)\n")
    done = subprocess.run([sys.executable, "-c", measure, ROLEGRAPH, "serve", *args],
                          capture_output=True, text=True, timeout=seconds + 30,
                          env={**os.environ, **env})
    first, _, rest = done.stdout.partition("\n")
    code, peak_kb = first.split()
    return int(code), rest, int(peak_kb) / 1024


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["billion-laughs", "xxe-file", "xxe-http"])
def test_rdfxml_entity_attacks_on_graph_are_refused(tmp_path: Path, canary: Path,
                                                    kind: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        text = {"billion-laughs": billion_laughs_xml(),
                "xxe-file": xxe_xml(canary.as_uri()),
                "xxe-http": xxe_xml(f"http://127.0.0.1:{listener.getsockname()[1]}/x")}[kind]
        bomb = tmp_path / "evil.rdf"
        bomb.write_text(text)
        audit = tmp_path / "audit.log"
        code, output, peak_mb = serve_once(["--graph", str(bomb), "--port", "1"],
                                           {"ROLEGRAPH_AUDIT_LOG": str(audit)})
        assert code == 1 and "refused" in output, output
        assert peak_mb < 400, f"{peak_mb:.0f} MB"  # a started server is ~80 MB
        assert not select.select([listener], [], [], 0)[0], "a connection was made"
    assert not was_read(canary)
    assert canary.name not in audit.read_text()
    print(f"\n{kind}: refused, peak RSS {peak_mb:.0f} MB")


def test_flat_rdfxml_entities_still_load(tmp_path: Path) -> None:
    """Namespace abbreviations (as Protégé writes them) are not bombs."""
    from rolegraph.query.engine import Engine

    data = tmp_path / "ok.rdf"
    data.write_text('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
                    '  <!ENTITY ex "http://example.org/" >\n]>\n'
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                    'xmlns:ex="http://example.org/">\n'
                    '<rdf:Description rdf:about="&ex;s"><ex:p>o</ex:p></rdf:Description>\n'
                    "</rdf:RDF>\n")
    engine = Engine.from_files([data])
    assert engine.select("SELECT ?s { ?s ?p ?o }") == [{"s": "http://example.org/s"}]


@pytest.mark.parametrize(("body", "media"), [
    (YAML_BOMB + "slug: bomb\n", "application/yaml"),
    ("[" * 30_000 + "]" * 30_000, "application/json"),
    ('{"a":' * 20_000 + "1" + "}" * 20_000, "application/json"),
    ("@prefix ex: <http://example.org/> . ex:s ex:p " + "[ ex:p " * 20_000 + "1" + " ]" * 20_000
     + " .", "text/turtle"),
], ids=["yaml-alias-bomb", "json-deep-array", "json-deep-object", "turtle-deep-nesting"])
def test_proposal_bombs_are_refused_quickly(client: FlaskClient, body: str, media: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    response = client.post("/validate", data=body.encode(), content_type=media,
                           headers={"Accept": "application/json"})
    seconds = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert seconds < 5 and grown_mb < 200, (seconds, grown_mb)


@pytest.mark.parametrize("kind", ["body", "multipart"])
def test_rdfxml_proposals_are_not_parsed_as_xml(client: FlaskClient, canary: Path,
                                                kind: str) -> None:
    evil = xxe_xml(canary.as_uri())
    if kind == "body":
        response = client.post("/validate", data=evil, content_type="application/rdf+xml")
        assert response.status_code == 415
    else:
        from io import BytesIO
        response = client.post("/validate", data={"proposal": (BytesIO(evil.encode()),
                                                               "p.rdf")},
                               headers={"Accept": "application/json"})
        assert response.status_code == 422  # read as YAML: not a mapping
    assert not was_read(canary)


# --- oversized bodies --------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "media", "size"), [
    ("/sparql", "application/x-www-form-urlencoded", 2 * 1024 * 1024),
    ("/sparql", "application/sparql-query", 2 * 1024 * 1024),
    ("/validate", "text/turtle", 300 * 1024),
    ("/api/validate", "application/yaml", 300 * 1024),
])
def test_oversized_bodies_are_413(client: FlaskClient, path: str, media: str,
                                  size: int) -> None:
    body = b"query=" + b"a" * size if media.endswith("urlencoded") else b"#" * size
    response = client.post(path, data=body, content_type=media)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


# --- the live server: traversal, chunked bodies, no outbound connections, no file reads ------

@pytest.fixture(scope="module")
def audited(snapshot: Snapshot, state_dir: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    """A real server over the snapshot with the audit hook on, FROM/*-graph-uri of unknown
    graphs read as empty (the most permissive setting), and the rate limit exempting us."""
    folder = tmp_path_factory.mktemp("audited")
    audit = folder / "audit.log"
    extra = {"ROLEGRAPH_AUDIT_LOG": str(audit), "ROLEGRAPH_UNKNOWN_GRAPHS": '"empty"',
             "ROLEGRAPH_RATE_LIMIT_EXEMPT": '["127.0.0.1"]'}
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        server = start_server(["--state-dir", str(state_dir), "--workers", "2"],
                              folder / "server.log")
    finally:
        for key, value in saved.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value
    yield server, audit
    server.stop()


def raw_get(server: LiveServer, path: str) -> tuple[int, bytes]:
    """GET a path exactly as written (no client-side normalisation of .. or %2e)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


TRAVERSALS = [
    "/id/role/../../../../etc/passwd", "/id/role/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/id/role/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/id/role/..%252f..%252fetc%252fpasswd",
    "/id/..%2f..%2f/passwd", "/id/role/..\\..\\..\\etc\\passwd", "/id/role/%c0%ae%c0%ae%2fetc",
    "/id/role/%ef%bc%8e%ef%bc%8e%ef%bc%8fetc", "/id/role/iro%00.ttl", "/id/role/{canary}",
    "/diagrams/model/..%2f..%2f..%2fetc%2fpasswd.svg", "/diagrams/model/../../etc/passwd",
    "/diagrams/model/%2e%2e%2f%2e%2e%2f{canary_name}.dot", "/diagrams/model/current.svg%00.png",
    "/diagrams/model/current.svg?role=..%2f..%2fetc", "/roles/..%2f..%2fetc%2fpasswd/card",
    "/static/../../../../etc/passwd", "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e/%2e%2e/app.py", "/legislation/..%2f..%2f..%2fetc%2fpasswd",
    "/legislation/../../../../etc/passwd.ttl", "/queries/..%2f..%2fapp.py",
    "/id/role/" + "%2e%2e%2f" * 20 + "etc/passwd", "//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
]


@pytest.mark.slow
def test_path_traversal_reads_no_file(audited: tuple[LiveServer, Path], canary: Path) -> None:
    server, audit = audited
    tried = 0
    for template in TRAVERSALS:
        path = template.format(canary=quote(str(canary), safe=""),
                               canary_name=quote(canary.stem, safe=""))
        status, body = raw_get(server, path)
        tried += 1
        assert status in (301, 308, 400, 404), (path, status, body[:200])
        assert b"root:x:0:0" not in body and b"CANARY" not in body, path
    assert not was_read(canary)
    assert canary.name not in audit.read_text()
    print(f"\npath traversal: {tried} paths, none answered with a file")


@pytest.mark.slow
def test_chunked_oversized_body_is_413(audited: tuple[LiveServer, Path]) -> None:
    server, _ = audited

    def chunks() -> Iterator[bytes]:
        yield b"query="
        for _ in range(64):
            yield b"a" * 32 * 1024  # 2 MiB in all, no Content-Length

    response = requests.post(server.url + "/sparql", data=chunks(), timeout=30,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


@pytest.mark.slow
def test_overlong_url_is_refused(audited: tuple[LiveServer, Path]) -> None:
    server, _ = audited
    response = requests.get(server.url + "/sparql", params={"query": "#" * 20_000}, timeout=30)
    assert response.status_code == 414
    assert response.json()["type"].endswith("request-too-large")
    # within the limit, a long query is read (and, being only a comment, is malformed)
    response = requests.get(server.url + "/sparql", params={"query": "#" * 4_000}, timeout=30)
    assert response.status_code == 400  # 12,000 bytes once percent-encoded


# Each template is formatted with {port} (a local listener) and {canary} (a file URI).
OUTBOUND = [
    "SELECT * {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE <{canary}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ BIND(<http://127.0.0.1:{port}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * FROM <http://127.0.0.1:{port}/data.ttl> {{ ?s ?p ?o }}",
    "SELECT * FROM <{canary}> {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <http://127.0.0.1:{port}/g> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * FROM NAMED <{canary}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * {{ GRAPH <http://127.0.0.1:{port}/g> {{ ?s ?p ?o }} }}",
    "SELECT * {{ GRAPH <{canary}> {{ ?s ?p ?o }} }}",
    "LOAD <http://127.0.0.1:{port}/data.ttl>",
    "LOAD <{canary}> INTO GRAPH <urn:g>",
    "DESCRIBE <{canary}>",
    "DESCRIBE <http://127.0.0.1:{port}/thing>",
    "SELECT * {{ <{canary}> ?p ?o }}",
    "SELECT (<http://127.0.0.1:{port}/fn>(1) AS ?x) {{}}",
    "SELECT (<{canary}>(1) AS ?x) {{}}",
    "PREFIX f: <http://127.0.0.1:{port}/> SELECT (f:load(\"{canary}\") AS ?x) {{}}",
    "SELECT (IRI(\"{canary}\") AS ?i) (STR(<http://127.0.0.1:{port}/>) AS ?s) {{}}",
    "BASE <{canary}> SELECT * FROM <> {{ ?s ?p ?o }}",
    "BASE <http://127.0.0.1:{port}/> SELECT * FROM <x> {{ ?s ?p ?o }}",
    "SELECT * {{ ?s ?p ?o FILTER EXISTS {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{}} }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} FROM <http://127.0.0.1:{port}/x> WHERE {{ ?s ?p ?o }}",
]
# protocol dataset parameters: (default-graph-uri, named-graph-uri)
DATASETS = [("http://127.0.0.1:{port}/d", None), ("{canary}", None),
            (None, "http://127.0.0.1:{port}/n"), (None, "{canary}")]
PROPOSAL = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rg: <https://w3id.org/rolegraph/def#> .
@base <{canary}> .
<http://127.0.0.1:{port}/onto> a owl:Ontology ; owl:imports <http://127.0.0.1:{port}/x>,
    <{canary}> .
<https://w3id.org/rolegraph/id/model/evil> a rg:ReformModel ; rg:includesRole <> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "evil"@en ; rg:status "proposed" .
"""


@pytest.mark.slow
def test_no_request_opens_a_connection_or_reads_a_file(audited: tuple[LiveServer, Path],
                                                       canary: Path) -> None:
    server, audit = audited
    assert "open" in audit.read_text()  # the hook works: it saw the server start
    url = server.url + "/sparql"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        fill = {"port": listener.getsockname()[1], "canary": canary.as_uri()}
        tried: dict[int, int] = {}
        for template in OUTBOUND:
            query = template.format(**fill)
            for response in (requests.get(url, params={"query": query}, timeout=30),
                             requests.post(url, data={"query": query}, timeout=30),
                             requests.get(server.url + "/query", timeout=30,
                                          params={"query": query, "run": "1"})):
                tried[response.status_code] = tried.get(response.status_code, 0) + 1
                assert response.status_code in (200, 400), (query, response.text[:300])
        for default, named in DATASETS:
            params = {"query": "SELECT * { ?s ?p ?o } LIMIT 1"}
            if default:
                params["default-graph-uri"] = default.format(**fill)
            if named:
                params["named-graph-uri"] = named.format(**fill)
            response = requests.get(url, params=params, timeout=30)
            tried[response.status_code] = tried.get(response.status_code, 0) + 1
            assert response.status_code in (200, 400), (params, response.text[:300])
        response = requests.post(server.url + "/validate", data=PROPOSAL.format(**fill),
                                 headers={"Content-Type": "text/turtle",
                                          "Accept": "application/json"}, timeout=60)
        tried[response.status_code] = tried.get(response.status_code, 0) + 1
        assert response.status_code in (200, 422), response.text[:300]
        waiting, _, _ = select.select([listener], [], [], 0.5)
        assert not waiting, "the server connected to the listener"
    log = audit.read_text()
    assert canary.name not in log, [line for line in log.splitlines() if canary.name in line]
    assert f":{fill['port']}" not in log and f", {fill['port']})" not in log
    assert not was_read(canary)
    canary.read_text()  # the control: our own read does move the access time
    assert was_read(canary)
    total = sum(tried.values())
    print(f"\noutbound/file: {total} requests ({json.dumps(tried)}), 0 connections, 0 reads")
