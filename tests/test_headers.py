"""Safe headers on every answer (issue 16), set in web/app.py (secure_headers): a
Content-Security-Policy with no inline script or style and no framing, nosniff, a
Referrer-Policy; no HSTS and no HTTPS redirect for plain-HTTP serving; and the ETags with
304s of web/conditional.py kept. Whether the pages really load under the policy is checked
in a browser in tests/test_accessibility.py."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from rolegraph.web.app import CSP

SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/rolegraph/def#Role> } LIMIT 3"

PAGES = ["/", "/roles", "/id/role/iro", "/functions", "/models", "/id/model/current",
         "/coverage", "/diff?a=current&b=care-review-2022", "/around", "/evidence",
         "/timeline/role/iro", "/legislation", "/sources", "/positions", "/queries",
         "/queries/iro-functions-under-care-review", "/query", "/validate", "/search?q=reg+44",
         "/data/", "/whos-who/childrens-home", "/roles/iro/card", "/def", "/accessibility"]
API = ["/api", "/api/roles", "/api/roles/iro", "/api/coverage", "/api/diff?a=current&b=care-review-2022",
       "/api/search?q=reg+44", "/openapi.json", "/health", "/.well-known/void"]
DOWNLOADS = ["/coverage.csv", "/coverage.xlsx", "/coverage.md", "/diff.csv", "/data/rolegraph.trig",
             "/data/rolegraph.nq.gz", "/id/role/iro.ttl", "/def.ttl", "/validate/template.yaml"]
DIAGRAMS = ["/diagrams/model/current.svg", "/roles/iro/card.pdf", "/timeline/role/iro.svg"]
STATIC = ["/static/rolegraph.css", "/static/query.js", "/static/cards.css", "/static/favicon.svg"]


def directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_safe(response: TestResponse) -> None:
    headers = response.headers
    policy = directives(headers.get("Content-Security-Policy", ""))
    assert policy.get("default-src") == ["'self'"], policy
    assert policy.get("script-src") == ["'self'"], policy
    assert policy.get("style-src") == ["'self'"], policy
    assert policy.get("frame-ancestors") == ["'none'"], policy
    assert policy.get("object-src") == ["'none'"], policy
    assert policy.get("base-uri") == ["'none'"], policy
    assert policy.get("form-action") == ["'self'"], policy
    for values in policy.values():  # nothing inline, nothing evaluated, no wildcard source
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"} & set(values)
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP on a local machine works


def get(client: FlaskClient, url: str, **kwargs: object) -> TestResponse:
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, (url, response.status_code, response.data[:300])
    return response


def test_the_policy_is_the_one_web_app_sets() -> None:
    assert CSP["script-src"] == "'self'" and CSP["style-src"] == "'self'"


@pytest.mark.parametrize("url", PAGES)
def test_pages_carry_the_safe_headers(site_client: FlaskClient, url: str) -> None:
    response = get(site_client, url)
    assert response.mimetype == "text/html"
    assert_safe(response)


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_script_or_style(site_client: FlaskClient, url: str) -> None:
    html = get(site_client, url).get_data(as_text=True)
    assert not re.search(r"<style[\s>]", html), url
    assert not re.search(r"\sstyle\s*=", html), url
    assert not re.search(r"\son[a-z]+\s*=\s*[\"']", html), url  # onclick= and the like
    assert not re.search(r"href\s*=\s*[\"']javascript:", html, re.I), url
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script, (url, script)  # every script is a file from /static/


@pytest.mark.parametrize("url", API + DOWNLOADS + DIAGRAMS + STATIC)
def test_api_downloads_diagrams_and_static_files_carry_them(
    site_client: FlaskClient, url: str
) -> None:
    assert_safe(get(site_client, url))


def test_sparql_answers_carry_them(site_client: FlaskClient) -> None:
    assert_safe(get(site_client, "/sparql", query_string={"query": SELECT},
                    headers={"Accept": "application/sparql-results+json"}))
    posted = site_client.post("/sparql", data=SELECT,
                              headers={"Content-Type": "application/sparql-query"})
    assert posted.status_code == 200
    assert_safe(posted)
    form = get(site_client, "/sparql", headers={"Accept": "text/html"})
    assert_safe(form)
    assert "<style" not in form.get_data(as_text=True)
    assert_safe(get(site_client, "/sparql", headers={"Accept": "text/turtle"}))


@pytest.mark.parametrize("url", ["/id/role/no-such-role", "/no/such/page"])
def test_errors_carry_them(site_client: FlaskClient, url: str) -> None:
    response = site_client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert_safe(response)
    bad = site_client.get("/sparql", query_string={"query": "SELEC nonsense"})
    assert bad.status_code == 400
    assert_safe(bad)


@pytest.mark.parametrize("url", ["/", "/coverage", "/api/roles", "/coverage.csv",
                                 "/data/rolegraph.trig", "/diagrams/model/current.svg"])
def test_etags_and_304s_are_kept(site_client: FlaskClient, url: str) -> None:
    first = get(site_client, url)
    tag = first.headers.get("ETag")
    assert tag, url
    again = site_client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304, url
    assert again.data == b""
    assert_safe(again)


def test_no_https_redirect_on_plain_http(site_client: FlaskClient) -> None:
    response = site_client.get("/", base_url="http://example.org")
    assert response.status_code == 200
    assert "Location" not in response.headers


@pytest.mark.parametrize("url", ["/api/roles", "/sparql", "/api/validate", "/id/role/iro"])
def test_cors_preflight_offers_only_the_methods_served(site_client: FlaskClient,
                                                      url: str) -> None:
    """The service is read-only: a preflight allows GET, HEAD, POST and OPTIONS (it offered
    PUT, PATCH and DELETE too, each then answered 405)."""
    answer = site_client.options(url, headers={"Origin": "https://council.example",
                                               "Access-Control-Request-Method": "POST"})
    assert answer.status_code == 200
    allowed = {m.strip() for m in answer.headers["Access-Control-Allow-Methods"].split(",")}
    assert allowed == {"GET", "HEAD", "POST", "OPTIONS"}
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    for method in ("PUT", "PATCH", "DELETE"):
        assert site_client.open(url, method=method).status_code == 405
