"""Who's who for a child or young person: every professional around a child in a setting
under a model, in plain words, as data, HTML and an A4 PDF (issue 18).

The words are data (`rg:plainName`, `rg:plainDescription`, `rg:plainQuestion`,
`rg:plainFrequency`, `rg:plainContact`, `rg:plainTerm` in data/plain-words.ttl); this module
only picks them for the assignments of the model. Every `Statement` carries the `Trace` of
the fact it restates (an assignment with its law and quote, a role's definition, its
contact frequency or contact source), shown on the page's "for adults" view."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.term import Node

from rolegraph.analysis.coverage import slug
from rolegraph.graph.rdf import select
from rolegraph.trainer.cards import card_pdf
from rolegraph.trainer.facts import Facts
from rolegraph.vocab import PREFIXES, RG, entity

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis

DEFAULT_SETTING = "childrens-home"
DEFAULT_MODEL = "current"
VIEWS = ("child", "adults")
# The people a child sees most come first; the rest follow in the order of their names.
ORDER = ("social-worker", "foster-carer", "residential-key-worker", "registered-person", "iro",
         "advocate", "independent-visitor", "reg44-visitor", "cafcass-guardian",
         "childs-solicitor", "family-court", "personal-adviser", "supervising-social-worker",
         "team-manager", "designated-teacher", "virtual-school-head", "health-assessor")
# The functions behind "how to get an advocate" and "if you are unhappy".
ADVOCACY = ("independent-advocacy", "support-representations-complaints",
            "arrange-advocacy-services")
# Page words, not facts: the heading under the title for each setting.
WHERE = {"foster-care": "If you live in foster care",
         "childrens-home": "If you live in a children's home",
         "secure-childrens-home": "If you live in a secure children's home",
         "placed-with-parents": "If you live with a parent while you are in care",
         "care-proceedings": "If a court is deciding about your care",
         "leaving-care": "If you are leaving care"}
UNHAPPY = ("operate-complaints-procedure", "support-representations-complaints",
           "advise-assist-children-in-care", "escalate-and-resolve-disputes", "refer-to-cafcass")

ASSIGNMENTS = """SELECT ?a ?role ?function ?confidence WHERE {
    ?a rg:model ?model ; rg:role ?role ; rg:function ?function ; rg:confidence ?confidence .
    ?function rg:appliesIn ?setting } ORDER BY ?a"""
LabelOf = Callable[[str], str]
CITED = """SELECT DISTINCT ?cited WHERE {
    { ?a rg:basis ?cited } UNION { ?a dcterms:source ?cited } } ORDER BY ?cited"""


@dataclass(frozen=True)
class Trace:
    """The fact a plain statement restates, for adults: what, where, under which law."""

    kind: str  # "assignment", "role", "frequency", "contact" or "term"
    iri: str  # the assignment, or the entity whose fact it is
    fact: str  # the fact in the data's own (adult) words
    cited: tuple[tuple[str, str], ...] = ()  # (label, IRI or URL) of each basis or source
    quote: str = ""
    confidence: str = ""


@dataclass(frozen=True)
class Statement:
    text: str
    trace: Trace


@dataclass
class Person:
    role: str
    name: str
    official: str
    who: Statement
    does: list[Statement] = field(default_factory=list)
    often: Statement | None = None
    asks: list[Statement] = field(default_factory=list)
    contact: Statement | None = None
    lives_with: bool = False  # met where the child lives (rg:meetsChildIn): "how often" left out

    @property
    def slug(self) -> str:
        return slug(self.role)


@dataclass(frozen=True)
class Term:
    word: str
    meaning: str
    trace: Trace


@dataclass
class WhosWho:
    setting: str
    setting_label: str
    setting_words: str  # "a children's home": the setting's plain term
    model: str
    model_title: str
    version: str
    people: list[Person]
    advocate: list[Statement]
    unhappy: list[Statement]
    terms: list[Term]
    # where nobody here holds those functions: the free lines of their holders elsewhere
    advocate_lines: list[Statement] = field(default_factory=list)
    unhappy_lines: list[Statement] = field(default_factory=list)

    @property
    def where(self) -> str:
        return WHERE.get(self.setting, f"Where you live: {self.setting_words}")

    def statements(self) -> Iterator[Statement]:
        """Every plain statement about a role or function, each with its trace."""
        for person in self.people:
            yield person.who
            yield from person.does
            if person.often:
                yield person.often
            yield from person.asks
            if person.contact:
                yield person.contact
        yield from self.advocate
        yield from self.advocate_lines
        yield from self.unhappy
        yield from self.unhappy_lines
        for term in self.terms:
            yield Statement(f"{term.word}: {term.meaning}", term.trace)

    def child_text(self) -> str:
        """All the words a child reads on the page, as prose (for readability measures)."""
        parts = [self.where + ".", INTRO]
        for person in self.people:
            parts += [person.name + ".", person.who.text, *(s.text for s in person.does)]
            parts.append(person.often.text if person.often else "")
            parts += [s.text for s in person.asks]
            parts.append(person.contact.text if person.contact else "")
        for here, lines in ((self.advocate, self.advocate_lines),
                            (self.unhappy, self.unhappy_lines)):
            if here:  # the words the page shows: the holders here, else the lines elsewhere
                parts += [s.text for s in here]
            else:
                parts += [NOT_HERE, *(s.text for s in lines)] if lines else [ASK_SOMEONE]
        parts += [f"{t.word}. {t.meaning}" for t in self.terms]
        return " ".join(p for p in parts if p)


INTRO = ("Lots of adults work with children in care. It can be hard to know who is who. This "
         "page tells you who they are, what they do for you and how to reach them.")
# Where the data names nobody in this setting: it says so, and not that nobody does the job.
NOT_HERE = ("This page does not name anyone here who does this. "
            "These free phone lines can still help you.")
ASK_SOMEONE = "You can ask an adult you trust to help you find out."
HOLDERS = """SELECT DISTINCT ?role WHERE {
    ?a rg:model ?model ; rg:role ?role ; rg:function ?function } ORDER BY ?role"""


def whos_who(analysis: Analysis, facts: Facts, setting: str, model: str) -> WhosWho:
    """The who's who of setting slug `setting` under model `model` (a slug or law@DATE, which
    the analysis must already view); UnknownName for an unknown setting or model."""
    s, m = facts.setting(setting), facts.model(model)
    graph, label = analysis.graph, analysis.report.label
    included = facts.included.get(m, frozenset())
    rows = [row for row in select(graph, ASSIGNMENTS, model=URIRef(m), setting=URIRef(s))
            if str(row.role) in included]
    meets = {str(r.role): {str(x.s) for x in select(
        graph, "SELECT ?s WHERE { ?role rg:meetsChildIn ?s }", role=r.role)} for r in rows}
    people: dict[str, Person] = {}
    by_function: dict[str, list[tuple[str, Trace]]] = {}
    for row in rows:
        role, function = str(row.role), str(row.function)
        trace = assignment_trace(graph, label, str(row.a), role, function, str(row.confidence))
        by_function.setdefault(slug(function), []).append((role, trace))
        if meets[role] and s not in meets[role]:
            continue  # a foster carer is not around a child in a children's home
        person = people.get(role) or make_person(graph, label, role, bool(meets[role]))
        people[role] = person
        node = URIRef(function)
        if (text := plain(graph, node, RG.plainDescription)) is not None:
            person.does.append(Statement(text, trace))
        if (question := plain(graph, node, RG.plainQuestion)) is not None:
            person.asks.append(Statement(question, trace))
    ordered = sorted(people.values(), key=lambda p: (
        ORDER.index(p.slug) if p.slug in ORDER else len(ORDER), p.name))
    result = WhosWho(setting, label(s), plain(graph, URIRef(s), RG.plainTerm) or label(s),
                     model, analysis.report.models.get(m, label(m)), analysis.version, ordered,
                     section(graph, label, by_function, ADVOCACY),
                     section(graph, label, by_function, UNHAPPY),
                     [])
    if not result.advocate:
        result.advocate_lines = lines_elsewhere(graph, label, m, ADVOCACY, included)
    if not result.unhappy:
        result.unhappy_lines = lines_elsewhere(graph, label, m, UNHAPPY, included)
    result.terms = terms(graph, label, result.child_text())
    return result


def make_person(graph: Graph, label: LabelOf, role: str, lives_with: bool) -> Person:
    node = URIRef(role)
    definition = plain(graph, node, SKOS.definition) or ""
    cited = citations(graph, label, graph.objects(node, DCTERMS.source))
    who = Statement(plain(graph, node, RG.plainDescription) or definition,
                    Trace("role", role, definition, cited))
    person = Person(role, plain(graph, node, RG.plainName) or label(role), label(role), who,
                    lives_with=lives_with)
    if (often := plain(graph, node, RG.plainFrequency)) is not None:
        person.often = Statement(often, Trace(
            "frequency", role, plain(graph, node, RG.contactFrequency) or "",
            citations(graph, label, graph.objects(node, RG.contactFrequencyBasis))))
    person.contact = contact_of(graph, label, role)
    return person


def contact_of(graph: Graph, label: LabelOf, role: str) -> Statement | None:
    """How to reach the role, traced to the pages that give the details."""
    node = URIRef(role)
    contact = plain(graph, node, RG.plainContact)
    if contact is None:
        return None
    sources = sorted(graph.objects(node, RG.plainContactSource), key=str)
    fact = " ".join(plain(graph, URIRef(str(x)), SKOS.definition) or "" for x in sources)
    return Statement(contact, Trace("contact", role, fact, citations(graph, label, sources)))


def section(graph: Graph, label: LabelOf, by_function: dict[str, list[tuple[str, Trace]]],
            functions: tuple[str, ...]) -> list[Statement]:
    """"Who: what they do" for each holder of these functions, then the holders' contacts."""
    out: list[Statement] = []
    contacts: list[Statement] = []
    for function in functions:
        text = plain(graph, entity("function", function), RG.plainDescription) or ""
        for role, trace in by_function.get(function, []):
            name = plain(graph, URIRef(role), RG.plainName) or slug(role)
            text = f"{text[:1].lower()}{text[1:]}" if text.startswith("They ") else text
            out.append(Statement(f"{name}: {text}", trace))
            contact = contact_of(graph, label, role)
            if contact and all(c.text != contact.text for c in contacts):
                contacts.append(contact)
    return out + contacts


