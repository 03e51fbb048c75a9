"""Role cards for trainers: one printable page per role per model, as data, HTML and PDF.

`role_card(analysis, role, model)` gathers what the graph says (never more: figures such as
how often a role sees the child are quoted from definitions, with where they come from);
`card_html` fills templates/cards/card.html; `card_pdf` prints it with WeasyPrint."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from rolegraph.analysis.coverage import slug
from rolegraph.graph.rdf import select
from rolegraph.trainer.facts import KINDS, Facts
from rolegraph.vocab import RG

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis

# A sentence that states how often or how soon: the only figures a card may show.
FREQUENCY = re.compile(
    r"\b(monthly|weekly|six-weekly|three-monthly|annually|yearly|daily|every \w+ (?:months?|weeks?|"
    r"years?|days?)|at least \w+|within (?:a|\d+|\w+) (?:working )?(?:days?|weeks?|months?)|"
    r"at (?:set|statutory) intervals|intervals of|first review|six-monthly)\b", re.I)
# ... and that is about meeting the child: a visit, a review, a meeting or contact.
SEEING = re.compile(r"\b(visit\w*|sees?|meet\w*|contact|reviews|review of|speak\w*|interview\w*)\b",
                    re.I)
APPOINTED = "SELECT ?by WHERE { ?role rg:appointedBy ?by }"
INDEPENDENT_OF = "SELECT ?org WHERE { ?role rg:independentOf ?org }"
ESTABLISHED = "SELECT ?law WHERE { ?role rg:establishedBy ?law }"
# The kinds of independence the role has, each with what it rests on.
INDEPENDENCE = """SELECT ?kind (GROUP_CONCAT(DISTINCT ?sourceLabel; separator="; ") AS ?sources)
WHERE { ?role rg:hasIndependence ?i . ?i rg:independenceKind ?k . ?k rdfs:label ?kind .
        ?i dcterms:source ?s . ?s rdfs:label ?sourceLabel } GROUP BY ?kind"""
CONTACT = """SELECT ?text ?basis WHERE { ?role rg:contactFrequency ?text .
        OPTIONAL { ?role rg:contactFrequencyBasis ?basis } }"""


@dataclass(frozen=True)
class Held:
    function: str
    label: str
    citations: tuple[str, ...]
    confidence: str
    shared_with: tuple[str, ...]


@dataclass(frozen=True)
class Quote:
    text: str
    where: str  # what the sentence is quoted from (a role, function or provision label)


@dataclass(frozen=True)
class Elsewhere:
    model: str
    title: str
    summary: str
    gains: tuple[str, ...] = ()
    loses: tuple[str, ...] = ()


@dataclass
class RoleCard:
    role: str
    model: str
    title: str
    model_title: str
    also_known_as: list[str]
    purpose: str
    notes: list[str]
    kind: str
    kind_title: str
    kind_tag: str
    employer: str
    appointed_by: str
    independence: str
    established_by: list[str]
    included: bool
    functions: list[Held] = field(default_factory=list)
    frequency: list[Quote] = field(default_factory=list)
    elsewhere: list[Elsewhere] = field(default_factory=list)
    snapshot: str = ""

    @property
    def slug(self) -> str:
        return slug(self.role)


def role_card(analysis: Analysis, facts: Facts, role: str, model: str) -> RoleCard:
    """The card of role slug `role` under model slug `model` (UnknownName if unknown)."""
    r, m = facts.role(role), facts.model(model)
    graph, report = analysis.graph, analysis.report
    node = URIRef(r)
    info = facts.roles[r]
    kind = KINDS[info.kind]
    label = report.label
    alt = sorted(str(o) for o in graph.objects(node, SKOS.altLabel))
    purpose = next((str(o) for o in graph.objects(node, SKOS.definition)), "")
    notes = [str(o) for o in graph.objects(node, RDFS.comment)]
    appointed = [label(str(row.by)) for row in select(graph, APPOINTED, role=node)]
    independent_of = [label(str(row.org)) for row in select(graph, INDEPENDENT_OF, role=node)]
    established = sorted(label(str(row.law)) for row in select(graph, ESTABLISHED, role=node))
    held: list[Held] = []
    for function in report.functions:
        holders = facts.holders(m, function)
        mine = next((h for h in holders if h.role == r), None)
        if mine is None:
            continue
        held.append(Held(function, label(function), tuple(label(b) for b in mine.bases),
                         mine.confidence,
                         tuple(facts.roles[h.role].name for h in holders if h.role != r)))
    included = r in facts.included.get(m, frozenset())
    card = RoleCard(
        r, m, info.label, report.models[m], alt, purpose, notes, info.kind, kind.title,
        kind.tag, info.employer or "not stated in the data",
        ", ".join(appointed) or "not stated in the data",
        independence(info.kind, info.employer, independent_of, kinds_of_independence(graph, node)),
        established, included, held,
        frequency(analysis, node, held), elsewhere(analysis, facts, r, m),
        analysis.version)
    return card


def kinds_of_independence(graph: Graph, role: URIRef) -> list[str]:
    """'independent of ... (sources)' for each sourced independence statement of the role."""
    return sorted(f"{row.kind} ({'; '.join(sorted(str(row.sources).split('; ')))})"
                  for row in select(graph, INDEPENDENCE, role=role))


def independence(kind: str, employer: str | None, independent_of: list[str],
                 kinds: list[str] | None = None) -> str:
    """What the role is independent of, said exactly: of the case's management, of the
    authority, or neither (the IRO is the first but, employed by the authority, not the second)."""
    stated = "; ".join(kinds or [])
    stated = stated[:1].upper() + stated[1:]
    if stated and kind == "local-authority":
        return f"{stated}. Not independent of the local authority itself: employed by it."
    if stated:
        return f"{stated}."
    if independent_of:
        return ("Independent of " + ", ".join(independent_of) +
                ": the law bars the local authority's own staff from the role.")
    if kind == "court":
        return "Part of the court: independent of the local authority."
    if kind == "independent":
        return f"Independent of the local authority: employed by {employer}."
    if kind == "local-authority":
        return "Not independent of the local authority: employed by it."
    if employer:
        return (f"Employed by the {employer}, which may or may not be a local authority; the law "
                "read does not make the role independent of the local authority.")
    return "The data does not say who employs the role, so its independence is not stated."


def frequency(analysis: Analysis, role: URIRef, held: list[Held]) -> list[Quote]:
    """Sentences about how often or how soon, quoted from the role's definition, and from the
    definitions of the functions it holds and of the provisions they rest on."""
    graph, label = analysis.graph, analysis.report.label
    quotes: list[Quote] = [Quote(str(row.text), label(str(row.basis)) if row.basis else "")
                           for row in select(graph, CONTACT, role=role)]
    places: list[URIRef] = [role]
    for item in held:
        places.append(URIRef(item.function))
    for row in select(graph, "SELECT DISTINCT ?law WHERE { ?a rg:role ?role ; rg:basis ?law }",
                      role=role):
        places.append(URIRef(str(row.law)))
    seen: set[str] = {q.text for q in quotes}
    for place in places:
        for text in graph.objects(place, SKOS.definition):
            for sentence in re.split(r"(?<=[.;])\s+", str(text)):
                if (FREQUENCY.search(sentence) and SEEING.search(sentence)
                        and sentence not in seen):
                    seen.add(sentence)
                    quotes.append(Quote(sentence.strip(), label(str(place))))
    return quotes[:6]


def elsewhere(analysis: Analysis, facts: Facts, role: str, model: str) -> list[Elsewhere]:
    """What changes for the role under each other model."""
    report, out = analysis.report, []
    for other in report.models:
        if other == model or other.endswith("/model/statutory-system"):
            continue  # the statutory system is every period at once, not a model to compare
        title = report.models[other]
        diff = analysis.diff(slug(model), slug(other))
        gains: list[str] = []
        loses: list[str] = []
        destinations: dict[str, int] = {}
        for change in diff.changes:
            before = {h.role for h in change.before}
            after = {h.role for h in change.after}
            if role in after and role not in before:
                gains.append(report.label(change.function))
            elif role in before and role not in after:
                to = ", ".join(facts.roles[h.role].name for h in change.after) or "no holder"
                loses.append(f"{report.label(change.function)} (to {to})")
                for name in [facts.roles[h.role].name for h in change.after] or ["no holder"]:
                    destinations[name] = destinations.get(name, 0) + 1
        summary = "no change for this role" if not gains and not loses else ""
        if len(loses) > 3:  # a page has room for where they go, not for each of them
            loses = [f"{len(loses)} functions, to " + ", ".join(
                f"{name} ({count})" for name, count in sorted(
                    destinations.items(), key=lambda kv: (-kv[1], kv[0])))]
        if role not in facts.included.get(other, frozenset()):
            summary = "[REMOVED] the role does not exist under this model."
        out.append(Elsewhere(other, title, summary, tuple(gains), tuple(loses)))
    return out


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=PackageLoader("rolegraph", "templates/cards"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def card_html(cards: list[RoleCard], title: str | None = None) -> str:
    """One HTML document with one printed page per card."""
    kinds = {k: v for k, v in KINDS.items()}
    return environment().get_template("card.html").render(
        cards=cards, kinds=kinds, title=title or (cards[0].title if cards else "role cards"))


STATIC = Path(__file__).resolve().parent.parent / "static"
PRINT_BASE = "https://rolegraph.invalid/"  # resolves the pages' /static/ links; never fetched


STYLESHEET = re.compile(r'<link rel="stylesheet" href="/static/([a-z0-9-]+\.css)">')


def standalone(html: str) -> str:
    """A page with its /static/ stylesheets written into it, for a file opened away from the
    service (the command line, the training pack): no security policy applies there."""
    return STYLESHEET.sub(lambda m: f"<style>\n{(STATIC / m.group(1)).read_text()}</style>", html)


def card_pdf(html: str) -> bytes:
    """Print the card HTML (or any page linking the package's /static/ stylesheets: the
    who's who) to PDF with WeasyPrint: A4, the print styles in its stylesheet. The page
    links its CSS, as the served page does under the Content-Security-Policy; WeasyPrint
    reads it from the package and fetches nothing else."""
    from weasyprint import HTML  # heavy: imported when a PDF is asked for

    pdf: bytes = HTML(string=html, base_url=PRINT_BASE,
                      url_fetcher=static_fetcher()).write_pdf()
    return pdf


def static_fetcher() -> Any:
    """A WeasyPrint URL fetcher that answers the package's /static/ files and refuses the rest."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = urlsplit(url).path
            name = path.removeprefix("/static/")
            target = (STATIC / name).resolve()
            if (not url.startswith(PRINT_BASE) or name == path
                    or not target.is_relative_to(STATIC) or not target.is_file()):
                raise ValueError(f"a printed page reads only rolegraph's own /static/: {url}")
            kind = "text/css" if target.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(url, body=target.read_bytes(),
                                      headers={"Content-Type": kind})

    return StaticFetcher(fail_on_errors=True)


__all__ = ["RG", "RoleCard", "card_html", "card_pdf", "role_card"]
