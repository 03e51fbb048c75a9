"""The law over time (issue 13): the statutory system since 1991, asked through SPARQL, the
analysis, the CLI and the service; model:current is the system as at its rg:asOf date."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.query.engine import Engine

ID = "https://w3id.org/rolegraph/id/"
LEG = "http://www.legislation.gov.uk/id/"
AT = """SELECT * WHERE {
    ?a rg:model model:statutory-system ; rg:function ?function ; rg:role ?role ;
       rg:validFrom ?from .
    OPTIONAL { ?a rg:basis ?basis }
    OPTIONAL { ?a rg:validUntil ?until }
    FILTER (STR(?from) <= ?day && (!BOUND(?until) || STR(?until) > ?day))
}"""


def at(engine: Engine, day: str, **bind: str) -> list[dict[str, str]]:
    return engine.select(AT.replace("?day", f'"{day}"'), **bind)


def test_in_2005_the_iro_referred_cases_to_cafcass_under_section_26_2a(engine: Engine) -> None:
    rows = at(engine, "2005-06-01", function=f"{ID}function/refer-to-cafcass")
    assert {r["role"] for r in rows} == {f"{ID}role/iro"}
    assert f"{LEG}ukpga/1989/41/section/26/2A" in {r["basis"] for r in rows}


def test_nothing_rested_on_section_25b_in_2005(engine: Engine) -> None:
    rows = [r for r in at(engine, "2005-06-01")
            if r.get("basis", "").startswith(f"{LEG}ukpga/1989/41/section/25B")]
    assert rows == []
    later = at(engine, "2012-01-01", function=f"{ID}function/refer-to-cafcass")
    assert any(r["basis"].startswith(f"{LEG}ukpga/1989/41/section/25B") for r in later)


def test_before_2004_nobody_was_an_iro(engine: Engine) -> None:
    assert at(engine, "2003-01-01", role=f"{ID}role/iro") == []
    assert at(engine, "1995-01-01", role=f"{ID}role/guardian-ad-litem")
    assert at(engine, "2005-01-01", role=f"{ID}role/guardian-ad-litem") == []


def test_current_is_the_statutory_system_as_at_its_date(engine: Engine) -> None:
    day = engine.select("SELECT * WHERE { model:current rg:asOf ?day }")[0]["day"]
    period = {(r["role"], r["function"]) for r in at(engine, day)}
    current = {(r["role"], r["function"]) for r in engine.select(
        "SELECT * WHERE { ?a rg:model model:current ; rg:role ?role ; rg:function ?function }")}
    assert period and period == current
    derived = engine.select("SELECT * WHERE { ?a rg:model model:current ; rg:derivedFrom ?p }")
    assert len(derived) == len(current)


def test_every_period_is_dated_and_ordered(engine: Engine) -> None:
    rows = engine.select("""SELECT * WHERE { ?a rg:model model:statutory-system .
        OPTIONAL { ?a rg:validFrom ?from } OPTIONAL { ?a rg:validUntil ?until } }""")
    assert rows and all("from" in r for r in rows)
    assert all(r["from"] < r["until"] for r in rows if "until" in r)


def test_the_law_at_a_date_is_a_model_everywhere(analysis: Analysis) -> None:
    law = analysis.model("law@2005-06-01")
    report = analysis.coverage(["law@2005-06-01"])
    assert list(report.models) == [law]
    assert report.of("Violation", law) == []
    holders = {slug(h.role) for h in report.cell(law, f"{ID}function/refer-to-cafcass").holders}
    assert holders == {"iro"}


def test_diff_2003_to_today_is_the_iro_and_advocacy_arriving(analysis: Analysis) -> None:
    diff = analysis.diff("law@2003-01-01", "current")
    added = {slug(r) for r in diff.roles_added}
    assert {"iro", "advocate"} <= added
    kinds = {slug(c.function): c.kind for c in diff.changes}
    assert kinds["refer-to-cafcass"] == "arrives"
    assert kinds["independent-advocacy"] == "arrives"
    assert "ensure-wishes-feelings-considered" in kinds


def test_cli_takes_a_date_and_refuses_one_before_1991(runner: CliRunner, tmp_path: Path, snapshot: object) -> None:
    state = tmp_path / "state"
    ok = runner.invoke(main, ["diff", "law@2003-01-01", "current", "--state-dir", str(state)])
    assert ok.exit_code == 0, ok.output
    assert "the law on 1 January 2003 (England)" in ok.stdout and "arrives" in ok.stdout
    bad = runner.invoke(main, ["coverage", "--model", "law@1990-01-01",
                                    "--state-dir", str(state)])
    assert bad.exit_code == 2 and "14 October 1991" in bad.output


def test_service_answers_law_at_a_date(site_client: FlaskClient) -> None:
    page = site_client.get("/diff?a=law@2010-01-01&b=current")
    assert page.status_code == 200 and "the law on 1 January 2010" in page.text
    assert site_client.get("/diff?a=law@1990-01-01&b=current").status_code == 404
    data = json.loads(site_client.get("/api/coverage?model=law@2005-06-01").data)
    assert {c["model"] for c in data["cells"]} == {"law-2005-06-01"}


def test_time_lines_of_a_function_and_a_role(site_client: FlaskClient, engine: Engine) -> None:
    page = site_client.get("/timeline/function/refer-to-cafcass")
    assert page.status_code == 200 and "2004-09-27" in page.text and "CA 1989 s.26(2A)" in page.text
    data = json.loads(site_client.get("/api/timeline/role/iro").data)
    starts = [p["valid_from"] for p in data["periods"]]
    assert starts == sorted(starts) and starts[0] == "2004-09-27"
    expected = engine.select("SELECT * WHERE { ?a rg:model model:statutory-system ; "
                             "rg:role role:iro }")
    assert len(data["periods"]) == len(expected)
    assert site_client.get("/timeline/role/nobody").status_code == 404


def test_diagrams_and_cards_take_a_date(runner: CliRunner, tmp_path: Path, snapshot: object) -> None:
    state = tmp_path / "state"
    svg, card = tmp_path / "law.svg", tmp_path / "card.html"
    drawn = runner.invoke(main, ["diagram", "--model", "law@2005-06-01", "--format", "svg",
                                      "-o", str(svg), "--state-dir", str(state)])
    assert drawn.exit_code == 0, drawn.output
    text = svg.read_text()
    assert "the law on 1 June 2005" in text and "independent reviewing officer" in text
    assert "Regulation 44 visitor" not in text  # the 2001 regulations' visits were the provider's
    made = runner.invoke(main, ["card", "--role", "iro", "--model", "law@2005-06-01",
                                     "--format", "html", "-o", str(card), "--state-dir", str(state)])
    assert made.exit_code == 0, made.output
    html = card.read_text()
    assert "the law on 1 June 2005" in html and "CA 1989 s.26(2A)" in html


CWSA = f"{LEG}ukpga/2026/21/section/"


def test_the_2026_act_part_1_is_prospective_and_rests_nothing_in_force(engine: Engine) -> None:
    rows = engine.select("""SELECT ?p WHERE { ?p rg:partOf <http://www.legislation.gov.uk/id/ukpga/2026/21> ;
        rg:prospective true }""")
    prospective = {r["p"] for r in rows}
    assert {f"{CWSA}{n}" for n in (1, 3, 6, 7)} <= prospective
    # no commencement was found, so every prospective section says so in rg:unverified
    for section in prospective:
        assert engine.select(f"SELECT * WHERE {{ <{section}> rg:unverified ?why }}"), section
    # nothing of the Act is in the law at its date, or at any date of the statutory system
    assert not [r for r in at(engine, "2026-12-01") if r.get("basis", "").startswith(CWSA)]
    assert not engine.select(f"""SELECT * WHERE {{ ?a rg:model model:statutory-system ; rg:basis ?b .
        FILTER STRSTARTS(STR(?b), "{CWSA}") }}""")
    assert not engine.select("SELECT * WHERE { ?a rg:model model:current ; "
                             "rg:function function:staying-close-support }")


def test_the_2026_act_commencement_section_is_in_force_from_passing(engine: Engine) -> None:
    rows = engine.select(f"SELECT * WHERE {{ <{CWSA}78> rg:inForceFrom ?day ; rg:quote ?words }}")
    assert rows and rows[0]["day"] == "2026-04-29"
    assert "regulations made by statutory instrument" in rows[0]["words"]


def test_the_2026_act_as_enacted_extends_the_virtual_school_head_by_inference(engine: Engine) -> None:
    rows = engine.select("""SELECT * WHERE { ?a rg:model model:cwsa-2026 ;
        rg:role role:virtual-school-head ; rg:function function:promote-education-children-in-need ;
        rg:confidence ?c ; rg:basis ?b }""")
    assert [(r["c"], r["b"]) for r in rows] == [("inferred", f"{CWSA}6")]


def test_post_2023_policy_sources_bear_on_the_2026_functions(engine: Engine) -> None:
    for source in ("working-together-2023", "kcshft-2024"):
        assert engine.select(f"SELECT * WHERE {{ source:{source} a rg:Source ; dcterms:title ?t }}")
    rows = engine.select("""SELECT ?p WHERE { ?p a rg:Position ; rg:about
        assignment:cwsa-2026--safeguarding-partners--multi-agency-child-protection ;
        dcterms:source ?s . FILTER (?s IN (source:kcshft-2024, source:working-together-2023)) }""")
    assert len({r["p"] for r in rows}) == 2


def test_two_dates_of_the_law_add_only_roles_that_hold_something(analysis: Analysis) -> None:
    """The statutory system records who held what, not when a role with no function there
    came to exist: between two dates, every role said to arrive or go holds a function."""
    for a, b in (("law@2026-01-01", "current"), ("law@2003-01-01", "law@2012-06-01")):
        diff = analysis.diff(a, b)
        report = analysis.report_for([a, b])
        holders = {h.role for m in (diff.a, diff.b) for f in report.functions
                   for h in report.cell(m, f).holders}
        assert set(diff.roles_added) | set(diff.roles_removed) <= holders
    assert analysis.diff("law@2026-01-01", "current").roles_added == []