def lines_elsewhere(graph: Graph, label: LabelOf, model: str, functions: tuple[str, ...],
                    included: frozenset[str]) -> list[Statement]:
    """The contacts (free lines) of whoever holds these functions under the model in any
    setting: for a page whose setting has no holder of them in the data."""
    roles = {str(row.role) for function in functions for row in select(
        graph, HOLDERS, model=URIRef(model), function=entity("function", function))}
    found = (contact_of(graph, label, role) for role in sorted(roles & included))
    return list({c.text: c for c in found if c is not None}.values())


def assignment_trace(graph: Graph, label: LabelOf, a: str, role: str, function: str,
                     confidence: str) -> Trace:
    node = URIRef(a)
    cited = tuple(dict.fromkeys(
        (label(str(row.cited)), str(row.cited)) for row in select(graph, CITED, a=node)))
    return Trace("assignment", a, f"{label(role)}: {label(function)}",
                 tuple(link(graph, text, iri) for text, iri in cited),
                 plain(graph, node, RG.quote) or "", confidence)


def terms(graph: Graph, label: LabelOf, text: str) -> list[Term]:
    """The words of the law that the page uses, each with its plain meaning."""
    found: list[Term] = []
    for row in select(graph, "SELECT ?e ?word ?meaning WHERE { ?e rg:plainTerm ?word ; "
                             "rg:plainMeaning ?meaning } ORDER BY LCASE(?word)"):
        if re.search(rf"\b{re.escape(str(row.word))}s?\b", text, re.I):
            e = str(row.e)
            definition = plain(graph, URIRef(e), SKOS.definition) or ""
            found.append(Term(str(row.word), str(row.meaning), Trace(
                "term", e, definition, citations(graph, label, graph.objects(
                    URIRef(e), DCTERMS.source)))))
    return found


