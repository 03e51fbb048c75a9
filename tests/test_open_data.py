"""The data as an open release (issue 16, part 3): every dump is the graph /sparql serves,
the Frictionless data package validates with every file's size and checksum, VoID links
each dump and names the licence, the CLI writes the same files, CITATION.cff is valid CFF,
and every page says how to cite the data."""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import warnings
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from rolegraph.cli.main import main
from rolegraph.present import release

REPO = Path(__file__).resolve().parents[1]
EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
OGL = URIRef(release.LICENCE_URL)
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
# dump -> how rdflib reads it (and whether it is gzipped)
READS = {"rolegraph.trig": ("trig", False), "rolegraph.trig.gz": ("trig", True),
         "rolegraph.nq": ("nquads", False), "rolegraph.nq.gz": ("nquads", True),
         "rolegraph.jsonld": ("json-ld", False)}


@pytest.fixture(scope="module")
def served(site_app: Flask) -> Graph:
    """The whole default graph, as /sparql serves it."""
    answer = site_app.test_client().get("/sparql?query=" + quote(EVERYTHING),
                             headers={"Accept": "application/n-triples"})
    assert answer.status_code == 200
    return Graph().parse(data=answer.data, format="nt")


def dump_graph(name: str, body: bytes) -> Graph:
    fmt, zipped = READS[name]
    data = gzip.decompress(body) if zipped else body
    if fmt == "json-ld":
        with warnings.catch_warnings():  # rdflib's JSON-LD parser uses a deprecated class
            warnings.simplefilter("ignore", DeprecationWarning)
            return Graph().parse(data=data, format="json-ld")
    return Graph().parse(data=quads_as_triples(data, fmt), format="nt")


def quads_as_triples(data: bytes, fmt: str) -> str:
    """Every graph's triples as N-Triples, read by rdflib's own parser (not the writer's)."""
    with warnings.catch_warnings():  # rdflib's Dataset warns of its own deprecated names
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = Dataset()
        dataset.parse(data=data, format=fmt)
        union = Graph()
        for graph in dataset.graphs():
            union += graph
        named = {str(g.identifier) for g in dataset.graphs() if len(g)}
    return union.serialize(format="nt") + "".join(f"# {n}\n" for n in sorted(named))


@pytest.mark.parametrize("name", list(release.DUMPS))
def test_every_dump_is_the_graph_sparql_serves(name: str, site_client: FlaskClient,
                                               served: Graph) -> None:
    answer = site_client.get(f"/data/{name}")
    assert answer.status_code == 200
    assert answer.mimetype == release.DUMPS[name][0]
    assert OGL.n3()[1:-1] in answer.headers["Link"]
    graph = dump_graph(name, answer.data)
    assert len(graph) == len(served)
    assert isomorphic(graph, served), name


def test_the_quads_name_the_version_graph(site_client: FlaskClient) -> None:
    version = site_client.get("/ready").get_json()["version"]
    text = quads_as_triples(site_client.get("/data/rolegraph.nq").data, "nquads")
    names = {line[2:] for line in text.splitlines() if line.startswith("# ")}
    assert names == {f"https://w3id.org/rolegraph/graph/{version}"}


