"""The who's who for a child (issue 18): plain words a reader of about 11 can follow, every
sentence traced to an assignment (or role fact) of the model, an A4 PDF, and strict names."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import textstat
from click.testing import CliRunner
from flask.testing import FlaskClient
from markupsafe import escape
from pypdf import PdfReader
from rdflib import URIRef

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.trainer import diagrams, whoswho
from rolegraph.vocab import RG, entity

SETTINGS = ["foster-care", "childrens-home", "secure-childrens-home", "placed-with-parents",
            "care-proceedings", "leaving-care"]
MODELS = ["current", "care-review-2022", "law@2003-01-01"]
# Words of the law or of social care a child will meet; each must be explained where used.
LEGAL = ["care plan", "review", "care order", "complaint", "Cafcass", "corporate parent",
         "court", "Ofsted", "Regulation 44", "pathway plan", "solicitor", "NHS", "council"]


def page(analysis: Analysis, setting: str, model: str) -> whoswho.WhosWho:
    view = analysis.viewing([model])
    return whoswho.whos_who(view, diagrams.collect(view), setting, model)


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_reads_at_grade_six_or_under(analysis: Analysis, facts: diagrams.Facts,
                                                    setting: str) -> None:
    who = whoswho.whos_who(analysis, facts, setting, "current")
    text = who.child_text()
    assert len(text.split()) > 60
    assert textstat.flesch_kincaid_grade(text) <= 6, setting


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("model", MODELS)
def test_every_statement_traces_to_an_assignment_of_the_model(analysis: Analysis, setting: str,
                                                              model: str) -> None:
    view = analysis.viewing([model])
    facts = diagrams.collect(view)
    who = whoswho.whos_who(view, facts, setting, model)
    m, s, graph = facts.model(model), facts.setting(setting), view.graph
    held = set()
    for statement in who.statements():
        trace = statement.trace
        assert statement.text and trace.fact, statement
        if trace.kind == "assignment":
            a = URIRef(trace.iri)
            assert str(graph.value(a, RG.model)) == m
            role, function = str(graph.value(a, RG.role)), str(graph.value(a, RG.function))
            assert any(h.role == role for h in facts.holders(m, function)), trace.iri
            assert URIRef(s) in set(graph.objects(URIRef(function), RG.appliesIn))
            assert trace.cited, trace.iri  # its law or source is named
            held.add(role)
        elif trace.kind == "frequency":
            assert str(graph.value(URIRef(trace.iri), RG.contactFrequency)) == trace.fact
        else:
            assert trace.kind in ("role", "contact", "term") and URIRef(trace.iri) in set(
                graph.subjects()), trace
    shown = {p.role for p in who.people}
    assert shown <= held | {p.role for p in who.people if p.does}
    # ... and no holder of the setting's functions is missing (unless met only elsewhere).
    for function, info in facts.functions.items():
        if s in info.settings:
            for h in facts.holders(m, function):
                elsewhere = set(graph.objects(URIRef(h.role), RG.meetsChildIn))
                assert h.role in shown or (elsewhere and URIRef(s) not in elsewhere), h.role


def test_every_role_shown_has_plain_words_and_no_figure_without_data(analysis: Analysis) -> None:
    for setting in SETTINGS:
        for model in MODELS:
            for person in page(analysis, setting, model).people:
                node = URIRef(person.role)
                assert analysis.graph.value(node, RG.plainDescription), person.role
                assert person.who.text == str(analysis.graph.value(node, RG.plainDescription))
                if person.often is not None:  # a frequency only where the data has one
                    assert analysis.graph.value(node, RG.contactFrequency) is not None


@pytest.mark.parametrize("setting", SETTINGS)
def test_how_often_is_asked_only_where_the_data_answers(analysis: Analysis, setting: str) -> None:
    """No heading answered by a shrug: "How often you will see them" only over a frequency."""
    who = page(analysis, setting, "current")
    html = whoswho.page_html(who)
    answered = [p for p in who.people if p.often and not p.lives_with]
    assert html.count("How often you will see them") == len(answered)
    for person in answered:
        assert f"<p>{escape(person.often.text)}</p>" in html
    assert "It depends." not in html


def test_plain_words_say_when_the_law_behind_them_has_not_started(analysis: Analysis) -> None:
    """A child reading the 2026 Act's model must not take a duty not yet in force for one
    they can ask for today: a function made only by prospective law says so."""
    rows = list(analysis.graph.query("""SELECT ?f ?words WHERE {
        ?f a rg:Function ; rg:plainDescription ?words .
        FILTER EXISTS { ?f rg:createdBy ?any }
        FILTER NOT EXISTS { ?f rg:createdBy ?p . FILTER NOT EXISTS { ?p rg:prospective true } }
    }""", initNs={"rg": RG}))
    assert rows  # the 2026 Act's Part 1 is prospective in the data
    for function, words in rows:
        assert "has not started yet" in str(words), function


def test_no_legal_term_without_an_explanation(analysis: Analysis, facts: diagrams.Facts) -> None:
    for setting in SETTINGS:
        who = whoswho.whos_who(analysis, facts, setting, "current")
        explained = {t.word.lower() for t in who.terms}
        text = who.child_text()
        for term in LEGAL:
            if re.search(rf"\b{re.escape(term)}s?\b", text, re.I):
                assert term.lower() in explained, (setting, term)


def test_childrens_home_names_the_people_in_a_home_not_a_foster_carer(
        analysis: Analysis, facts: diagrams.Facts) -> None:
    who = whoswho.whos_who(analysis, facts, "childrens-home", "current")
    roles = [slug(p.role) for p in who.people]
    assert {"social-worker", "iro", "advocate", "reg44-visitor", "residential-key-worker"} <= set(roles)
    assert "foster-carer" not in roles and "supervising-social-worker" not in roles
    assert roles.index("social-worker") < roles.index("ofsted")
    reg44 = next(p for p in who.people if slug(p.role) == "reg44-visitor")
    assert reg44.often and "once a month" in reg44.often.text
    assert any("0800 528 0731" in s.text for s in who.unhappy)  # Help at Hand, cited
    contact = next(s for s in who.unhappy if "0800 528 0731" in s.text)
    assert any("childrenscommissioner.gov.uk" in href for _, href in contact.trace.cited)


def test_the_care_review_model_changes_who_is_there(analysis: Analysis) -> None:
    today = {p.role for p in page(analysis, "childrens-home", "current").people}
    review = {p.role for p in page(analysis, "childrens-home", "care-review-2022").people}
    assert str(entity("role", "iro")) in today and str(entity("role", "iro")) not in review


@pytest.mark.parametrize("model", ["care-review-2022", "law@2003-01-01"])
@pytest.mark.parametrize("setting", SETTINGS)
def test_a_model_without_an_iro_never_mentions_one(analysis: Analysis, setting: str,
                                                    model: str) -> None:
    """A role's description says who they are, not what they do: the council's once said
    "It picks your IRO" on the pages of models that have no IRO."""
    assert str(entity("role", "iro")) not in diagrams.collect(analysis.viewing([model])).included[
        analysis.model(model)]
    said = [s.text for s in page(analysis, setting, model).statements()]
    assert not [text for text in said if re.search(r"\bIRO\b|reviewing officer", text)]


@pytest.mark.parametrize("setting", SETTINGS)
def test_help_sections_never_say_nobody_does_the_job(analysis: Analysis, setting: str) -> None:
    """Where the data names no holder in this setting, the page says so and gives the free
    lines of those who hold the job elsewhere under the model (care leavers and children in
    court proceedings were told "No one has this job here")."""
    who = page(analysis, setting, "current")
    for here, lines in ((who.advocate, who.advocate_lines), (who.unhappy, who.unhappy_lines)):
        assert here or lines, setting
        assert not (here and lines)
        assert all(line.trace.kind == "contact" and line.trace.cited for line in lines)
    html = whoswho.page_html(who)
    assert "No one has this job" not in html
    assert ('<a href="tel:+448088005792">0808 800 5792</a>' in html) is any(
        "0808 800 5792" in s.text for s in who.statements())


def test_leaving_care_gives_the_advocacy_line(analysis: Analysis) -> None:
    who = page(analysis, "leaving-care", "current")
    assert not who.advocate and any("0808 800 5792" in s.text for s in who.advocate_lines)
    assert whoswho.NOT_HERE in who.child_text()


def test_page_has_landmarks_headings_and_an_adults_view(site_client: FlaskClient) -> None:
    child = site_client.get("/whos-who/childrens-home")
    assert child.status_code == 200 and child.mimetype == "text/html"
    html = child.get_data(as_text=True)
    assert '<html lang="en-GB">' in html and "<main>" in html and 'aria-label="On this page"' in html
    assert html.count("<h1>") == 1 and "How to get an advocate</h2>" in html
    assert "If you are unhappy</h2>" in html and "for-adults" not in html
    adults = site_client.get("/whos-who/childrens-home?view=adults").get_data(as_text=True)
    assert 'id="for-adults"' in adults
    assert "https://w3id.org/rolegraph/id/assignment/current--iro--refer-to-cafcass" in adults
    assert "legislation.gov.uk/ukpga/1989/41/section/25B" in adults and "CA 1989 s.25B" in adults
    law = site_client.get("/whos-who/childrens-home?model=law@2003-01-01&view=adults")
    assert law.status_code == 200
    assert "law-2003-01-01--" in law.get_data(as_text=True)


def test_pdf_opens_and_is_a4(site_client: FlaskClient, output_dir: Path) -> None:
    answer = site_client.get("/whos-who/childrens-home.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.data))
    for sheet in reader.pages:
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - 595.3) < 1.5 and abs(height - 841.9) < 1.5  # A4 portrait, points
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Your social worker" in text and "Help at Hand" in text
    (output_dir / "whos-who-childrens-home.pdf").write_bytes(answer.data)


@pytest.mark.parametrize("path,status", [
    ("/whos-who/nowhere", 404), ("/whos-who/Childrens-Home", 404),
    ("/whos-who/childrens-home?model=nope", 400), ("/whos-who/childrens-home?view=teacher", 400),
    ("/whos-who/childrens-home?colour=red", 400), ("/whos-who/childrens-home?model=law@1900-01-01", 404),
    ("/whos-who/childrens-home?model=current&model=current", 400)])
def test_bad_names_are_problems_not_errors(site_client: FlaskClient, path: str,
                                           status: int) -> None:
    answer = site_client.get(path, headers={"Accept": "application/json"})
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"


def test_cli_writes_html_and_pdf(runner: CliRunner, state_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "who.pdf"
    result = runner.invoke(main, ["whos-who", "--setting", "foster-care", "--format", "pdf",
                                  "-o", str(out), "--state-dir", str(state_dir)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = runner.invoke(main, ["whos-who", "--setting", "foster-care", "--view", "adults",
                                  "--state-dir", str(state_dir)])
    assert result.exit_code == 0 and "Your foster carer" in result.output
    assert "current--social-worker--statutory-visits-to-child" in result.output
    bad = runner.invoke(main, ["whos-who", "--setting", "moon", "--state-dir", str(state_dir)])
    assert bad.exit_code == 2 and "unknown setting" in bad.output
