"""Each item of the December 2026 domain review, asked through SPARQL as an integrator would."""

from __future__ import annotations

import re
import unicodedata

import pytest
from conftest import REPO

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.query.engine import Engine

ID = "https://w3id.org/rolegraph/id/"
LEG = "http://www.legislation.gov.uk/id/"
STATUSES = {"in force", "enacted", "government policy", "proposed", "rejected", "withdrawn",
            "partly adopted"}


def one(engine: Engine, query: str, **bind: str) -> dict[str, str]:
    rows = engine.select(query, **bind)
    assert len(rows) == 1, rows
    return rows[0]


def test_no_assignment_of_a_reform_or_of_todays_law_rests_on_the_1991_regulations(
    engine: Engine,
) -> None:
    rows = engine.select("""SELECT * WHERE { ?a rg:basis ?b ; rg:model ?m .
        ?b rg:partOf* <http://www.legislation.gov.uk/id/uksi/1991/895>
        FILTER NOT EXISTS { ?a rg:validFrom ?from } }""")
    assert rows == []
    ended = one(engine, "SELECT * WHERE { ?si rg:inForceUntil ?until }",
                si=f"{LEG}uksi/1991/895")
    assert ended["until"] == "2011-04-01"


def test_no_function_is_said_to_be_created_by_law_no_longer_in_force(engine: Engine) -> None:
    # A revoked regulation is history (the statutory system over time holds its period), never
    # what creates a function today: F11 once named SI 1991/895 Sch.1 para 5 (revoked 2011).
    rows = engine.select("""SELECT ?f ?p WHERE { ?f rg:createdBy ?p .
        ?p rg:partOf* ?whole . ?whole rg:inForceUntil ?until }""")
    assert rows == []
    left_as_today = engine.select("""SELECT ?a WHERE { ?a rg:model ?m ; rdfs:comment ?c
        FILTER(CONTAINS(?c, "current system (SI 1991/895")) }""")
    assert left_as_today == []


def test_the_iros_referral_to_cafcass_is_a_power(engine: Engine) -> None:
    text = one(engine, "SELECT * WHERE { ?p skos:definition ?d }",
               p=f"{LEG}ukpga/1989/41/section/25B/3")["d"]
    assert "power, not a duty" in text and "may be referred" in text and "must refer" not in text
    quotes = engine.select("""SELECT * WHERE { ?a rg:function function:refer-to-cafcass ;
        rg:role role:iro ; rg:model model:current ; rg:quote ?q }""")
    assert quotes and "may be referred" in quotes[0]["q"]


def test_welsh_advocacy_is_section_178(engine: Engine) -> None:
    assert engine.select("SELECT * WHERE { ?p rdfs:label ?l FILTER(CONTAINS(STR(?p), "
                         "'anaw/2014/4/section/174')) }") == []
    row = one(engine, "SELECT * WHERE { ?p rdfs:label ?l ; skos:definition ?d }",
              p=f"{LEG}anaw/2014/4/section/178")
    assert row["l"] == "SSWB(W)A 2014 s.178" and "representations" in row["d"]


def test_part_iii_is_england_only_since_april_2016(engine: Engine) -> None:
    text = one(engine, "SELECT * WHERE { ?p skos:definition ?d }", p=f"{LEG}ukpga/1989/41")["d"]
    assert "England only" in text and "6 April 2016" in text and "England and Wales" not in text


def test_chairing_the_review_is_not_stated_on_a_provision_that_says_participate(
    engine: Engine,
) -> None:
    rows = engine.select("""SELECT * WHERE { ?a rg:function function:chair-review-meeting ;
        rg:role role:iro ; rg:confidence ?c ; rg:model ?m . OPTIONAL { ?a rg:basis ?b }
        FILTER (?m != model:statutory-system) }""")
    assert len(rows) >= 4  # current, both government responses, Nagalro (and the 2026 Act)
    for row in rows:
        assert row["c"] == "inferred", row
    unread = engine.select("""SELECT DISTINCT ?a WHERE { ?a rg:function function:chair-review-meeting ;
        rg:role role:iro ; rdfs:comment ?c FILTER(CONTAINS(?c, "could not be read")) }""")
    assert len(unread) >= 4


def test_the_stocktakes_single_social_worker_is_the_supervising_social_worker(
    engine: Engine,
) -> None:
    """Suggested for long-term foster placements only (seed 003), so every other child keeps
    their own social worker's visits; ADCS disputes the switch."""
    rows = engine.select("""SELECT * WHERE { ?a rg:model model:fostering-stocktake-2018 ;
        rg:function function:statutory-visits-to-child ; rg:role ?role ; rg:confidence ?c }""")
    assert {(r["role"], r["c"]) for r in rows} == {
        (f"{ID}role/supervising-social-worker", "contested"),
        (f"{ID}role/social-worker", "inferred")}
    label = one(engine, "SELECT * WHERE { role:supervising-social-worker skos:definition ?d }")
    assert "not the child's own social worker" in label["d"]


