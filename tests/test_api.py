"""The JSON API and its OpenAPI description; proposal checks; the pages when no snapshot."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from rolegraph.web.api import OPENAPI, PROPOSAL_MAX_BYTES

PROPOSAL = REPO / "examples" / "proposal.yaml"
JSON = {"Accept": "application/json"}


def test_openapi_document_is_valid(site_client: FlaskClient) -> None:
    answer = site_client.get("/openapi.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    document = json.loads(answer.data)
    validate(document)  # raises on an invalid OpenAPI 3.1 document
    assert document == json.loads(json.dumps(OPENAPI))


def test_every_api_route_is_in_the_openapi_document(site_client: FlaskClient) -> None:
    """The document lists what the app serves under /api/ (an undocumented route is one an
    integrator cannot find, and one schemathesis never tries), with the same methods."""
    app = site_client.application
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule).replace("{name}", "{slug}")
            served.setdefault(path, set()).update(
                m.lower() for m in (rule.methods or set()) - {"HEAD", "OPTIONS"})
    documented = {p: set(item) for p, item in OPENAPI["paths"].items() if p.startswith("/api/")}
    assert served == documented


def example_path(path: str, operation: dict) -> str:  # type: ignore[type-arg]
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", parameter["example"])
    query = [f"{p['name']}={p['example']}" for p in operation.get("parameters", [])
             if p["in"] == "query" and "example" in p]
    return path + ("?" + "&".join(query) if query else "")


@pytest.mark.parametrize("path", [p for p, item in OPENAPI["paths"].items()
                                  if p.startswith("/api/") and "get" in item])
def test_every_documented_get_answers_json(site_client: FlaskClient, path: str) -> None:
    operation = OPENAPI["paths"][path]["get"]
    answer = site_client.get(example_path(path, operation))
    assert answer.status_code == 200, answer.data[:300]
    assert answer.mimetype == "application/json"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    json.loads(answer.data)


def test_roles_carry_independence(site_client: FlaskClient) -> None:
    roles = {r["slug"]: r for r in json.loads(site_client.get("/api/roles").data)}
    assert roles["iro"]["independence"] == "local-authority"
    assert roles["cafcass-guardian"]["independence"] == "independent"
    assert roles["iro"]["employers"][0]["href"] == "/id/organisation/local-authority"


def test_role_holdings_cite_basis_or_source(site_client: FlaskClient) -> None:
    role = json.loads(site_client.get("/api/roles/iro").data)
    models = json.loads(site_client.get("/api/models").data)
    assert role["classification"] == "local-authority"
    assert len(role["by_model"]) == len(models)
    holdings = [h for column in role["by_model"] for h in column["holdings"]]
    assert holdings
    assert all(h["basis"] or h["sources"] for h in holdings)
    assert any(b["iri"].startswith("http://www.legislation.gov.uk/id/") for h in holdings
               for b in h["basis"])


def test_coverage_filtered_by_model_and_setting(site_client: FlaskClient) -> None:
    data = json.loads(site_client.get("/api/coverage?model=current&setting=foster-care").data)
    assert {c["model"] for c in data["cells"]} == {"current"}
    every = json.loads(site_client.get("/api/coverage").data)["functions"]
    assert 0 < len(data["functions"]) < len(every)
    assert site_client.get("/api/coverage?model=utopia").status_code == 404


def test_diff_needs_two_known_models(site_client: FlaskClient) -> None:
    data = json.loads(site_client.get("/api/diff?a=current&b=care-review-2022").data)
    assert "iro" in data["roles_removed"]
    assert data["provisions_to_amend"]
    assert site_client.get("/api/diff?a=current").status_code == 400
    assert site_client.get("/api/diff?a=current&b=utopia").status_code == 404


def test_api_model_takes_the_law_on_a_date(site_client: FlaskClient) -> None:
    """law@YYYY-MM-DD is a model name on /api/models/ as on /models/, /api/coverage and
    /api/diff (it was 404 'no model' on the API alone)."""
    answer = site_client.get("/api/models/law@2005-06-01")
    assert answer.status_code == 200 and answer.mimetype == "application/json", answer.data[:300]
    model = json.loads(answer.data)
    assert model == json.loads(site_client.get("/models/law@2005-06-01", headers=JSON).data)
    assert model["entity"]["ref"]["label"] == "the law on 1 June 2005 (England)"
    assert model["entity"]["ref"]["iri"].endswith("/id/model/law-2005-06-01")
    cells = json.loads(site_client.get("/api/coverage?model=law@2005-06-01").data)["cells"]
    assert cells and {c["model"] for c in cells} == {"law-2005-06-01"}
    for bad in ("law@1900-01-01", "law@2005-02-30"):
        refused = site_client.get(f"/api/models/{bad}")
        assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
        assert bad in json.loads(refused.data)["detail"]


def test_design_paths_negotiate_json(site_client: FlaskClient) -> None:
    for path in ("/models", "/models/current", "/coverage", "/diff?a=current&b=adcs-2018"):
        answer = site_client.get(path, headers=JSON)
        assert answer.mimetype == "application/json", path
        json.loads(answer.data)


def test_unknown_role_is_404_problem(site_client: FlaskClient) -> None:
    answer = site_client.get("/api/roles/wizard")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


@pytest.mark.parametrize("path, name", [
    ("/api/roles/wizard", "wizard"), ("/api/coverage?model=utopia", "utopia"),
    ("/api/coverage?role=nobody", "nobody"), ("/api/coverage?setting=moon", "moon"),
    ("/api/diff?a=current&b=utopia", "utopia"), ("/briefs/current/utopia.docx", "utopia"),
    ("/diagrams/model/utopia.svg", "utopia"), ("/roles/nobody/card", "nobody"),
    ("/whos-who/moon", "moon"), ("/api/coverage?model=law@1800-01-01", "1800")])
def test_every_surface_answers_an_unknown_name_alike(site_client: FlaskClient, path: str,
                                                    name: str) -> None:
    # One error for a name the graph does not know (vocab.UnknownName), one answer for it:
    # 404 problem+json of the not-found type, saying which name.
    answer = site_client.get(path, headers=JSON)
    assert answer.status_code == 404, (path, answer.data[:300])
    assert answer.mimetype == "application/problem+json", path
    problem = json.loads(answer.data)
    assert problem["type"].endswith("not-found") and name in problem["detail"], problem


# --- /validate ------------------------------------------------------------------------------

def test_validate_yaml_proposal(site_client: FlaskClient) -> None:
    answer = site_client.post("/api/validate", data=PROPOSAL.read_bytes(),
                              content_type="application/yaml")
    assert answer.status_code == 200, answer.data[:500]
    report = json.loads(answer.data)
    assert {c["model"] for c in report["cells"]} == {"council-advocate-pilot"}
    assert isinstance(report["conforms"], bool)


def test_validate_multipart_upload_renders_html_for_browsers(site_client: FlaskClient) -> None:
    with PROPOSAL.open("rb") as handle:
        answer = site_client.post("/validate", data={"proposal": (handle, "proposal.yaml")},
                                  headers={"Accept": "text/html"},
                                  content_type="multipart/form-data")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert "council-advocate-pilot" in answer.text


def test_validate_turtle_proposal(site_client: FlaskClient, tmp_path: Path) -> None:
    turtle = (REPO / "data" / "models" / "adcs-2018.ttl").read_text().replace(
        "model:adcs-2018", "model:adcs-copy").replace("--adcs-2018", "--adcs-copy")
    answer = site_client.post("/validate", data=turtle, content_type="text/turtle")
    assert answer.status_code == 200, answer.data[:500]
    assert "adcs-copy" in {c["model"] for c in json.loads(answer.data)["cells"]}


@pytest.mark.parametrize("body,content_type,status", [
    (b"slug: [unclosed", "application/yaml", 422),
    (b"slug: x\nlabel: y\nassignments:\n  refer-to-cafcass: wizard\n", "application/yaml", 422),
    (b"", "application/yaml", 400),
    (b"hello", "text/plain", 415),
    (b"#" * (PROPOSAL_MAX_BYTES + 1), "application/yaml", 413),
])
def test_validate_refuses_bad_proposals(site_client: FlaskClient, body: bytes,
                                        content_type: str, status: int) -> None:
    answer = site_client.post("/api/validate", data=body, content_type=content_type)
    assert answer.status_code == status, answer.data[:300]
    assert answer.mimetype == "application/problem+json"


BAD_TURTLE = "@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c ;\n    ex:d .\n"


@pytest.mark.parametrize("path", ["/api/validate", "/validate"])
@pytest.mark.parametrize("how", ["turtle", "curl -d @file", "pasted", "form field"])
def test_bad_turtle_is_422_naming_the_parse_error(site_client: FlaskClient, path: str,
                                                  how: str) -> None:
    """Malformed Turtle is 422 with rdflib's reason and its line, however it is posted (a
    form post with the file as its body, as curl -d sends one, was 400 'the proposal is
    empty'), and the detail does not name the server's temporary file."""
    posts = {"turtle": {"data": BAD_TURTLE, "content_type": "text/turtle"},
             "curl -d @file": {"data": BAD_TURTLE,
                               "content_type": "application/x-www-form-urlencoded"},
             "pasted": {"data": {"text": BAD_TURTLE}, "content_type": "multipart/form-data"},
             "form field": {"data": {"proposal": BAD_TURTLE},
                            "content_type": "multipart/form-data"}}
    answer = site_client.post(path, headers=JSON, **posts[how])
    assert answer.status_code == 422, answer.data[:300]
    assert answer.mimetype == "application/problem+json"
    problem = json.loads(answer.data)
    assert problem["type"].endswith("invalid-proposal")
    assert problem["detail"] == "not valid Turtle: objectList expected"
    assert problem["errors"] == [{"line": 4, "message": "not valid Turtle: objectList expected"}]
    truncated = site_client.post(path, headers=JSON, data="@prefix ex: <http://e/> .\nex:a ex:b",
                                 content_type="text/turtle")
    assert truncated.status_code == 422
    assert "ends in the middle of a statement" in json.loads(truncated.data)["detail"]


def test_a_form_post_of_the_file_itself_is_checked(site_client: FlaskClient) -> None:
    """curl -d @proposal.yaml (a form post whose body is the file) is the file, checked."""
    answer = site_client.post("/api/validate", data=PROPOSAL.read_bytes(),
                              content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200, answer.data[:300]
    assert {c["model"] for c in json.loads(answer.data)["cells"]} == {"council-advocate-pilot"}
    for empty in (b"", b"text=", b"text=%20%20"):
        refused = site_client.post("/api/validate", data=empty,
                                   content_type="application/x-www-form-urlencoded")
        assert refused.status_code == 400 and "empty" in json.loads(refused.data)["detail"]


# --- serving --graph files: no snapshot, no pages; SPARQL still works -----------------------

def test_pages_without_snapshot_are_503_problems(sparql_client: FlaskClient) -> None:
    for path in ("/", "/id/role/iro", "/api/roles", "/coverage", "/def"):
        answer = sparql_client.get(path)
        assert answer.status_code == 503, path
        assert answer.mimetype == "application/problem+json"
        assert "--graph" in json.loads(answer.data)["detail"]
    assert sparql_client.get("/sparql?query=ASK{?s ?p ?o}").status_code == 200


def test_one_cors_policy_for_every_answer(state_dir: Path) -> None:
    """CORS_ORIGINS governs pages' RDF, the JSON API, the ontology and /sparql alike."""
    from rolegraph.web.app import create_app

    app = create_app({"TESTING": True, "ACCESS_LOG": False, "STATE_DIR": str(state_dir),
                      "CORS_ORIGINS": ["https://council.example"]})
    client = app.test_client()
    for path in ("/api/roles", "/id/role/iro.ttl", "/def.ttl", "/openapi.json",
                 "/sparql?query=ASK%7B%7D", "/.well-known/void"):
        allowed = client.get(path, headers={"Origin": "https://council.example"})
        other = client.get(path, headers={"Origin": "https://elsewhere.example"})
        assert allowed.headers.get("Access-Control-Allow-Origin") == "https://council.example", path
        assert "Access-Control-Allow-Origin" not in other.headers, path
