"""Pages for people: dereferenceable IRIs, the ontology, legislation, the matrix, diffs,
"around the child" — and the rule that every who-does-what statement cites its basis."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import OWL, VOID

from rolegraph.analysis.questions import Analysis
from rolegraph.present.records import LEGISLATION, href, legislation_iri
from rolegraph.vocab import RG, UnknownName

ROLE_IRI = "https://w3id.org/rolegraph/id/role/iro"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld",
             "application/n-triples": "nt"}
SUFFIXES = {".ttl": "turtle", ".jsonld": "json-ld", ".nt": "nt"}


def varies(header: str) -> set[str]:
    return {part.strip() for part in header.split(",")}


OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "json-ld": ox.RdfFormat.JSON_LD,
              "nt": ox.RdfFormat.N_TRIPLES, "xml": ox.RdfFormat.RDF_XML}


def parse(body: bytes, fmt: str) -> Graph:
    """Parse an answer back into a graph (pyoxigraph reads it: rdflib's JSON-LD parser warns
    about its own ConjunctiveGraph)."""
    triples = list(ox.parse(body, format=OX_FORMATS[fmt]))
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    return graph


# --- dereferenceable IRIs ------------------------------------------------------------------

def test_entity_gives_html_to_browsers_with_alternates(site_client: FlaskClient) -> None:
    answer = site_client.get("/id/role/iro", headers=BROWSER)
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    assert "Accept" in varies(answer.headers["Vary"])
    links = answer.headers["Link"]
    for suffix, media in ((".ttl", "text/turtle"), (".jsonld", "application/ld+json"),
                          (".nt", "application/n-triples")):
        assert f'</id/role/iro{suffix}>; rel="alternate"; type="{media}"' in links
    assert "independent reviewing officer" in answer.text


def test_each_text_value_is_its_own_definition(site_client: FlaskClient, analysis: Analysis) -> None:
    """Two comments are two sentences, not one joined by '; ' (which read '.;')."""
    rows = analysis.graph.query("""SELECT ?s WHERE { ?s rdfs:comment ?a, ?b .
        FILTER (STRSTARTS(STR(?s), "https://w3id.org/rolegraph/id/assignment/") && ?a != ?b) }
        LIMIT 1""")
    (subject,) = next(iter(rows))
    page = site_client.get(str(subject).replace("https://w3id.org/rolegraph", ""), headers=BROWSER)
    assert page.status_code == 200
    for comment in analysis.graph.objects(subject, RDFS.comment):
        assert f"<dd>{escape(str(comment))}</dd>" in page.text
    assert ".;" not in page.text


@pytest.mark.parametrize("media", RDF_TYPES)
def test_entity_by_accept(site_client: FlaskClient, media: str) -> None:
    answer = site_client.get("/id/role/iro", headers={"Accept": media})
    assert answer.status_code == 200
    assert answer.mimetype == media
    assert "Accept" in varies(answer.headers["Vary"])
    graph = parse(answer.data, RDF_TYPES[media])
    assert (URIRef(ROLE_IRI), RDF.type, RG.Role) in graph
    # the reasoner's classification is part of the description
    assert (URIRef(ROLE_IRI), RDF.type, RG.LocalAuthorityRole) in graph


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_entity_by_suffix(site_client: FlaskClient, suffix: str) -> None:
    answer = site_client.get(f"/id/role/iro{suffix}", headers=BROWSER)
    assert answer.status_code == 200
    graph = parse(answer.data, SUFFIXES[suffix])
    assert (URIRef(ROLE_IRI), RG.employedBy, None) in graph


@pytest.mark.parametrize("media", ["application/xml", "text/xml"])
def test_xml_alone_is_rdf_xml(site_client: FlaskClient, media: str) -> None:
    """A client asking for XML alone gets RDF/XML (as /sparql's graph answers do), not 406.
    Browsers name XML too, below HTML, and still get HTML (the tests with BROWSER)."""
    for path, kind in (("/id/role/iro", RG.Role), ("/.well-known/void", VOID.Dataset)):
        answer = site_client.get(path, headers={"Accept": media})
        assert answer.status_code == 200, path
        assert answer.mimetype == "application/rdf+xml", path
        assert (None, RDF.type, kind) in parse(answer.data, "xml"), path


def test_accept_with_quality_values_prefers_turtle(site_client: FlaskClient) -> None:
    answer = site_client.get("/id/model/current",
                             headers={"Accept": "text/html;q=0.5, text/turtle"})
    assert answer.mimetype == "text/turtle"


def test_unacceptable_media_type_is_406_problem(site_client: FlaskClient) -> None:
    answer = site_client.get("/id/role/iro", headers={"Accept": "image/png"})
    assert answer.status_code == 406
    assert answer.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", [
    "/id/role/no-such-role", "/id/role/no-such-role.ttl", "/id/widget/iro", "/id/role/IROX",
    "/id/role/..%2F..%2Fetc%2Fpasswd", "/id/role/%2e%2e", "/id/role/iro.exe",
    "/legislation/ukpga/1989/41/section/999", "/legislation/..%2F..%2Fetc/passwd",
])
def test_unknown_entity_is_404_problem(site_client: FlaskClient, path: str) -> None:
    answer = site_client.get(path, headers={"Accept": "text/turtle"})
    assert answer.status_code == 404, path
    assert answer.mimetype == "application/problem+json"
    problem = json.loads(answer.data)
    assert problem["status"] == 404 and problem["title"]


def test_every_entity_kind_resolves(site_client: FlaskClient, site_app) -> None:  # type: ignore[no-untyped-def]
    from rolegraph.web.site import SITE
    graph = site_app.extensions[SITE].site.graph
    subjects = {str(s) for s in graph.subjects() if str(s).startswith(
        "https://w3id.org/rolegraph/id/")}
    by_kind: dict[str, str] = {}
    for iri in sorted(subjects):
        by_kind.setdefault(iri.split("/id/", 1)[1].split("/", 1)[0], iri)
    assert len(by_kind) >= 9
    for iri in by_kind.values():
        path = "/id/" + iri.split("/id/", 1)[1]
        assert site_client.get(path, headers=BROWSER).status_code == 200, path
        assert site_client.get(path + ".ttl").status_code == 200, path


# --- the ontology -------------------------------------------------------------------------------

def test_ontology_html_documents_every_class(site_client: FlaskClient) -> None:
    answer = site_client.get("/def", headers=BROWSER)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert "Accept" in varies(answer.headers["Vary"])
    for term in ("rg:Role", "rg:Assignment", "rg:IndependentRole", "rg:includesRole"):
        assert term in answer.text
    assert 'id="Role"' in answer.text  # /def#Role anchors resolve


@pytest.mark.parametrize("path", ["/def", "/id/role/iro", "/.well-known/void"])
def test_every_alternate_a_document_names_is_served(site_client: FlaskClient, path: str) -> None:
    """The Link header's alternates are promises: each answers in its media type."""
    links = site_client.get(path, headers={"Accept": "text/turtle"}).headers["Link"]
    alternates = [(target, media) for target, media in re.findall(
        r'<([^>]+)>; rel="alternate"; type="([^"]+)"', links)]
    assert len(alternates) >= 3
    for target, media in alternates:
        answer = site_client.get(target, headers={"Accept": media}, follow_redirects=True)
        assert answer.status_code == 200 and answer.mimetype == media, (target, answer.status)


@pytest.mark.parametrize("path,headers", [("/def.ttl", {}), ("/def", {"Accept": "text/turtle"})])
def test_ontology_as_turtle(site_client: FlaskClient, path: str,
                            headers: dict[str, str]) -> None:
    answer = site_client.get(path, headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "text/turtle"
    graph = parse(answer.data, "turtle")
    assert (URIRef("https://w3id.org/rolegraph/def"), RDF.type, OWL.Ontology) in graph
    assert (RG.Role, RDF.type, OWL.Class) in graph
    assert (RG.employedBy, RDF.type, OWL.ObjectProperty) in graph


# --- legislation ------------------------------------------------------------------------------

def test_provision_page_links_to_legislation_gov_uk(site_client: FlaskClient) -> None:
    answer = site_client.get("/legislation/ukpga/1989/41/section/25B", headers=BROWSER)
    assert answer.status_code == 200
    assert "https://www.legislation.gov.uk/ukpga/1989/41/section/25B" in answer.text or \
        "http://www.legislation.gov.uk/ukpga/1989/41/section/25B" in answer.text
    assert "/id/role/iro" in answer.text  # it establishes the IRO
    turtle = site_client.get("/legislation/ukpga/1989/41/section/25B.ttl")
    assert turtle.mimetype == "text/turtle"


def test_provisions_by_iri_redirect(site_client: FlaskClient) -> None:
    answer = site_client.get("/provisions?iri=http://www.legislation.gov.uk/id/ukpga/1989/41")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/legislation/ukpga/1989/41")


def test_instrument_page_lists_its_provisions(site_client: FlaskClient) -> None:
    answer = site_client.get("/legislation/ukpga/1989/41", headers=BROWSER)
    assert answer.status_code == 200
    assert "/legislation/ukpga/1989/41/section/25B" in answer.text


def test_every_provision_in_the_graph_has_a_page(site_client: FlaskClient,
                                                 analysis: Analysis) -> None:
    """Every legislation.gov.uk IRI the graph holds answers on its page, in HTML and Turtle
    (FPR r.16.3, /legislation/uksi/2010/2955/rule/16.3, was 404 'not a legislation.gov.uk
    identifier path': a dot in a segment)."""
    iris = {str(x) for triple in analysis.graph for x in (triple[0], triple[2])
            if str(x).startswith(LEGISLATION)}
    assert f"{LEGISLATION}uksi/2010/2955/rule/16.3" in iris
    broken = {}
    for iri in sorted(iris):
        path = href(iri)
        assert path == "/legislation/" + iri[len(LEGISLATION):]
        answer = site_client.get(path, headers=BROWSER)
        if answer.status_code != 200 or answer.mimetype != "text/html":
            broken[iri] = answer.status_code
    assert not broken
    turtle = site_client.get("/legislation/uksi/2010/2955/rule/16.3.ttl")
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    assert any(Graph().parse(data=turtle.data, format="turtle").predicate_objects(
        URIRef(f"{LEGISLATION}uksi/2010/2955/rule/16.3")))


@pytest.mark.parametrize("path", ["uksi/2010/2955/rule/16..3", "uksi/2010/2955/rule/.3",
                                  "uksi/2010/2955/rule/16.", "uksi/2010/2955/../../x"])
def test_a_dot_only_inside_a_provision_segment(path: str) -> None:
    with pytest.raises(UnknownName):
        legislation_iri(path)


# --- the pages ---------------------------------------------------------------------------------

def test_home_names_the_questions_and_models(site_client: FlaskClient) -> None:
    text = site_client.get("/").text
    assert "If IROs go, who keeps the care plan on track?" in text
    for model in ("current", "care-review-2022", "government-response-2023"):
        assert f'href="/id/model/{model}"' in text


def test_role_pages_show_the_reasoners_classification(site_client: FlaskClient) -> None:
    iro = site_client.get("/id/role/iro").text
    assert "local authority role" in iro and "/id/organisation/local-authority" in iro
    assert "/legislation/ukpga/1989/41/section/25B" in iro
    visitor = site_client.get("/id/role/reg44-visitor").text
    assert "independent of the local authority" in visitor
    assert "Nagalro" in site_client.get("/id/role/advocate").text  # positions about it


def test_function_page_shows_every_model_side_by_side(site_client: FlaskClient) -> None:
    text = site_client.get("/id/function/refer-to-cafcass").text
    for model in ("current", "csw-bill-2016", "fostering-stocktake-2018", "adcs-2018",
                  "government-response-2018", "care-review-2022", "nagalro-2022",
                  "government-response-2023"):
        assert f'href="/id/model/{model}"' in text
    assert "/legislation/ukpga/1989/41/section/25B" in text


def test_model_page(site_client: FlaskClient) -> None:
    text = site_client.get("/models/care-review-2022").text
    assert "partly adopted" in text and "Josh MacAlister" in text
    assert text == site_client.get("/id/model/care-review-2022").text


def test_coverage_filters(site_client: FlaskClient, analysis: Analysis) -> None:
    everything = site_client.get("/coverage").text
    home = site_client.get("/coverage?setting=childrens-home").text
    iro = site_client.get("/coverage?role=iro").text
    rows = lambda text: text.count('<th scope="row" class="fn">')  # noqa: E731
    assert rows(everything) == len(analysis.report.functions)
    assert 0 < rows(home) < rows(everything)
    assert 0 < rows(iro) < rows(everything)
    assert "violation" in everything and "Legend" in everything
    assert site_client.get("/coverage?setting=moon-base").status_code == 404


def test_coverage_downloads(site_client: FlaskClient) -> None:
    from openpyxl import load_workbook

    answer = site_client.get("/coverage.csv?setting=childrens-home")
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows and {"model", "function", "holders", "basis"} <= set(rows[0])
    xlsx = site_client.get("/coverage.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert {"About", "Matrix", "Cells"} <= set(book.sheetnames)


def test_diff_page_names_moves_losses_and_provisions(site_client: FlaskClient) -> None:
    text = site_client.get("/diff?a=current&b=care-review-2022").text
    assert 'id="amend"' in text and "legislation.gov.uk" in text
    assert "/id/role/iro" in text and "moved" in text
    assert site_client.get("/diff?a=current&b=nope").status_code == 404
    csv_text = site_client.get("/diff.csv?a=current&b=care-review-2022").text
    assert csv_text.startswith("section,item,change,from,to")


def test_around_the_child(site_client: FlaskClient) -> None:
    today = site_client.get("/around?setting=childrens-home&model=current").text
    assert "/id/role/reg44-visitor" in today and "/id/role/iro" in today
    review = site_client.get("/around?setting=childrens-home&model=care-review-2022").text
    assert 'href="/id/role/iro"' not in review.split('class="people"', 1)[1]
    assert site_client.get("/around?setting=nowhere&model=current").status_code == 404


def test_sources_positions_and_lists(site_client: FlaskClient) -> None:
    for path in ("/sources", "/positions", "/roles", "/functions", "/models", "/legislation",
                 "/queries", "/query", "/validate"):
        answer = site_client.get(path, headers=BROWSER)
        assert answer.status_code == 200, path
        assert answer.mimetype == "text/html"
    assert "disputes" in site_client.get("/positions").text


def test_pages_are_accessible_shapes(site_client: FlaskClient) -> None:
    """Semantic basics on every kind of page: language, one h1, a skip link, labelled forms."""
    for path in ("/", "/id/role/iro", "/coverage", "/diff", "/around", "/queries", "/def"):
        text = site_client.get(path).text
        assert '<html lang="en-GB">' in text
        assert text.count("<h1") == 1, path
        assert 'class="skip-link" href="#main"' in text and '<main id="main"' in text
        controls = text.count("<select") + text.count("<input id=")
        assert controls == text.count("<label for="), path


# --- citations next to every who-does-what statement ------------------------------------------

class Holdings(HTMLParser):
    """Finds every element with class "holding" and counts the links inside its "cite"."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []  # (tag, role: holding|cite|other)
        self.found: list[int] = []  # links in the cite of each holding
        self.current: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        role = "holding" if "holding" in classes else "cite" if "cite" in classes else "other"
        if role == "holding":
            self.found.append(0)
            self.current = len(self.found) - 1
        if tag == "a" and self.current is not None and any(r == "cite" for _, r in self.stack):
            self.found[self.current] += 1
        if tag not in ("br", "img", "input", "meta", "link"):
            self.stack.append((tag, role))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            opened, role = self.stack.pop()
            if role == "holding":
                self.current = None
            if opened == tag:
                break


def who_does_what_pages(site_app) -> list[str]:  # type: ignore[no-untyped-def]
    from rolegraph.analysis.coverage import slug
    from rolegraph.web.site import SITE
    site = site_app.extensions[SITE].site
    report = site.report
    paths = [f"/id/role/{slug(r)}" for r in report.roles]
    paths += [f"/id/function/{slug(f)}" for f in report.functions]
    paths += [f"/id/model/{slug(m)}" for m in report.models]
    paths += ["/coverage", "/coverage?setting=childrens-home"]
    paths += [f"/diff?a=current&b={slug(m)}" for m in report.models if slug(m) != "current"]
    paths += [f"/around?setting={slug(s.iri)}&model={slug(m)}" for s in site.settings()
              for m in report.models]
    paths += ["/legislation/ukpga/1989/41/section/25B", "/legislation/ukpga/1989/41",
              "/id/instrument/iro-handbook-2010"]
    return paths


def test_every_who_does_what_statement_cites_law_or_source(
        site_client: FlaskClient, site_app) -> None:  # type: ignore[no-untyped-def]
    statements = 0
    for path in who_does_what_pages(site_app):
        answer = site_client.get(path, headers=BROWSER)
        assert answer.status_code == 200, path
        parser = Holdings()
        parser.feed(answer.text)
        uncited = [i for i, links in enumerate(parser.found) if links == 0]
        assert not uncited, f"{path}: statements {uncited} have no legal basis or source"
        statements += len(parser.found)
    assert statements > 1000  # the pages do state who does what


def test_unknown_pages_answer_problem_json(site_client: FlaskClient) -> None:
    answer = site_client.get("/no/such/page")
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_errors_are_negotiated_a_page_for_browsers_json_for_programs(
        site_client: FlaskClient) -> None:
    page = site_client.get("/id/role/no-such-role", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "no role" in page.get_data(as_text=True) and "<h1>" in page.get_data(as_text=True)
    program = site_client.get("/id/role/no-such-role", headers={"Accept": "application/json"})
    assert program.status_code == 404 and program.mimetype == "application/problem+json"
    assert site_client.get("/id/role/no-such-role").mimetype == "application/problem+json"
    for answer in (page, program):
        assert "Accept" in answer.headers["Vary"].split(", ")


def test_a_near_miss_names_the_nearest_entities(site_client: FlaskClient) -> None:
    answer = site_client.get("/id/role/advocat", headers={"Accept": "application/json"})
    assert answer.status_code == 404
    nearest = [s["href"] for s in answer.get_json()["suggestions"]]
    assert "/id/role/advocate" in nearest
    page = site_client.get("/id/role/advocat", headers={"Accept": BROWSER_ACCEPT})
    assert 'href="/id/role/advocate"' in page.get_data(as_text=True)


def test_capitals_redirect_to_the_one_spelling_of_an_iri(site_client: FlaskClient) -> None:
    answer = site_client.get("/id/role/IRO")
    assert answer.status_code == 301 and answer.headers["Location"] == "/id/role/iro"
    assert site_client.get("/id/role/IRO.ttl").headers["Location"] == "/id/role/iro.ttl"
    assert site_client.get("/id/role/NOPE").status_code == 404


@pytest.mark.parametrize("path", ["/id/role/iro", "/id/role/iro.ttl", "/api/roles", "/coverage",
                                  "/diagrams/model/current.dot", "/.well-known/void"])
def test_every_get_answer_is_tagged_and_answers_304(site_client: FlaskClient, path: str) -> None:
    first = site_client.get(path, headers={"Accept": "text/turtle"} if "void" in path else {})
    assert first.status_code == 200 and first.headers["ETag"].startswith('"')
    again = site_client.get(path, headers={"If-None-Match": first.headers["ETag"],
                                           **({"Accept": "text/turtle"} if "void" in path else {})})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    other = site_client.get(path, headers={"If-None-Match": '"another-version-tag"'})
    assert other.status_code in (200, 406)


def test_coverage_filters_by_model_and_severity_and_its_summary_follows(
        site_client: FlaskClient, analysis: Analysis) -> None:
    view = site_client.get("/coverage?model=care-review-2022&model=current&severity=violation",
                           headers={"Accept": "application/json"}).get_json()
    assert [m["href"] for m in view["models"]] == ["/id/model/care-review-2022",
                                                   "/id/model/current"] or \
        {m["href"] for m in view["models"]} == {"/id/model/care-review-2022", "/id/model/current"}
    report = analysis.coverage(["care-review-2022", "current"])
    flagged = {f.function for f in report.of("Violation")}
    assert {r[0]["iri"] for r in view["rows"]} == flagged
    assert view["counts"]["violation"] == len(report.of("Violation"))
    dated = site_client.get("/coverage?model=law@2005-06-01", headers={"Accept": "application/json"})
    assert dated.status_code == 200 and len(dated.get_json()["models"]) == 1
    page = site_client.get("/coverage?severity=warning&model=care-review-2022").get_data(as_text=True)
    assert 'href="/coverage.csv?model=care-review-2022&amp;severity=warning"' in page
    assert site_client.get("/coverage?severity=dreadful").status_code == 404
    assert site_client.get("/coverage?model=no-such-model").status_code == 404


def test_every_rdf_form_of_an_entity_and_its_assignments(site_client: FlaskClient,
                                                        analysis: Analysis) -> None:
    forms = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
             ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD,
             ".rdf": ox.RdfFormat.RDF_XML}
    sizes = set()
    for suffix, fmt in forms.items():
        answer = site_client.get(f"/id/role/iro{suffix}")
        assert answer.status_code == 200, suffix
        sizes.add(len(list(ox.parse(answer.data, format=fmt))))
    assert len(sizes) == 1  # the same triples in every form
    turtle = Graph().parse(data=site_client.get("/id/role/iro.ttl").data, format="turtle")
    xml = site_client.get("/id/role/iro", headers={"Accept": "application/rdf+xml"})
    assert xml.mimetype == "application/rdf+xml"
    held = {str(a) for a in analysis.graph.subjects(RG.role, URIRef(ROLE_IRI))}
    linked = {str(a) for a in turtle.subjects(RG.role, URIRef(ROLE_IRI))}
    assert held and linked == held  # the role's RDF links every assignment it holds
    refused = site_client.get("/id/role/iro", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "Accept" in refused.headers["Vary"]


def test_the_gallery_shows_queries_for_readers_not_implementation_notes() -> None:
    """Comments in a gallery query speak to its reader (what a line asks), never about
    engines, benchmarks or decision records."""
    from rolegraph.query import gallery

    for query in gallery.gallery().values():
        notes = [line for line in query.text.splitlines() if line.strip().startswith("#")]
        for note in notes:
            assert not any(word in note.lower() for word in ("oxigraph", "bench", "decisions/",
                                                             "rdflib", "todo")), (query.name, note)


def test_json_ld_is_compacted_with_the_published_context(site_client: FlaskClient) -> None:
    context = site_client.get("/context.jsonld")
    assert context.status_code == 200 and context.mimetype == "application/ld+json"
    prefixes = context.get_json()["@context"]
    assert prefixes["rg"] == "https://w3id.org/rolegraph/def#"
    answer = site_client.get("/id/role/iro.jsonld")
    assert '</context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"' in answer.headers["Link"]
    assert 'rel="alternate"' in answer.headers["Link"]
    document = answer.get_json()
    assert document["@context"] == prefixes
    expanded = list(ox.parse(answer.data, format=ox.RdfFormat.JSON_LD))
    plain = list(ox.parse(site_client.get("/id/role/iro.nt").data, format=ox.RdfFormat.N_TRIPLES))
    assert len(expanded) == len(plain)  # the context only shortens names
