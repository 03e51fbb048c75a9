"""Search (issue 16, part 2): the names people use find the right entity near the top, the
answers are the same over a remote store, and bad input is a 400 or an empty answer, never
a 500 (query text never reaches SQL as SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import loaded_store
from flask import Flask
from flask.testing import FlaskClient

from rolegraph.graph.snapshot import Snapshot
from rolegraph.query.engine import Engine
from rolegraph.web import SERVED
from rolegraph.web.app import create_app
from rolegraph.web.search import INDEX

# The everyday name, and a query that finds the entity it names in the graph itself.
EVERYDAY = {
    "reviewing officer": 'SELECT ?e WHERE { ?e a rg:Role ; skos:altLabel "IRO"@en }',
    "reg 44": 'SELECT ?e WHERE { ?e a rg:Role ; skos:altLabel "Reg 44 visitor"@en }',
    "guardian ad litem": 'SELECT ?e WHERE { ?e a rg:Role ; rdfs:label "guardian ad litem"@en }',
    "s.25B": 'SELECT ?e WHERE { ?e a rg:Provision ; rdfs:label "CA 1989 s.25B"@en }',
    "section 25B": 'SELECT ?e WHERE { ?e a rg:Provision ; rdfs:label "CA 1989 s.25B"@en }',
    "Josh MacAlister": 'SELECT ?e WHERE { ?e a rg:Person ; rdfs:label "Josh MacAlister"@en }',
    "MacAlister": 'SELECT ?e WHERE { ?e a rg:Person ; rdfs:label "Josh MacAlister"@en }',
    "IRO": 'SELECT ?e WHERE { ?e a rg:Role ; skos:altLabel "IRO"@en }',
    "advocate": 'SELECT ?e WHERE { ?e a rg:Role ; rdfs:label "independent advocate"@en }',
    "F01": 'SELECT ?e WHERE { ?e a rg:Function ; skos:notation "F01" }',
    "reveiwing oficer": 'SELECT ?e WHERE { ?e a rg:Role ; skos:altLabel "IRO"@en }',  # typos
}
HOSTILE = ['"', '""', "*", "AND", "OR NOT", "NEAR(a b)", "^iro", "label:iro", "iro*", "(", ")",
           "'); DROP TABLE entries; --", "%", "_", "\\", "a\x00b", "\u202e", "{iro}", "-iro",
           "- + ~", "ÄÖÜ", "🙂", "s.25B(1)(a)", "reg. 44", "?" * 200]
PREFIXES = {"rg": "https://w3id.org/rolegraph/def#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "skos": "http://www.w3.org/2004/02/skos/core#"}


def expected(engine: Engine, query: str) -> str:
    rows = engine.select("".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items()) + query)
    (row,) = rows
    return str(row["e"])


def search(client: FlaskClient, text: str, **args: Any) -> Any:
    response = client.get("/api/search?" + urlencode({"q": text, **args}))
    assert response.status_code == 200, (text, response.get_data(as_text=True))
    return response.get_json()


@pytest.mark.parametrize("name", list(EVERYDAY))
def test_everyday_names_find_the_right_entity_near_the_top(
        name: str, site_client: FlaskClient, engine: Engine) -> None:
    iri = expected(engine, EVERYDAY[name])
    found = [r["iri"] for r in search(site_client, name)["results"]]
    assert iri in found[:3], (name, iri, found[:5])


def test_results_are_best_first_in_the_promised_shape(site_client: FlaskClient,
                                                      engine: Engine) -> None:
    answer = search(site_client, "guardian ad litem", limit=5)
    assert answer["results"][0]["iri"] == expected(engine, EVERYDAY["guardian ad litem"])
    assert 1 <= len(answer["results"]) <= 5
    for result in answer["results"]:
        assert set(result) == {"iri", "kind", "label", "href", "snippet"}
        assert site_client.get(result["href"]).status_code == 200
        assert result["kind"] in {"role", "function", "model", "provision", "instrument",
                                  "source", "position", "person", "organisation", "setting"}
    iro = search(site_client, "reviewing officer")["results"][0]
    assert (iro["kind"], iro["label"]) == ("role", "independent reviewing officer")


def test_a_typing_slip_is_corrected_and_said(site_client: FlaskClient) -> None:
    answer = search(site_client, "reveiwing oficer")
    assert answer["searched"] == "reviewing officer"
    page = site_client.get("/search?q=reveiwing+oficer").get_data(as_text=True)
    assert "showing results for" in page


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_never_a_server_error(text: str, site_client: FlaskClient) -> None:
    for url in ("/api/search?", "/search?"):
        response = site_client.get(url + urlencode({"q": text}))
        assert response.status_code in (200, 400), (text, response.status_code)
    assert search(site_client, "IRO")["results"]  # the index is still whole


@pytest.mark.parametrize(("args", "status"), [
    ({"q": ""}, 400), ({"q": "   "}, 400), ({"q": "x" * 201}, 400),
    ({"q": "iro", "limit": "0"}, 400), ({"q": "iro", "limit": "51"}, 400),
    ({"q": "iro", "limit": "ten"}, 400), ({}, 400)])
def test_bad_input_is_a_clear_400(args: dict[str, str], status: int,
                                  site_client: FlaskClient) -> None:
    response = site_client.get("/api/search?" + urlencode(args))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]


def test_the_page_has_results_and_keeps_the_form(site_client: FlaskClient,
                                                 engine: Engine) -> None:
    page = site_client.get("/search?q=reg+44")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    iri = expected(engine, EVERYDAY["reg 44"])
    assert f'href="/id/{iri.split("/id/", 1)[1]}"' in html
    assert '<label for="search-page-q"' in html and "<mark>" in html
    assert site_client.get("/search").status_code == 200  # no words: the form alone
    too_long = site_client.get("/search?q=" + "x" * 300, headers={"Accept": "text/html"})
    assert too_long.status_code == 400 and "at most 200" in too_long.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/roles", "/coverage", "/id/role/iro", "/search?q=iro",
                                  "/data/"])
def test_every_page_has_the_labelled_search_box(path: str, site_client: FlaskClient) -> None:
    html = site_client.get(path).get_data(as_text=True)
    assert '<form class="site-search" role="search"' in html
    assert '<label for="site-search-q"' in html and 'id="site-search-q" name="q"' in html


def test_the_index_is_built_once_per_version(site_app: Flask) -> None:
    client = site_app.test_client()
    search(client, "IRO")
    first = site_app.extensions[INDEX]
    search(client, "advocate")
    assert site_app.extensions[INDEX] is first
    assert first[1].version == site_app.extensions[SERVED].version


# --- the same answers over a remote store (one store kind is enough) ----------------------

def app_over(overrides: dict[str, Any]) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "ACCESS_LOG": False, "RESULT_CACHE_MB": 0,
                      "RATE_LIMIT": 0, **overrides})
    yield app
    app.extensions[SERVED].runner.close()


@pytest.fixture(scope="module")
def remote_client(snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[FlaskClient]:
    """The service over an Oxigraph server holding the snapshot, with no local snapshot."""
    process = loaded_store("oxigraph", tmp_path_factory.mktemp("oxigraph"), snapshot.files,
                           snapshot.id)
    try:
        empty = tmp_path_factory.mktemp("no-snapshots")
        for app in app_over({"STORE_URL": process.query_url, "STATE_DIR": str(empty)}):
            yield app.test_client()
    finally:
        process.stop()


@pytest.mark.slow
def test_a_remote_store_gives_the_same_answers(remote_client: FlaskClient,
                                               site_client: FlaskClient) -> None:
    for name in [*EVERYDAY, "care plan", "Carolyne Willow", "a", "NEAR(a b)"]:
        here, there = search(site_client, name), search(remote_client, name)
        assert there == here, name
    assert (remote_client.get("/search?q=reg+44").data
            == site_client.get("/search?q=reg+44").data)
