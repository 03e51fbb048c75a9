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
