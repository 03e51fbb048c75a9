"""How sure is this? The /evidence page, /api/evidence and rolegraph.evidence agree with the
graph, counted here through the SPARQL engine with queries of the test's own."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from importlib import resources

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient
from rdflib import Graph

from rolegraph.present.evidence import CONFIDENCES, EvidenceSummary, evidence
from rolegraph.query import gallery
from rolegraph.query.engine import Engine

BROWSER = {"Accept": "text/html"}
ID = "https://w3id.org/rolegraph/id/"
CAPTION = "Assignments of each reform model, by confidence"

BY_CONFIDENCE = """
SELECT ?model ?confidence (COUNT(DISTINCT ?a) AS ?n) WHERE {
    ?a a rg:Assignment ; rg:model ?model ; rg:confidence ?confidence }
GROUP BY ?model ?confidence"""
ALL = """
SELECT ?model (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a rg:Assignment ; rg:model ?model }
GROUP BY ?model"""
QUOTED = """
SELECT ?model (COUNT(DISTINCT ?a) AS ?n) WHERE {
    ?a a rg:Assignment ; rg:model ?model ; rg:confidence "stated" ; rg:quote ?quote }
GROUP BY ?model"""
BASIS_NO_QUOTE = """
SELECT ?model (COUNT(DISTINCT ?a) AS ?n) WHERE {
    ?a a rg:Assignment ; rg:model ?model ; rg:confidence "stated" ; rg:basis ?basis
    FILTER NOT EXISTS { ?a rg:quote ?quote } }
GROUP BY ?model"""
MODELS = """
SELECT ?model ?label WHERE { ?model a rg:ReformModel ; rdfs:label ?label }"""


def expected(engine: Engine) -> dict[str, dict[str, int]]:
    """Per model IRI: the count of each confidence, all, quoted and basis without quote."""
    found: dict[str, dict[str, int]] = {
        row["model"]: {**dict.fromkeys(CONFIDENCES, 0), "all": 0, "quoted": 0,
                       "basis_without_quote": 0}
        for row in engine.select(MODELS)}
    for row in engine.select(BY_CONFIDENCE):
        found[row["model"]][row["confidence"]] = int(row["n"])
    for key, text in (("all", ALL), ("quoted", QUOTED), ("basis_without_quote", BASIS_NO_QUOTE)):
        for row in engine.select(text):
            found[row["model"]][key] = int(row["n"])
    return found


def model_labels(engine: Engine) -> dict[str, str]:
    return {row["model"]: row["label"] for row in engine.select(MODELS)}


# --- the shipped graph ----------------------------------------------------------------------------

def test_json_counts_agree_with_the_graph(site_client: FlaskClient, engine: Engine) -> None:
    answer = site_client.get("/api/evidence")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    data = json.loads(answer.data)
    by_model = {m["model"]["iri"]: m for m in data["models"]}
    want = expected(engine)
    assert set(by_model) == set(want)  # an entry for every model
    assert len(data["models"]) == len(want)
    for iri, counts in want.items():
        got = by_model[iri]
        for confidence in CONFIDENCES:
            assert got["counts"][confidence] == counts[confidence], (iri, confidence)
        assert got["assignments"] == counts["all"], iri
        assert got["quoted"] == counts["quoted"], iri
        assert got["basis_without_quote"] == counts["basis_without_quote"], iri
    assert sum(counts["all"] for counts in want.values()) > 0


def test_models_carry_label_and_status(site_client: FlaskClient, engine: Engine) -> None:
    data = json.loads(site_client.get("/api/evidence").data)
    statuses = {r["model"]: r["status"] for r in engine.select(
        "SELECT ?model ?status WHERE { ?model a rg:ReformModel ; rg:status ?status }")}
    labels = model_labels(engine)
    for entry in data["models"]:
        assert entry["model"]["label"] == labels[entry["model"]["iri"]]
        assert entry["status"] == statuses.get(entry["model"]["iri"], "")
        assert entry["model"]["href"].startswith("/id/model/")


class Table(HTMLParser):
    """The rows (cell texts) of the table whose caption is `caption`."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.caption = caption
        self.rows: list[list[str]] = []
        self.in_table = self.in_caption = self.wanted = False
        self.cell: list[str] | None = None
        self.caption_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.in_table, self.wanted, self.caption_text = True, False, ""
        elif tag == "caption":
            self.in_caption = True
        elif tag == "tr" and self.wanted:
            self.rows.append([])
        elif tag in ("td", "th") and self.wanted:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self.in_caption = False
            self.wanted = self.caption_text.strip() == self.caption
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.in_table = self.wanted = False

    def handle_data(self, data: str) -> None:
        if self.in_caption:
            self.caption_text += data
        elif self.cell is not None:
            self.cell.append(data)


