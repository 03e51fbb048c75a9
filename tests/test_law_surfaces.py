"""law@YYYY-MM-DD on the web's diagrams, cards, model page and "around the child", and the
drawn time lines (web and CLI), checked against the analysis and lawtime.timeline."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from pypdf import PdfReader
from rdflib import RDFS, Graph, Literal, URIRef

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.graph import lawtime
from rolegraph.graph.proposal import ProposalError
from rolegraph.trainer import cards, diagrams, timeline
from rolegraph.vocab import RG

ID = "https://w3id.org/rolegraph/id/"
SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"
A4_LANDSCAPE = (842, 595)  # points
BEFORE_IRO, AFTER_IRO = "law@2003-01-01", "law@2012-01-01"  # the IRO came in 2004


def holders_at(analysis: Analysis, name: str, setting: str | None = None) -> set[str]:
    """Slugs of the roles that hold something under the law on a date (in a setting)."""
    view = analysis.viewing([name])
    law, facts = view.model(name), diagrams.collect(view)
    wanted = [f for f, info in facts.functions.items()
              if setting is None or f"{ID}setting/{setting}" in info.settings]
    return {slug(h.role) for f in wanted for h in facts.holders(law, f)}


# --- law@ on the diagrams, cards, model page and around ------------------------------------------

@pytest.mark.parametrize("name", [BEFORE_IRO, AFTER_IRO])
def test_model_diagram_of_the_law_on_a_date(site_client: FlaskClient, analysis: Analysis,
                                            name: str) -> None:
    answer = site_client.get(f"/diagrams/model/{name}.dot")
    assert answer.status_code == 200
    boxes = set(re.findall(r'id="box--([a-z0-9-]+)"', answer.text)) - {"gap"}
    assert boxes == holders_at(analysis, name)
    assert ("iro" in boxes) == (name == AFTER_IRO)
    day = lawtime.parse(name)
    assert day is not None and f"the law on {day:%-d %B %Y}" in answer.text


def test_comparison_with_the_law_on_a_date(site_client: FlaskClient, analysis: Analysis) -> None:
    answer = site_client.get(f"/diagrams/model/current.svg?compare={BEFORE_IRO}&role=iro")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    text = "".join(ET.fromstring(answer.data).itertext())
    assert "the law on 1 January 2003" in text
    changes = {slug(c.function) for c in analysis.diff("current", BEFORE_IRO).changes}
    ids = {e.get("id") for e in ET.fromstring(answer.data).iter() if e.get("id")}
    assert "a_fn--refer-to-cafcass" in ids and "refer-to-cafcass" in changes
    pdf = site_client.get(f"/diagrams/model/{AFTER_IRO}.pdf?compare=current")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_iro_card_on_a_date(site_client: FlaskClient, analysis: Analysis) -> None:
    for name in (BEFORE_IRO, AFTER_IRO):
        view = analysis.viewing([name])
        card = cards.role_card(view, diagrams.collect(view), "iro", name)
        page = site_client.get(f"/roles/iro/card?model={name}")
        assert page.status_code == 200
        assert card.model_title in page.text
        assert card.included == (name == AFTER_IRO)
        assert ("does not include the role" in page.text) == (not card.included)
        assert all(held.label in page.text.replace("&#39;", "'") for held in card.functions)
    assert not cards.role_card(analysis.viewing([BEFORE_IRO]),
                               diagrams.collect(analysis.viewing([BEFORE_IRO])), "iro",
                               BEFORE_IRO).functions


def test_iro_card_pdf_on_a_date(site_client: FlaskClient) -> None:
    answer = site_client.get(f"/roles/iro/card.pdf?model={AFTER_IRO}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.data)).pages)
    assert "1 January 2012" in text


@pytest.mark.parametrize("name", [BEFORE_IRO, AFTER_IRO])
def test_model_page_of_the_law_on_a_date(site_client: FlaskClient, analysis: Analysis,
                                         name: str) -> None:
    page = site_client.get(f"/models/{name}")
    assert page.status_code == 200
    day = lawtime.parse(name)
    assert day is not None and f"<h1>the law on {day:%-d %B %Y} (England)</h1>" in page.text
    roles_part = page.text.split('id="roles"', 1)[1].split('id="assignments"', 1)[0]
    listed = set(re.findall(r'href="/id/role/([a-z0-9-]+)"', roles_part))
    assert listed == holders_at(analysis, name)
    assert f'href="/diagrams/model/{name}.svg"' in page.text  # its diagram, by the same name


@pytest.mark.parametrize("name", [BEFORE_IRO, AFTER_IRO])
def test_around_the_child_on_a_date(site_client: FlaskClient, analysis: Analysis,
                                    name: str) -> None:
    page = site_client.get(f"/around?setting=childrens-home&model={name}")
    assert page.status_code == 200
    assert re.search(f'<option value="{name}" selected>', page.text)
    people = set(re.findall(r'<h2 id="p-\d+"><a href="/id/role/([a-z0-9-]+)"', page.text))
    assert people == holders_at(analysis, name, "childrens-home")


def test_law_model_links_go_to_its_model_page(site_client: FlaskClient) -> None:
    page = site_client.get(f"/diff?a={BEFORE_IRO}&b=current")
    assert f'href="/models/{BEFORE_IRO}"' in page.text
    assert site_client.get(f"/models/{BEFORE_IRO}").status_code == 200


@pytest.mark.parametrize("path", [
    "/models/{}", "/api/models/{}", "/api/coverage?model={}", "/api/diff?a={}&b=current",
    "/diagrams/model/{}.dot", "/diagrams/model/current.dot?compare={}",
    "/roles/iro/card?model={}", "/around?setting=childrens-home&model={}"])
def test_the_law_on_a_date_goes_by_its_iri_slug_too(site_client: FlaskClient, path: str) -> None:
    """law-YYYY-MM-DD (the slug of model/law-YYYY-MM-DD, the IRI outputs give) is the same
    model name as law@YYYY-MM-DD wherever a model is named (it was refused)."""
    by_slug = site_client.get(path.format(AFTER_IRO.replace("@", "-")))
    by_name = site_client.get(path.format(AFTER_IRO))
    assert by_name.status_code == 200
    assert (by_slug.status_code, by_slug.mimetype) == (200, by_name.mimetype), by_slug.data[:300]
    if by_name.mimetype == "application/json":
        assert json.loads(by_slug.data) == json.loads(by_name.data)
    else:
        assert "the law on 1 January 2012" in by_slug.text


def test_the_iri_of_the_law_on_a_date_dereferences(site_client: FlaskClient) -> None:
    """Outputs name the law on a date by model/law-YYYY-MM-DD: people are sent on to its page
    (303 See Other), RDF asks get its description; it was 404 in every format."""
    models = json.loads(site_client.get("/api/models/law@2005-06-01").data)
    iri = models["entity"]["ref"]["iri"]
    assert iri == f"{ID}model/law-2005-06-01"
    path = "/id/" + iri[len(ID):]
    for headers in ({}, {"Accept": "text/html"}):
        seen = site_client.get(path, headers=headers)
        assert seen.status_code == 303 and seen.headers["Location"] == "/models/law@2005-06-01"
        followed = site_client.get(seen.headers["Location"])
        assert followed.status_code == 200 and "the law on 1 June 2005" in followed.text
    jsonld = site_client.get(path + ".jsonld")
    assert jsonld.status_code == 200 and jsonld.mimetype == "application/ld+json"
    assert "the law on 1 June 2005 (England)" in json.dumps(json.loads(jsonld.data))
    for suffix, headers in ((".ttl", {}), ("", {"Accept": "text/turtle"}), (".nt", {})):
        answer = site_client.get(path + suffix, headers=headers)
        assert answer.status_code == 200, (suffix, headers, answer.data[:300])
        described = Graph().parse(data=answer.data, format="nt" if suffix == ".nt" else "turtle")
        assert (URIRef(iri), RDFS.label, Literal("the law on 1 June 2005 (England)", lang="en")
                ) in described
        assert (URIRef(iri), RG.status, Literal("in force")) in described
        assert any(described.subjects(RG.model, URIRef(iri)))  # its assignments


def test_every_page_the_law_on_a_date_links_to_answers(site_client: FlaskClient) -> None:
    """The API's record of the law on a date links its assignments
    (/id/assignment/law-YYYY-MM-DD--role--function), each of which answers (they were 404)."""
    record = site_client.get("/api/models/law@2005-06-01").text
    links = set(re.findall(r'"href": "(/id/[^"]+)"', record))
    assert any(link.startswith("/id/assignment/law-2005-06-01--") for link in links)
    assert not {link: status for link in sorted(links)
                if (status := site_client.get(link).status_code) not in (200, 303)}
    turtle = site_client.get("/id/assignment/law-2005-06-01--cafcass-guardian--advise-court.ttl")
    assert turtle.status_code == 200 and "law-2005-06-01" in turtle.text
    refused = site_client.get("/id/assignment/law-1900-01-01--cafcass-guardian--advise-court")
    assert refused.status_code == 404 and refused.mimetype == "application/problem+json"


def test_a_proposal_may_not_take_the_name_of_the_law_on_a_date(analysis: Analysis,
                                                                tmp_path: Path) -> None:
    for name, text in (("p.yaml", "slug: law-2005-06-01\nlabel: Mine\nbased_on: current\n"),
                       ("p.ttl", "@prefix rg: <https://w3id.org/rolegraph/def#> .\n"
                                 f"<{ID}model/law-2005-06-01> a rg:ReformModel .\n")):
        proposal = tmp_path / name
        proposal.write_text(text)
        with pytest.raises(ProposalError, match="the law on a date"):
            analysis.proposing(proposal)


# --- bad law@ values: 404 for a date the law does not cover, 400 for a malformed name ---------

def test_bad_law_dates(site_client: FlaskClient, analysis: Analysis) -> None:
    assert analysis.as_of is not None
    after = f"law@{analysis.as_of + timedelta(days=1)}"
    last = f"law@{analysis.as_of}"
    assert site_client.get(f"/models/{last}").status_code == 200
    cases = {
        "/diagrams/model/law@1991-10-13.svg": 404,
        f"/diagrams/model/{after}.svg": 404,
        f"/diagrams/model/current.svg?compare={after}": 404,
        "/diagrams/model/current.svg?compare=law@2005-02-30": 404,
        "/diagrams/model/current.svg?compare=law@2005-6-1": 400,
        "/diagrams/model/current.svg?compare=LAW@2005-06-01": 400,
        "/diagrams/model/law@2005-06-01.svg?compare=law@2005-06-01&compare=current": 400,
        "/roles/iro/card?model=law@1990-01-01": 404,
        f"/roles/iro/card.pdf?model={after}": 404,
        "/roles/iro/card?model=law@": 400,
        "/models/law@1991-10-13": 404,
        f"/models/{after}": 404,
        "/models/law@2005-13-01": 404,
        "/around?model=law@1900-01-01": 404,
        f"/around?model={after}": 404,
        "/models/law-1991-10-13": 404,
        "/api/models/law-2005-02-30": 404,
        "/id/model/law-1900-01-01": 404,
        "/id/model/law-2005-02-30.ttl": 404,
        f"/id/model/{after.replace('@', '-')}": 404,
        f"/id/model/{after.replace('@', '-')}.jsonld": 404,
        "/diagrams/model/current.svg?compare=law-2005-6-1": 400,
    }
    for path, status in cases.items():
        answer = site_client.get(path)
        assert (path, answer.status_code) == (path, status)
        assert answer.mimetype == "application/problem+json"


# --- the drawn time lines ------------------------------------------------------------------------

def labels_in(svg: bytes) -> tuple[str, list[str]]:
    """The SVG's visible text, and the hover titles of its bars (one per period)."""
    root = ET.fromstring(svg)
    text = " ".join(t for e in root.iter(f"{SVG}text") for t in e.itertext())
    text = re.sub(r"\s+", " ", text)  # the notes' lines, joined again
    return text, [e.get(XLINK_TITLE, "") for e in root.iter(f"{SVG}a") if e.get(XLINK_TITLE)]