@pytest.mark.parametrize("model, role, function", [
    ("adcs-2018", "social-worker", "statutory-visits-to-child"),
    ("care-review-2022", "childrens-commissioner", "arrange-advocacy-services"),
    ("care-review-2022", "advocate", "participate-in-review"),
])
def test_overstated_assignments_are_inferred(engine: Engine, model: str, role: str,
                                             function: str) -> None:
    row = one(engine, "SELECT * WHERE { ?a rg:confidence ?c }",
              a=f"{ID}assignment/{model}--{role}--{function}")
    assert row["c"] == "inferred"


def test_nagalro_does_not_give_the_advocate_the_iros_wishes_and_feelings_duty(
    engine: Engine,
) -> None:
    rows = engine.select("""SELECT * WHERE { ?a rg:model model:nagalro-2022 ;
        rg:function function:ensure-wishes-feelings-considered ; rg:role ?role }""")
    assert {r["role"] for r in rows} == {f"{ID}role/iro"}


def test_ofsted_rests_on_its_registration_and_inspection_powers(engine: Engine) -> None:
    rows = engine.select("""SELECT * WHERE { ?a rg:role role:ofsted ;
        rg:function function:inspection-and-regulation ; rg:model ?m ; rg:basis ?b }""")
    bases = {r["b"] for r in rows}
    assert f"{LEG}uksi/2015/541/regulation/45" not in bases
    assert {f"{LEG}ukpga/2000/14/section/31", f"{LEG}ukpga/2006/40/section/148"} <= bases
    assert len({r["m"] for r in rows}) >= 9  # every model and the statutory system


def test_statuses_are_from_the_vocabulary_and_say_what_happened(engine: Engine) -> None:
    rows = {slug(r["m"]): r for r in engine.select(
        "SELECT * WHERE { ?m a rg:ReformModel ; rg:status ?s "
        "OPTIONAL { ?m rg:statusNote ?note } }")}
    assert {r["s"] for r in rows.values()} <= STATUSES
    assert rows["government-response-2018"]["s"] == "government policy"
    assert rows["government-response-2023"]["s"] == "government policy"
    assert rows["csw-bill-2016"]["s"] == "withdrawn"
    assert "8 November 2016" in rows["csw-bill-2016"]["note"]
    assert rows["adcs-2018"]["s"] == "rejected"
    assert rows["care-review-2022"]["s"] == "partly adopted"
    assert "Children's Wellbeing and Schools Act 2026" in rows["care-review-2022"]["note"]
    in_force = {m for m, r in rows.items() if r["s"] == "in force"}
    assert in_force <= {"current", "statutory-system"}


@pytest.mark.parametrize("role", ["supervising-social-worker", "foster-carer", "childs-solicitor",
                                  "designated-teacher", "residential-key-worker", "health-assessor",
                                  "designated-health-professional"])
def test_the_roles_the_catalogue_lacked_exist_and_hold_a_function_today(
    engine: Engine, role: str
) -> None:
    rows = engine.select("""SELECT * WHERE { ?a rg:model model:current ; rg:role ?role ;
        rg:function ?f . model:current rg:includesRole ?role }""", role=f"{ID}role/{role}")
    assert rows, role


def test_the_childs_solicitor_is_appointed_under_section_41_3(engine: Engine) -> None:
    row = one(engine, """SELECT * WHERE { ?a rg:role role:childs-solicitor ;
        rg:model model:current ; rg:basis ?b ; rg:quote ?q ; rg:confidence ?c }""",
              b=f"{LEG}ukpga/1989/41/section/41/3")
    assert row["c"] == "stated" and "may appoint a solicitor to represent him" in row["q"]


def test_the_care_review_diff_lists_the_provisions_its_removals_touch(analysis: Analysis) -> None:
    diff = analysis.diff("current", "care-review-2022")
    provisions = {a.provision.removeprefix(LEG) for a in diff.amendments}
    assert {"ukpga/1989/41/section/25A", "ukpga/1989/41/section/25B",
            "uksi/2015/541/regulation/44", "uksi/2010/959/part/8"} <= provisions
    # no false positives: the corporate parent keeps its own duties
    assert not provisions & {"ukpga/2017/16/section/1", "ukpga/1989/41/section/22"}
    groups = dict(diff.amendments_by_instrument())
    assert {a.provision for a in groups[f"{LEG}ukpga/1989/41"]} >= {
        f"{LEG}ukpga/1989/41/section/25A", f"{LEG}ukpga/1989/41/section/25B"}
    s25b = next(a for a in diff.amendments if a.provision.endswith("section/25B"))
    assert f"{ID}function/refer-to-cafcass" in s25b.functions


def test_moved_only_when_a_holder_loses_the_function(analysis: Analysis) -> None:
    diff = analysis.diff("current", "care-review-2022")
    kinds = {slug(c.function): c.kind for c in diff.changes}
    assert kinds["prepare-maintain-care-plan"] == "shared"  # the social worker keeps it
    assert kinds["best-interests-assessment"] == "shared"
    assert kinds["refer-to-cafcass"] == "moved"
    for change in diff.changes:
        if change.kind == "moved":
            assert change.losers() and change.joiners()
        if change.kind == "shared":
            assert not change.losers() and change.joiners()


