"""The model, role and diff pages link to the trainer's diagrams and cards, and each link works."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/id/model/care-review-2022", "/diagrams/model/care-review-2022.svg"),
        ("/id/model/care-review-2022", "/diagrams/model/current.svg?compare=care-review-2022"),
        ("/id/role/iro", "/roles/iro/card?model=current"),
        ("/id/role/iro", "/diagrams/model/current.svg?role=iro"),
        ("/diff?a=current&b=care-review-2022", "/diagrams/model/current.svg?compare=care-review-2022"),
    ],
)
def test_page_links_to_its_diagram(site_client: FlaskClient, page: str, expected: str) -> None:
    html = site_client.get(page).get_data(as_text=True)
    links = {href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', html)}
    assert expected in links
    response = site_client.get(expected)
    assert response.status_code == 200
    assert response.content_type.startswith(("image/svg+xml", "text/html"))


def test_role_card_is_not_offered_where_the_role_does_not_exist(site_client: FlaskClient) -> None:
    html = site_client.get("/id/role/iro").get_data(as_text=True)
    assert "/roles/iro/card?model=care-review-2022" not in html.replace("&amp;", "&")


def links_of(html: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in re.findall(r'href="(/[^"]*)"', html)}


def test_every_link_on_the_home_page_works_and_reaches_each_audience(
        site_client: FlaskClient) -> None:
    """The who's who, slides, briefs and time lines were served but linked from nowhere."""
    links = links_of(site_client.get("/").get_data(as_text=True))
    for setting in ("foster-care", "childrens-home", "leaving-care", "care-proceedings"):
        assert f"/whos-who/{setting}" in links
    assert {"/slides/current.pptx", "/briefs/current/care-review-2022.docx",
            "/timeline/role/iro.svg"} <= links
    broken = {link: code for link in sorted(links)
              if (code := site_client.get(link).status_code) != 200}
    assert not broken


@pytest.mark.parametrize("model", ["current", "law@2005-06-01"])
def test_around_the_child_links_the_childs_own_page(site_client: FlaskClient, model: str) -> None:
    html = site_client.get(f"/around?setting=leaving-care&model={model}").get_data(as_text=True)
    query = "" if model == "current" else f"?model={model}"
    for link in (f"/whos-who/leaving-care{query}", f"/whos-who/leaving-care.pdf{query}"):
        assert link in links_of(html)
        assert site_client.get(link).status_code == 200