def test_page_counts_agree_with_the_graph(site_client: FlaskClient, engine: Engine) -> None:
    answer = site_client.get("/evidence", headers=BROWSER)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    table = Table(CAPTION)
    table.feed(answer.text)
    header, *rows = table.rows
    assert header[:8] == ["Model", "Status", "Stated", "Stated and quoted",
                          "Stated with a basis but no quote", "Inferred", "Contested",
                          "All assignments"]
    shown = {row[0]: [int(cell) for cell in row[2:8]] for row in rows}
    labels = model_labels(engine)
    assert len(rows) == len(labels)
    for iri, counts in expected(engine).items():
        assert shown[labels[iri]] == [counts["stated"], counts["quoted"],
                                      counts["basis_without_quote"], counts["inferred"],
                                      counts["contested"], counts["all"]], iri


def test_page_shows_every_model_and_is_accessible(site_client: FlaskClient,
                                                  engine: Engine) -> None:
    text = site_client.get("/evidence", headers=BROWSER).text
    assert "<title>How sure is this? · rolegraph</title>" in text
    assert text.count("<h1") == 1
    assert text.count("<table") == text.count("<caption")
    assert "<th>" not in text  # every header cell has a scope
    for iri in model_labels(engine):
        assert f'href="/id/model/{iri.rsplit("/", 1)[1]}"' in text
    parsed = Table(CAPTION)
    parsed.feed(text)
    assert {row[0] for row in parsed.rows[1:]} == set(model_labels(engine).values())


def test_page_is_linked_from_the_navigation_and_home(site_client: FlaskClient) -> None:
    home = site_client.get("/", headers=BROWSER).text
    nav = home.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    assert nav.count('href="/evidence"') == 1
    assert 'href="/evidence"' in home.split("</nav>", 1)[1]


def test_evidence_negotiates_json(site_client: FlaskClient) -> None:
    answer = site_client.get("/evidence", headers={"Accept": "application/json"})
    assert answer.mimetype == "application/json"
    assert json.loads(answer.data) == json.loads(site_client.get("/api/evidence").data)


def test_every_inferred_entity_is_listed(site_client: FlaskClient, engine: Engine) -> None:
    data = json.loads(site_client.get("/api/evidence").data)
    inferred = {row["s"] for row in engine.select("""
        SELECT ?s WHERE { ?s rg:confidence "inferred"
                          FILTER NOT EXISTS { ?s a rg:Assignment }
                          FILTER NOT EXISTS { ?s rg:model ?model } }""")}  # not a model's own facts
    assert {f["entity"]["iri"] for f in data["inferred"]} == inferred
    unverified = {row["s"] for row in engine.select("SELECT ?s WHERE { ?s rg:unverified ?n }")}
    assert {f["entity"]["iri"] for f in data["unverified"]} == unverified


def test_evidence_queries_are_not_in_the_gallery() -> None:
    folder = resources.files("rolegraph").joinpath("queries", "evidence")
    names = {p.name.removesuffix(".rq") for p in folder.iterdir() if p.name.endswith(".rq")}
    assert {"models", "secondary-only", "unverified", "inferred-entities"} <= names
    assert not names & set(gallery.gallery())


# --- a tiny graph with every case -----------------------------------------------------------------