@pytest.mark.parametrize("kind,name", [("role", "iro"), ("function", "refer-to-cafcass"),
                                       ("role", "local-authority"),
                                       ("function", "represent-child-in-care-proceedings")])
def test_drawn_time_line_shows_every_period(site_client: FlaskClient, analysis: Analysis,
                                            kind: str, name: str) -> None:
    answer = site_client.get(f"/timeline/{kind}/{name}.svg")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    text, titles = labels_in(answer.data)
    label = analysis.report.label
    periods = lawtime.timeline(analysis.graph, f"{ID}{kind}/{name}")
    assert periods and len(titles) == len(periods)
    assert label(f"{ID}{kind}/{name}") in text
    for p in periods:
        laws = [label(b) for b in p.bases]
        assert any(label(p.role) in t and label(p.function) in t and p.valid_from in t
                   and all(law.split(" (")[0] in t for law in laws) for t in titles), p
        assert label(p.role) in text  # in the title (a role) or on its lane (a function)
        day = date.fromisoformat(p.valid_from)
        assert f"{day:%-d %B %Y}" in text  # the turn of the law it began at, in the notes
        assert all(law in text for law in laws)  # in the notes at the turn it came in


@pytest.mark.parametrize("kind,name", [("role", "iro"), ("function", "refer-to-cafcass")])
def test_drawn_time_line_reads_on_a4_landscape(site_client: FlaskClient, kind: str,
                                               name: str) -> None:
    svg = site_client.get(f"/timeline/{kind}/{name}.svg").data
    root = ET.fromstring(svg)
    sizes = [float(e.get("font-size", "0")) for e in root.iter(f"{SVG}text")]
    assert sizes and min(sizes) >= 9
    width, height = (float(root.get(a, "0").removesuffix("pt")) for a in ("width", "height"))
    assert width <= 792 and height <= 525  # A4 landscape's printable area: never scaled down
    pdf = site_client.get(f"/timeline/{kind}/{name}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) <= A4_LANDSCAPE[0] and float(box.height) <= A4_LANDSCAPE[1]
    assert "Time line of the" in reader.pages[0].extract_text()
    png = site_client.get(f"/timeline/{kind}/{name}.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")


@pytest.mark.parametrize("kind,name", [("role", "iro"), ("function", "refer-to-cafcass"),
                                       ("role", "local-authority")])
def test_drawn_time_line_keeps_its_margins(site_client: FlaskClient, kind: str,
                                           name: str) -> None:
    """No text at the page's edge: the lanes' names and the notes start MARGIN in, the title
    is below the top, and the page is as wide as the chart was laid out for."""
    root = ET.fromstring(site_client.get(f"/timeline/{kind}/{name}.svg").data)
    assert float(root.get("width", "0").removesuffix("pt")) == timeline.WIDTH
    height = float(root.get("height", "0").removesuffix("pt"))
    texts = list(root.iter(f"{SVG}text"))
    assert texts
    for text in texts:
        x, y = float(text.get("x", "0")), height + float(text.get("y", "0"))  # y from the top
        size = float(text.get("font-size", "0"))
        assert x >= timeline.MARGIN - 1 and y - size > 0, "".join(text.itertext())


def test_time_line_page_links_its_drawings(site_client: FlaskClient) -> None:
    page = site_client.get("/timeline/role/iro")
    for ext in ("svg", "pdf"):
        assert f'href="/timeline/role/iro.{ext}"' in page.text
    for path in ("/timeline/role/nobody.svg", "/timeline/function/nothing.pdf",
                 "/timeline/role/iro.gif", "/timeline/role/Iro.svg"):
        assert site_client.get(path).status_code == 404, path
    assert site_client.get("/timeline/role/iro.svg?at=2005").status_code == 400


def test_cli_draws_a_time_line(runner: CliRunner, tmp_path: Path, state_dir: Path, analysis: Analysis) -> None:
    pdf, png = tmp_path / "iro.pdf", tmp_path / "cafcass.png"
    made = runner.invoke(main, ["timeline", "--role", "iro", "--format", "pdf", "-o", str(pdf),
                                "--state-dir", str(state_dir)])
    assert made.exit_code == 0, made.output
    text = unicodedata.normalize("NFKC", PdfReader(pdf).pages[0].extract_text())  # "ﬃ"
    assert "independent reviewing officer" in text
    made = runner.invoke(main, ["timeline", "--function", "refer-to-cafcass", "--format", "png",
                                "-o", str(png), "--state-dir", str(state_dir)])
    assert made.exit_code == 0, made.output
    assert png.read_bytes().startswith(b"\x89PNG")
    svg = runner.invoke(main, ["timeline", "--function", "refer-to-cafcass",
                               "--state-dir", str(state_dir)])
    assert svg.exit_code == 0 and "<svg" in svg.stdout
    for bad in (["--role", "nobody"], ["--role", "iro", "--function", "refer-to-cafcass"], [],
                ["--role", "iro", "--format", "pdf"]):
        refused = runner.invoke(main, ["timeline", *bad, "--state-dir", str(state_dir)])
        assert refused.exit_code == 2, (bad, refused.output)


@pytest.mark.parametrize("name", ["iro", "local-authority", "registered-person"])
def test_a_turn_says_out_of_force_only_of_law_the_data_ends(analysis: Analysis,
                                                            name: str) -> None:
    """A basis a role stops citing is not, for that alone, out of force (SI 2004/2187 after
    2011 was said to be): "out of force" only for law with an rg:inForceUntil by that day."""
    periods = lawtime.timeline(analysis.graph, f"{ID}role/{name}")
    label = analysis.report.label
    said = {t.day: t.text for t in timeline.turns(analysis, periods, is_role=True)}
    for day, text in said.items():
        out = re.search(r"out of force: (.*?)(?:; (?:no longer cited|begins|carries|ends)|$)",
                        text)
        dropped = {b for p in periods if p.valid_until == day.isoformat() for b in p.bases} - {
            b for p in periods if p.valid_from == day.isoformat() for b in p.bases}
        for basis in dropped:
            words = re.sub(r" \(\d{4}-\d{4}\)$", "", label(basis))
            if not lawtime.out_of_force_by(analysis.graph, basis, day):
                assert not out or words not in out[1], (day, words)
                assert words in text  # said, as no longer cited