def test_the_data_package_validates_with_frictionless(site_client: FlaskClient,
                                                      tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    package = site_client.get("/data/datapackage.json")
    assert package.status_code == 200
    descriptor = package.get_json()
    (tmp_path / "datapackage.json").write_bytes(package.data)
    for resource in descriptor["resources"]:
        body = site_client.get(f"/data/{resource['path']}").data
        (tmp_path / resource["path"]).write_bytes(body)
        assert resource["bytes"] == len(body)
        assert resource["hash"] == "sha256:" + hashlib.sha256(body).hexdigest()
    assert {r["path"] for r in descriptor["resources"]} == set(release.FILES) - {release.PACKAGE}
    assert descriptor["licenses"][0]["name"] == "OGL-UK-3.0"
    with warnings.catch_warnings():  # frictionless leaves the gzipped files open (GC closes)
        warnings.simplefilter("ignore", ResourceWarning)
        report = frictionless.Package(str(tmp_path / "datapackage.json")).validate()
        gc.collect()
    assert report.valid, report.flatten(["resourcePath", "type", "message"])[:10]
    tables = {r["name"] for r in descriptor["resources"] if r.get("schema")}
    assert tables == {"assignments", "functions", "roles", "provisions", "coverage"}


def test_the_tables_come_from_the_graph(site_client: FlaskClient, served: Graph) -> None:
    roles = site_client.get("/data/roles.csv").get_data(as_text=True).splitlines()
    assert roles[0].startswith("iri,label,")
    role_type = URIRef("https://w3id.org/rolegraph/def#Role")
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    in_graph = {str(s) for s in served.subjects(rdf_type, role_type) if isinstance(s, URIRef)}
    assert {line.split(",", 1)[0] for line in roles[1:]} == in_graph


def test_the_data_page_gives_each_file_its_size_and_checksum(site_client: FlaskClient) -> None:
    page = site_client.get("/data/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in release.FILES:
        body = site_client.get(f"/data/{name}").data
        assert f'href="/data/{name}"' in html
        assert hashlib.sha256(body).hexdigest() in html
        assert f"{len(body):,}" in html
    assert release.LICENCE_URL in html and release.ATTRIBUTION in html
    assert site_client.get("/data/passwd").status_code == 404
    assert site_client.get("/data/..%2Fpyproject.toml").status_code == 404


def test_void_links_every_dump_and_names_the_licence_and_version(site_client: FlaskClient
                                                                 ) -> None:
    answer = site_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    void = Graph().parse(data=answer.data, format="turtle")
    dataset = URIRef("http://localhost/.well-known/void#dataset")
    dumps = {str(o) for o in void.objects(dataset, URIRef(VOID + "dataDump"))}
    assert dumps == {f"http://localhost/data/{name}" for name in release.DUMPS}
    assert (dataset, URIRef(DCTERMS + "license"), OGL) in void
    version = site_client.get("/ready").get_json()["version"]
    (info,) = void.objects(dataset, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))
    assert str(info) == version
    (modified,) = void.objects(dataset, URIRef(DCTERMS + "modified"))
    assert len(str(modified)) == 10  # an xsd:date: the data's as-at date
    for dump in dumps:
        assert site_client.get(dump.removeprefix("http://localhost")).status_code == 200


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# VoID's RDF forms: Accept header -> the suffix naming the same form
VOID_FORMS = {"text/turtle": ".ttl", "application/ld+json": ".jsonld",
              "application/n-triples": ".nt", "application/rdf+xml": ".rdf"}


def read_back(body: bytes, media: str) -> Graph:
    """An RDF answer parsed by its media type (pyoxigraph: rdflib's JSON-LD parser warns
    about its own ConjunctiveGraph)."""
    triples = [q.triple for q in ox.parse(body, format=ox.RdfFormat.from_media_type(media))]
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def test_void_is_negotiated_like_every_rdf_document(site_client: FlaskClient) -> None:
    """A browser is sent to the data page (not handed RDF/XML to download); programs get
    the form they ask for, by Accept or suffix; any form will do: Turtle; none fits: 406."""
    browser = site_client.get("/.well-known/void", headers={"Accept": BROWSER})
    assert browser.status_code == 303 and browser.headers["Location"] == "/data/"
    assert "Accept" in browser.headers["Vary"]
    page = site_client.get("/.well-known/void", headers={"Accept": BROWSER},
                           follow_redirects=True)
    assert page.mimetype == "text/html" and "<h1>The data</h1>" in page.text
    assert 'href="/.well-known/void.ttl"' in page.text
    turtle = Graph().parse(data=site_client.get("/.well-known/void.ttl").data,
                           format="turtle")
    assert (URIRef("http://localhost/.well-known/void#dataset"),
            URIRef(VOID + "sparqlEndpoint"), URIRef("http://localhost/sparql")) in turtle
    for media, suffix in VOID_FORMS.items():
        asked = site_client.get("/.well-known/void", headers={"Accept": media})
        assert asked.status_code == 200 and asked.mimetype == media, media
        assert asked.headers["Vary"].startswith("Accept")
        assert isomorphic(read_back(asked.data, media), turtle), media
        named = site_client.get("/.well-known/void" + suffix, headers={"Accept": BROWSER})
        assert named.mimetype == media and named.data == asked.data, suffix
        assert named.headers["Content-Location"] == "/.well-known/void" + suffix
    for anything in ({}, {"Accept": "*/*"}):  # curl, and clients that send no Accept
        assert site_client.get("/.well-known/void", headers=anything).mimetype == "text/turtle"
    unknown = site_client.get("/.well-known/void", headers={"Accept": "application/x-nonsense"})
    assert unknown.status_code == 406 and unknown.mimetype == "application/problem+json"
    assert "text/turtle" in unknown.get_json()["detail"]


def test_the_cli_writes_the_same_files(runner: CliRunner, state_dir: Path, tmp_path: Path,
                                       site_client: FlaskClient) -> None:
    done = runner.invoke(main, ["export", "-o", str(tmp_path / "out"), "--state-dir",
                                str(state_dir)])
    assert done.exit_code == 0, done.output
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert written == set(release.FILES)
    # the RDF dumps and entity tables byte for byte (coverage's finding messages may list
    # holders in another order in another process: see the decision record)
    for name in [*release.DUMPS, "assignments.csv", "functions.csv", "roles.csv",
                 "provisions.csv"]:
        assert (tmp_path / "out" / name).read_bytes() == site_client.get(f"/data/{name}").data
        assert hashlib.sha256((tmp_path / "out" / name).read_bytes()).hexdigest() in done.stdout


def test_citation_cff_is_valid_cff() -> None:
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert {"cff-version", "message", "title", "authors"} <= set(cff)
    assert all(a.get("name") or a.get("family-names") for a in cff["authors"])
    preferred = cff["preferred-citation"]
    assert {"type", "title", "authors"} <= set(preferred)
    assert preferred["license"] == "OGL-UK-3.0"


@pytest.mark.parametrize("path", ["/", "/roles", "/id/role/iro", "/data/", "/search?q=iro"])
def test_every_page_says_how_to_cite_the_data(path: str, site_client: FlaskClient) -> None:
    html = site_client.get(path).get_data(as_text=True)
    version = site_client.get("/ready").get_json()["version"]
    block = html[html.index('<section class="cite-this"'):]
    block = block[: block.index("</section>")]
    assert release.TITLE in block and version[:12] in block
    assert release.LICENCE_URL in block and "http://localhost/" in block
    assert "<time datetime=" in block


def test_the_decision_record_names_the_licence() -> None:
    record = (REPO / "docs" / "decisions" / "20261202-open-data-licence.md").read_text()
    assert "Open Government Licence v3.0" in record and "OGL-UK-3.0" in record
    assert json.loads(json.dumps(release.FILES))  # plain names, nothing computed
