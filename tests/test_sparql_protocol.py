"""/sparql through Flask's test client: protocol variants, negotiation, errors, caching."""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any

import brotli
import pyoxigraph as ox
import pytest
from conftest import EXTRA_GRAPH
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from werkzeug.test import TestResponse

RG = "PREFIX rg: <https://w3id.org/rolegraph/def#> "
LOOKUP = RG + """SELECT ?role ?basis WHERE {
  ?a rg:model <https://w3id.org/rolegraph/id/model/current> ;
     rg:function <https://w3id.org/rolegraph/id/function/refer-to-cafcass> ; rg:role ?role .
  OPTIONAL { ?a rg:basis ?basis } }"""
IRO = "https://w3id.org/rolegraph/id/role/iro"
SECTION_25B = "http://www.legislation.gov.uk/id/ukpga/1989/41/section/25B"
CONSTRUCT = RG + "CONSTRUCT { ?a rg:role ?r } WHERE { ?a rg:role ?r }"
PROBLEM = "application/problem+json"


def rows(response: TestResponse) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = json.loads(response.get_data())
    return [{k: v["value"] for k, v in b.items()} for b in body["results"]["bindings"]]


def problem(response: TestResponse, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = json.loads(response.get_data())
    assert body["status"] == status
    assert body["type"].endswith("/" + kind)
    return body


# --- the three ways to send a query ----------------------------------------------------

def test_get_answers_lookup_as_json_by_default(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": LOOKUP})
    assert response.mimetype == "application/sparql-results+json"
    assert rows(response) == [{"role": IRO, "basis": SECTION_25B}]


def test_post_form_answers(sparql_client: FlaskClient) -> None:
    response = sparql_client.post("/sparql", data={"query": LOOKUP})
    assert rows(response) == [{"role": IRO, "basis": SECTION_25B}]


def test_post_direct_answers(sparql_client: FlaskClient) -> None:
    response = sparql_client.post("/sparql", data=LOOKUP.encode(),
                                  content_type="application/sparql-query; charset=utf-8")
    assert rows(response) == [{"role": IRO, "basis": SECTION_25B}]


def test_form_body_keeps_percent_signs_literal(sparql_client: FlaskClient) -> None:
    # rdflib-endpoint decodes form bodies twice: "100%41" came back as "100A"
    response = sparql_client.post("/sparql", data={"query": 'SELECT ("100%41" AS ?x) {}'})
    assert rows(response) == [{"x": "100%41"}]


def test_ask_answers_boolean(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert json.loads(response.get_data()) == {"head": {}, "boolean": True}


# --- content negotiation ---------------------------------------------------------------

@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_formats_follow_accept(sparql_client: FlaskClient, accept: str,
                                      media_type: str) -> None:
    response = sparql_client.get("/sparql", query_string={"query": LOOKUP},
                                 headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]


def test_csv_answer_parses_back(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": LOOKUP, "format": "csv"})
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert table == [{"role": IRO, "basis": SECTION_25B}]


def parsed_triples(response: TestResponse) -> list[ox.Triple]:
    """Parse an RDF answer back by its media type (pyoxigraph: rdflib's JSON-LD parser
    warns about its own ConjunctiveGraph)."""
    fmt = ox.RdfFormat.from_media_type(response.mimetype)
    assert fmt is not None
    return [quad.triple for quad in ox.parse(response.get_data(), format=fmt)]


@pytest.mark.parametrize(("accept", "media_type"), [
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("*/*", "text/turtle"),
])
def test_construct_formats_follow_accept(sparql_client: FlaskClient, accept: str,
                                         media_type: str) -> None:
    response = sparql_client.get("/sparql", query_string={"query": CONSTRUCT},
                                 headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    triples = parsed_triples(response)
    assert len(triples) == 3
    assert ox.NamedNode(IRO) in {t.object for t in triples}


def test_format_parameter_overrides_accept(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": LOOKUP, "format": "tsv"},
                                 headers={"Accept": "application/sparql-results+xml"})
    assert response.mimetype == "text/tab-separated-values"


def test_format_parameter_picks_graph_format(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": CONSTRUCT, "format": "nt"})
    assert response.mimetype == "application/n-triples"


def test_nothing_acceptable_is_406_problem(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": LOOKUP},
                                 headers={"Accept": "image/png"})
    problem(response, 406, "not-acceptable")


def test_graph_format_for_select_is_406(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": LOOKUP, "format": "turtle"})
    problem(response, 406, "not-acceptable")


def test_unknown_format_parameter_is_406(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": LOOKUP, "format": "yaml"})
    problem(response, 406, "not-acceptable")


# --- dataset ---------------------------------------------------------------------------

def test_default_graph_is_not_the_union_of_named_graphs(sparql_client: FlaskClient) -> None:
    query = "ASK { ?s <http://www.w3.org/2000/01/rdf-schema#label> \"advocate\"@en }"
    response = sparql_client.get("/sparql", query_string={"query": query})
    assert json.loads(response.get_data())["boolean"] is False


def test_named_graph_uri_restricts_the_dataset(sparql_client: FlaskClient) -> None:
    query = "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    response = sparql_client.get("/sparql", query_string={"query": query,
                                                          "named-graph-uri": EXTRA_GRAPH})
    assert rows(response) == [{"g": EXTRA_GRAPH, "n": "1"}]


def test_default_graph_uri_makes_named_graph_the_default(sparql_client: FlaskClient) -> None:
    query = "SELECT ?o { ?s ?p ?o }"
    response = sparql_client.get("/sparql", query_string={"query": query,
                                                          "default-graph-uri": EXTRA_GRAPH})
    assert rows(response) == [{"o": "advocate"}]


def test_graph_uri_outside_the_dataset_is_refused(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={
        "query": "ASK {}", "default-graph-uri": "http://example.org/elsewhere"})
    body = problem(response, 400, "dataset-refused")
    assert "http://example.org/elsewhere" in body["detail"]


def test_from_a_served_graph_is_allowed(sparql_client: FlaskClient) -> None:
    query = f"SELECT ?o FROM <{EXTRA_GRAPH}> {{ ?s ?p ?o }}"
    assert rows(sparql_client.get("/sparql", query_string={"query": query})) == [
        {"o": "advocate"}]


# --- refusals and errors ---------------------------------------------------------------

@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>", "CLEAR ALL", "CREATE GRAPH <urn:g>",
    "DROP DEFAULT", "COPY DEFAULT TO <urn:g>", "MOVE DEFAULT TO <urn:g>",
    "ADD DEFAULT TO <urn:g>",
])
def test_update_as_query_is_refused(sparql_client: FlaskClient, update: str) -> None:
    problem(sparql_client.post("/sparql", data={"query": update}), 400, "update-refused")


def test_update_parameter_is_refused(sparql_client: FlaskClient) -> None:
    problem(sparql_client.post("/sparql", data={"update": "CLEAR ALL"}), 400,
            "update-refused")
    problem(sparql_client.get("/sparql", query_string={"update": "CLEAR ALL"}), 400,
            "update-refused")


def test_sparql_update_body_is_refused(sparql_client: FlaskClient) -> None:
    response = sparql_client.post("/sparql", data=b"CLEAR ALL",
                                  content_type="application/sparql-update")
    problem(response, 400, "update-refused")


def test_service_is_refused(sparql_client: FlaskClient) -> None:
    query = "SELECT * { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }"
    problem(sparql_client.get("/sparql", query_string={"query": query}), 400,
            "service-refused")


def test_from_outside_the_dataset_is_refused(sparql_client: FlaskClient) -> None:
    query = "PREFIX ex: <http://example.org/> SELECT * FROM ex:remote { ?s ?p ?o }"
    body = problem(sparql_client.get("/sparql", query_string={"query": query}), 400,
                   "dataset-refused")
    assert "http://example.org/remote" in body["detail"]


def test_malformed_query_names_the_position(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": "SELECT * WHERE {\n ?s ?p }"})
    body = problem(response, 400, "malformed-query")
    assert (body["line"], body["column"]) == (2, 9)
    assert "expected" in body["detail"]


def test_two_query_parameters_are_400(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    problem(response, 400, "protocol-error")


def test_post_without_content_type_is_400(sparql_client: FlaskClient) -> None:
    response = sparql_client.post("/sparql", data=b"ASK {}", headers={"Content-Type": ""})
    assert response.status_code == 400


def test_post_with_other_media_type_is_415(sparql_client: FlaskClient) -> None:
    response = sparql_client.post("/sparql", data=b"ASK {}", content_type="text/plain")
    problem(response, 415, "protocol-error")


def test_non_utf8_body_is_400(sparql_client: FlaskClient) -> None:
    response = sparql_client.post("/sparql", data="ASK {}".encode("utf-16"),
                                  content_type="application/sparql-query; charset=UTF-16")
    problem(response, 400, "protocol-error")


def test_invalid_utf8_bytes_are_400(sparql_client: FlaskClient) -> None:
    response = sparql_client.post("/sparql", data=b"ASK { \xff }",
                                  content_type="application/sparql-query")
    problem(response, 400, "protocol-error")


def test_oversized_body_is_413(sparql_client: FlaskClient) -> None:
    query = "ASK {} #" + "x" * (2 * 1024 * 1024)
    response = sparql_client.post("/sparql", data=query.encode(),
                                  content_type="application/sparql-query")
    problem(response, 413, "request-too-large")


def test_other_methods_are_405_problem(sparql_client: FlaskClient) -> None:
    response = sparql_client.put("/sparql", data=b"ASK {}")
    assert response.status_code == 405
    assert response.mimetype == PROBLEM
    assert "GET" in response.headers["Allow"]


def test_result_row_cap_is_503_problem(sparql_app: Any, sparql_client: FlaskClient) -> None:
    sparql_app.config["MAX_ROWS"] = 3
    try:
        response = sparql_client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"},
                                     headers={"Cache-Control": "no-cache"})  # not a cached 200
        body = problem(response, 503, "result-too-large")
        assert "LIMIT" in body["detail"]
        capped = sparql_client.get("/sparql", query_string={
            "query": "SELECT * { ?s ?p ?o } LIMIT 3"})
        assert len(rows(capped)) == 3
    finally:
        sparql_app.config["MAX_ROWS"] = 100_000


# --- HTTP manners ----------------------------------------------------------------------

def test_etag_gives_304_on_if_none_match(sparql_client: FlaskClient) -> None:
    first = sparql_client.get("/sparql", query_string={"query": LOOKUP})
    tag = first.headers["ETag"]
    assert tag.startswith('"files-')
    assert "max-age" in first.headers["Cache-Control"]
    again = sparql_client.get("/sparql", query_string={"query": LOOKUP},
                              headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_etag_differs_by_format(sparql_client: FlaskClient) -> None:
    json_tag = sparql_client.get("/sparql", query_string={"query": LOOKUP}).headers["ETag"]
    csv_tag = sparql_client.get("/sparql", query_string={"query": LOOKUP, "format": "csv"}
                                ).headers["ETag"]
    assert json_tag != csv_tag


def test_compressed_etag_still_gives_304(sparql_client: FlaskClient) -> None:
    big = "SELECT * { ?s ?p ?o }"
    first = sparql_client.get("/sparql", query_string={"query": big},
                              headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(first.get_data()))["results"]["bindings"]
    again = sparql_client.get("/sparql", query_string={"query": big},
                              headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_brotli_compression(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"},
                                 headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert json.loads(brotli.decompress(response.get_data()))["head"]["vars"]


def test_post_answers_are_not_cached(sparql_client: FlaskClient) -> None:
    response = sparql_client.post("/sparql", data={"query": LOOKUP})
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_cors_allows_any_origin_without_credentials(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", query_string={"query": "ASK {}"},
                                 headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_preflight(sparql_client: FlaskClient) -> None:
    response = sparql_client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert response.status_code == 200
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


# --- descriptions and operations -------------------------------------------------------

def test_service_description_in_turtle(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(), format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = URIRef("http://localhost/sparql")
    assert (endpoint, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in graph
    assert (None, URIRef(sd + "name"), URIRef(EXTRA_GRAPH)) in graph
    assert (None, None, URIRef(sd + "UnionDefaultGraph")) not in graph


def test_service_description_by_accept(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert len(parsed_triples(response)) > 5


def test_browser_gets_a_query_page(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/sparql", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    assert b"<form" in response.get_data()


def test_void_describes_the_dataset(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/.well-known/void")
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(), format="turtle")
    void = "http://rdfs.org/ns/void#"
    assert (None, URIRef(void + "sparqlEndpoint"), URIRef("http://localhost/sparql")) in graph
    (triples,) = graph.objects(None, URIRef(void + "triples"))
    assert int(triples) > 20


def test_health_and_ready(sparql_client: FlaskClient) -> None:
    assert json.loads(sparql_client.get("/health").get_data()) == {"status": "ok"}
    ready = json.loads(sparql_client.get("/ready").get_data())
    assert ready["status"] == "ready"
    assert ready["version"].startswith("files-")


def test_unknown_path_is_404_problem(sparql_client: FlaskClient) -> None:
    response = sparql_client.get("/nowhere")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM


def test_repeated_get_is_replayed_from_the_response_cache(sparql_client: FlaskClient) -> None:
    query = {"query": LOOKUP + " # cache test"}
    first = sparql_client.get("/sparql", query_string=query, headers={"Accept": "text/csv"})
    again = sparql_client.get("/sparql", query_string=query, headers={"Accept": "text/csv"})
    other = sparql_client.get("/sparql", query_string=query, headers={"Accept": "text/tab-separated-values"})
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.mimetype == "text/csv"
    assert other.mimetype == "text/tab-separated-values"


def test_refusals_are_not_cached(sparql_client: FlaskClient) -> None:
    query = {"query": "SELECT * { SERVICE <http://example.org/> {} }"}
    for _ in range(2):
        problem(sparql_client.get("/sparql", query_string=query), 400, "service-refused")