def citations(graph: Graph, label: LabelOf, nodes: Iterable[Node]) -> tuple[tuple[str, str], ...]:
    """(label, link) of each cited provision or source, in order."""
    return tuple(link(graph, label(i), i) for i in sorted({str(n) for n in nodes}))


def link(graph: Graph, text: str, iri: str) -> tuple[str, str]:
    """A source's own page where it has one; else the IRI (legislation.gov.uk resolves it)."""
    url = graph.value(URIRef(iri), URIRef(PREFIXES["schema"] + "url"))
    return (text, str(url) if url is not None else iri)


def plain(graph: Graph, node: URIRef, prop: URIRef) -> str | None:
    """The English (or untagged) literal of `prop` on `node`, if any."""
    values = sorted(graph.objects(node, prop), key=lambda v: getattr(v, "language", "") != "en")
    return str(values[0]) if values else None


PHONE = re.compile(r"\b0(\d{3}) (\d{3}) (\d{4})\b")  # a UK number as the services write it


def phone_links(text: str) -> Markup:
    """The text, HTML-escaped, with each phone number a tel: link (a tap rings it)."""
    return Markup(PHONE.sub(lambda m: f'<a href="tel:+44{"".join(m.groups())}">{m[0]}</a>',
                            str(escape(text))))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("rolegraph", "templates/whoswho"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["phone_links"] = phone_links
    return env


def page_html(who: WhosWho, view: str = "child", links: bool = True) -> str:
    """The page: the child's view, or with "adults" where each statement comes from.
    `links`: the links between the two views (off for print)."""
    return environment().get_template("page.html").render(
        who=who, view=view, links=links, intro=INTRO, not_here=NOT_HERE,
        ask_someone=ASK_SOMEONE)


def page_pdf(who: WhosWho, view: str = "child") -> bytes:
    """The page printed on A4 with WeasyPrint (the template's print styles)."""
    return card_pdf(page_html(who, view, links=False))