FIXTURE = """
@prefix rg: <https://w3id.org/rolegraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix role: <https://w3id.org/rolegraph/id/role/> .
@prefix function: <https://w3id.org/rolegraph/id/function/> .
@prefix model: <https://w3id.org/rolegraph/id/model/> .
@prefix source: <https://w3id.org/rolegraph/id/source/> .
@prefix assignment: <https://w3id.org/rolegraph/id/assignment/> .

rg:SecondarySource rdfs:subClassOf rg:Source .
rg:NewsItem rdfs:subClassOf rg:SecondarySource .
model:pilot a rg:ReformModel ; rdfs:label "a pilot"@en ; rg:status "proposed" .
model:empty a rg:ReformModel ; rdfs:label "an empty model"@en ; rg:status "withdrawn" .
role:visitor a rg:Role ; rdfs:label "visitor"@en ; rg:confidence "inferred" ;
    rdfs:comment "No Act names the role."@en .
function:visit a rg:Function ; rdfs:label "visit the child"@en ;
    rg:unverified "The regulation number was not confirmed: read reg 44 on legislation.gov.uk."@en .
source:blog a rg:SecondarySource ; rdfs:label "a blog post"@en .
source:news a rg:NewsItem ; rdfs:label "a news story"@en .
source:report a rg:Source ; rdfs:label "the review's report"@en .

assignment:on-a-blog a rg:Assignment ; rdfs:label "visitor visits, per a blog"@en ;
    rg:model model:pilot ; rg:role role:visitor ; rg:function function:visit ;
    dcterms:source source:blog , source:news ; rg:confidence "inferred" .
assignment:blog-and-report a rg:Assignment ; rg:model model:pilot ; rg:role role:visitor ;
    rg:function function:visit ; dcterms:source source:blog , source:report ;
    rg:confidence "stated" .
assignment:quoted a rg:Assignment ; rg:model model:pilot ; rg:role role:visitor ;
    rg:function function:visit ; rg:basis <http://www.legislation.gov.uk/id/uksi/2015/541/regulation/44> ;
    dcterms:source source:blog ; rg:confidence "stated" ; rg:quote "must visit"@en .
assignment:unquoted a rg:Assignment ; rg:model model:pilot ; rg:role role:visitor ;
    rg:function function:visit ; rg:basis <http://www.legislation.gov.uk/id/uksi/2015/541/regulation/44> ;
    rg:confidence "stated" .
assignment:contested a rg:Assignment ; rg:model model:pilot ; rg:role role:visitor ;
    rg:function function:visit ; rg:basis <http://www.legislation.gov.uk/id/uksi/2015/541/regulation/44> ;
    rg:confidence "contested" .
"""


@pytest.fixture(scope="module")
def tiny() -> EvidenceSummary:
    return evidence(Graph().parse(data=FIXTURE, format="turtle"))


def test_counts_of_a_tiny_graph(tiny: EvidenceSummary) -> None:
    pilot, empty = tiny.models  # ordered by date, then label
    assert pilot.model.label == "a pilot" and pilot.status == "proposed"
    assert pilot.counts == {"stated": 3, "inferred": 1, "contested": 1}
    assert (pilot.assignments, pilot.quoted, pilot.basis_without_quote) == (5, 1, 1)
    assert empty.status == "withdrawn" and empty.assignments == 0
    assert empty.counts == dict.fromkeys(CONFIDENCES, 0) and not empty.secondary_only


def test_secondary_only_assignment_is_reported(tiny: EvidenceSummary) -> None:
    [only] = tiny.models[0].secondary_only  # not the one citing the report, nor those with a basis
    assert only.assignment.iri == ID + "assignment/on-a-blog"
    assert only.assignment.label == "visitor visits, per a blog"
    assert only.role is not None and only.role.label == "visitor"
    assert only.function is not None and only.function.href == "/id/function/visit"
    assert only.confidence == "inferred"
    assert [s.label for s in only.sources] == ["a blog post", "a news story"]


def test_unverified_and_inferred_entities_are_reported(tiny: EvidenceSummary) -> None:
    [flag] = tiny.unverified
    assert flag.entity.iri == ID + "function/visit" and flag.kind == "function"
    assert flag.note.startswith("The regulation number was not confirmed")
    [inferred] = tiny.inferred  # the role, not the inferred assignment
    assert inferred.entity.iri == ID + "role/visitor" and inferred.kind == "role"
    assert inferred.note == "No Act names the role."


def test_page_lists_what_the_tiny_graph_reports(site_app: Flask,
                                                tiny: EvidenceSummary) -> None:
    with site_app.test_request_context("/evidence"):
        text = render_template("evidence.html", view=tiny, version="test", title="How sure")
    for href in ("/id/assignment/on-a-blog", "/id/source/news", "/id/function/visit",
                 "/id/role/visitor"):
        assert f'href="{href}"' in text, href
    assert "The regulation number was not confirmed" in text
    assert "No assignment rests on secondary sources only" not in text