def test_independence_is_said_by_kind_with_its_source(engine: Engine, analysis: Analysis) -> None:
    kinds = {(slug(r["role"]), r["kind"].rsplit("#", 1)[1]) for r in engine.select(
        """SELECT * WHERE { ?role rg:hasIndependence ?i .
           ?i rg:independenceKind ?kind ; dcterms:source ?s }""")}
    assert ("iro", "OfCaseManagement") in kinds and ("iro", "OfTheLocalAuthority") not in kinds
    assert ("reg44-visitor", "OfTheLocalAuthority") in kinds
    # today's IRO is information, not a warning: independent of the case, employed by the LA
    current = f"{ID}model/current"
    warnings = [f for f in analysis.report.of("Warning", current)]
    assert warnings == []
    infos = [f for f in analysis.report.of("Info", current) if f.shape == "EmployedByTheAuthority"]
    assert infos and all("independent of the management" in f.message for f in infos)
    # the care review's team manager is not independent of the case: that is the warning
    review = [slug(f.function) for f in analysis.report.of("Warning", f"{ID}model/care-review-2022")
              if f.shape == "IndependenceLost"]
    assert "quality-assure-care-planning" in review


@pytest.mark.parametrize("role", ["childrens-commissioner", "independent-visitor", "reg44-visitor"])
def test_roles_independent_of_the_authority_are_classified_so(engine: Engine, role: str) -> None:
    rows = engine.select("SELECT * WHERE { ?role a ?c }", role=f"{ID}role/{role}")
    assert "https://w3id.org/rolegraph/def#IndependentRole" in {r["c"] for r in rows}


def test_sources_are_primary_where_a_primary_copy_exists(engine: Engine) -> None:
    mirrors = engine.select("""SELECT * WHERE { ?s a rg:Source ; schema:url ?url
        FILTER(CONTAINS(STR(?url), "scribd.com")) }""")
    assert mirrors == []
    labels = engine.select("""SELECT * WHERE { ?s a rg:Source ; rdfs:label ?l
        FILTER(REGEX(?l, "SEED[0-9]")) }""")
    assert labels == []
    seeds = engine.select("SELECT * WHERE { ?s a rg:Source ; dcterms:identifier ?id "
                          "FILTER(STRENDS(?id, '.txt')) }")
    assert len(seeds) == 5


SEEDS = REPO.parent / "shared" / "seeds"


def plain(text: str) -> str:
    """Text compared for quoting: typographic quotes and dashes as ASCII, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)  # also "…" -> "..."
    text = text.translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed articles live in ../shared/seeds")
def test_every_quote_from_a_seed_article_is_in_it_word_for_word(engine: Engine) -> None:
    rows = engine.select("""SELECT ?s ?quote ?file WHERE { ?s rg:quote ?quote ;
        rg:quoteFrom ?seed . ?seed dcterms:identifier ?file FILTER(STRENDS(?file, ".txt")) }""")
    assert rows  # the reform models quote the articles they come from
    for row in rows:
        article = plain((SEEDS / row["file"]).read_text(encoding="utf-8"))
        pieces = [p.strip() for p in re.split(r"\[\.\.\.\]|\.\.\.", plain(row["quote"]))
                  if p.strip()]
        missing = [p for p in pieces if p not in article]
        assert not missing, (row["s"], row["file"], missing)


def test_cuts_in_quotes_are_marked_one_way(engine: Engine) -> None:
    # [...] marks words left out (rg:quote's definition); the ellipsis character never does.
    rows = engine.select('SELECT ?s WHERE { ?s rg:quote ?q FILTER(CONTAINS(?q, "\u2026")) }')
    assert rows == []
    assert engine.select('SELECT ?s WHERE { ?s rg:quote ?q FILTER(CONTAINS(?q, "[...]")) }')


def test_no_editorial_unverified_prose_is_left(engine: Engine) -> None:
    rows = engine.select("""SELECT * WHERE { ?s rdfs:comment ?c
        FILTER(CONTAINS(?c, "UNVERIFIED")) }""")
    assert rows == []
    assert engine.select("SELECT * WHERE { ?s rg:unverified ?n }")


@pytest.mark.parametrize("role, words", [
    ("iro", "20 working days"), ("reg44-visitor", "once a month"), ("social-worker", "six weeks")])
def test_role_cards_say_how_often_the_role_sees_the_child(engine: Engine, role: str,
                                                          words: str) -> None:
    row = one(engine, "SELECT * WHERE { ?role rg:contactFrequency ?t ; "
              "rg:contactFrequencyBasis ?b }", role=f"{ID}role/{role}")
    assert words in row["t"] and row["b"]


def test_every_stated_assignment_with_a_basis_quotes_it(engine: Engine) -> None:
    rows = engine.select("""SELECT * WHERE { ?a rg:confidence "stated" ; rg:basis ?b
        FILTER NOT EXISTS { ?a rg:quote ?q } }""")
    assert rows == []
    quoted = engine.select("SELECT * WHERE { ?a a rg:Assignment ; rg:quote ?q }")
    assert quoted and all(len(r["q"]) <= 320 for r in quoted)
