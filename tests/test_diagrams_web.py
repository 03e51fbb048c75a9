"""/diagrams/... and /roles/{slug}/card over HTTP: formats, strict names, problem+json."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize("ext,media,magic", [
    ("svg", "image/svg+xml", b"<?xml"), ("png", "image/png", b"\x89PNG"),
    ("pdf", "application/pdf", b"%PDF"), ("dot", "text/vnd.graphviz", b"digraph"),
    ("mmd", "text/plain", b"---")])
def test_model_diagram_in_each_format(site_client: FlaskClient, ext: str, media: str,
                                      magic: bytes) -> None:
    answer = site_client.get(f"/diagrams/model/care-review-2022.{ext}?setting=childrens-home")
    assert answer.status_code == 200
    assert answer.mimetype == media
    assert answer.data.startswith(magic)
    assert answer.headers["ETag"] and "max-age" in answer.headers["Cache-Control"]


def test_comparison_svg_over_http(site_client: FlaskClient) -> None:
    answer = site_client.get("/diagrams/model/current.svg?compare=care-review-2022&role=iro")
    assert answer.status_code == 200
    ids = {e.get("id") for e in ET.fromstring(answer.data).iter() if e.get("id")}
    assert "a_fn--refer-to-cafcass" in ids and "a--role--iro" in ids


def test_comparison_of_changes_only_over_http(site_client: FlaskClient) -> None:
    def function_cells(query: str) -> set[str]:
        answer = site_client.get(f"/diagrams/model/current.svg?compare=care-review-2022{query}")
        assert answer.status_code == 200
        return {i for e in ET.fromstring(answer.data).iter()
                if (i := e.get("id") or "").startswith("a_fn--")}

    everything, changes = function_cells(""), function_cells("&only=changes")
    assert changes < everything
    assert "a_fn--refer-to-cafcass" in changes
    assert "a_fn--advise-court" in everything - changes  # the court advice does not move


@pytest.mark.parametrize("path,status", [
    ("/diagrams/model/nope.svg", 404),
    ("/diagrams/model/current.gif", 404),
    ("/diagrams/model/current", 404),
    ("/diagrams/model/..%2F..%2Fetc%2Fpasswd.svg", 404),
    ("/diagrams/model/Current.svg", 404),
    ("/diagrams/model/current.svg?role=nobody", 400),
    ("/diagrams/model/current.svg?setting=..", 400),
    ("/diagrams/model/current.svg?compare=nope", 400),
    ("/diagrams/model/current.svg?colour=red", 400),
    ("/diagrams/model/current.svg?only=changes", 400),
    ("/diagrams/model/current.svg?compare=adcs-2018&only=everything", 400),
    ("/diagrams/model/current.svg?role=iro&role=advocate", 400),
    ("/roles/nobody/card", 404),
    ("/roles/iro/card?model=nope", 400),
    ("/roles/iro/card.pdf?model=../x", 400),
])
def test_bad_names_are_problems(site_client: FlaskClient, path: str, status: int) -> None:
    answer = site_client.get(path)
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["status"] == status


def test_role_card_html_and_pdf(site_client: FlaskClient) -> None:
    page = site_client.get("/roles/iro/card?model=current")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "independent reviewing officer" in text and "CA 1989 s.25B(3)(a)" in text
    sheet = text.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert "@page" in site_client.get(sheet).get_data(as_text=True)  # print styles
    pdf = site_client.get("/roles/iro/card.pdf?model=care-review-2022")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_diagrams_draw_from_the_pages_analysis(site_client: FlaskClient, site_app) -> None:  # type: ignore[no-untyped-def]
    """One analysis per worker: the diagrams reuse the one the pages built (and follow it)."""
    from rolegraph.web.diagrams import TRAINER
    from rolegraph.web.site import SITE

    assert site_client.get("/diagrams/model/current.dot").status_code == 200
    assert site_app.extensions[TRAINER].analysis is site_app.extensions[SITE].site.analysis
