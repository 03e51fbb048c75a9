"""The law over time: the statutory system as at a date, as a model of its own.

`model:statutory-system` holds every assignment that has held under the law since the
Children Act 1989 came into force, each with rg:validFrom (and rg:validUntil once it
stopped). `model:current` is that system as at the data's rg:asOf date, materialised at
build with the assignment IRIs integrators query; `law@YYYY-MM-DD` names the same cut at any
other date (as does `law-YYYY-MM-DD`, its IRI's slug: model/law-YYYY-MM-DD). A role's or
function's time line is read from the same assignments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from rolegraph.graph.rdf import select
from rolegraph.vocab import ID, RG

SYSTEM = URIRef(f"{ID}model/statutory-system")
CURRENT = URIRef(f"{ID}model/current")
START = date(1991, 10, 14)  # the Children Act 1989 came into force
# law@YYYY-MM-DD, or law-YYYY-MM-DD (the slug of the IRI outputs name it by): the same model
LAW = re.compile(r"^law[@-](\d{4}-\d{2}-\d{2})$")
LAW_MODEL = re.compile(r"/model/law-(\d{4}-\d{2}-\d{2})$")  # the IRI a law@ name becomes
# what a period's assignment says, copied to the model at a date (not its period or model)
PERIOD_ONLY = {RG.model, RG.validFrom, RG.validUntil}

VALID_AT = """
SELECT ?a ?role ?function WHERE {
    ?a rg:model ?system ; rg:role ?role ; rg:function ?function ; rg:validFrom ?from .
    OPTIONAL { ?a rg:validUntil ?until }
    FILTER (STR(?from) <= ?day && (!BOUND(?until) || STR(?until) > ?day))
}"""
AS_OF = "SELECT ?day WHERE { ?model rg:asOf ?day }"
FIRST = """SELECT ?function (MIN(STR(?from)) AS ?first) WHERE {
    ?a rg:model ?system ; rg:function ?function ; rg:validFrom ?from } GROUP BY ?function"""


class LawDateError(ValueError):
    """A law@DATE name that is not a date the statutory system covers."""


def canonical(name: str) -> str:
    """`law@YYYY-MM-DD` for either spelling of the law on a date; any other name as it is."""
    match = LAW.match(name)
    return f"law@{match.group(1)}" if match else name


def parse(name: str, latest: date | None = None) -> date | None:
    """The date of a `law@YYYY-MM-DD` (or `law-YYYY-MM-DD`) model name (None if the name
    is not one)."""
    match = LAW.match(name)
    if match is None:
        return None
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError as error:
        raise LawDateError(f"'{name}' is not a date (law@YYYY-MM-DD)") from error
    if day < START:
        raise LawDateError(f"'{name}' is before the statutory system starts "
                           f"(the Children Act 1989 came into force on {START:%-d %B %Y})")
    if latest is not None and day > latest:
        raise LawDateError(f"'{name}' is after the date the data describes ({latest.isoformat()})")
    return day


def iri(day: date) -> URIRef:
    return URIRef(f"{ID}model/law-{day.isoformat()}")


def as_of(graph: Graph) -> date | None:
    rows = select(graph, AS_OF, model=CURRENT)
    return date.fromisoformat(str(rows[0].day)) if rows else None


def at(graph: Graph, day: date, model: URIRef | None = None) -> Graph:
    """The statutory system on `day` as the triples of model `model` (law-YYYY-MM-DD by
    default): its assignments (IRIs {model}--{role}--{function}) and the roles it includes."""
    model = model or iri(day)
    name = str(model).rsplit("/", 1)[1]
    out = Graph()
    roles = set()
    in_model = name_of(model, day)
    for row in select(graph, VALID_AT, system=SYSTEM, day=Literal(day.isoformat())):
        role, function = str(row.role).rsplit("/", 1)[1], str(row.function).rsplit("/", 1)[1]
        target = URIRef(f"{ID}assignment/{name}--{role}--{function}")
        for prop, value in graph.predicate_objects(row.a):
            if prop == RDFS.label:  # "IRO: ... (statutory system)" names the model it is in
                value = Literal(str(value).replace(" (statutory system)", f" ({in_model})"),
                                lang=getattr(value, "language", None))
            if prop not in PERIOD_ONLY:
                out.add((target, prop, value))
        out.add((target, RG.model, model))
        out.add((target, RG.derivedFrom, row.a))
        roles.add(row.role)
    if model != CURRENT:  # model:current's own description is authored in data/models/
        out.add((model, RDF.type, RG.ReformModel))
        out.add((model, RDFS.label, Literal(f"the law on {day:%-d %B %Y} (England)", lang="en")))
        out.add((model, RG.status, Literal("in force")))
        out.add((model, RG.asOf, Literal(day.isoformat(), datatype=XSD.date)))
        out.add((model, RG.derivedFrom, SYSTEM))
        out.add((model, RG.jurisdiction, Literal("England")))
        for role in roles:
            out.add((model, RG.includesRole, role))
        for row in select(graph, FIRST, system=SYSTEM):
            if str(row.first) > day.isoformat():  # recorded only from a later date
                out.add((model, RG.notRecorded, row.function))
    return out


def name_of(model: URIRef, day: date) -> str:
    """How an assignment's label names its model: "current law", or "the law on 1 June 2005"."""
    return "current law" if model == CURRENT else f"the law on {day:%-d %B %Y}"


def current(graph: Graph) -> Graph:
    """model:current materialised from the statutory system at its rg:asOf date."""
    day = as_of(graph)
    return at(graph, day, CURRENT) if day is not None else Graph()


@dataclass(frozen=True)
class Period:
    """One entry of a time line: who held which function from when, under what."""

    assignment: str
    role: str
    function: str
    valid_from: str
    valid_until: str | None
    confidence: str
    bases: tuple[str, ...]
    sources: tuple[str, ...]
    quote: str


TIMELINE = """
SELECT ?a ?role ?function ?from ?until ?confidence
       (GROUP_CONCAT(DISTINCT COALESCE(STR(?basis), ""); separator=" ") AS ?bases)
       (GROUP_CONCAT(DISTINCT COALESCE(STR(?source), ""); separator=" ") AS ?sources)
       (MAX(COALESCE(STR(?q), "")) AS ?quote)
WHERE {
    ?a rg:model ?system ; rg:role ?role ; rg:function ?function ; rg:validFrom ?from ;
       rg:confidence ?confidence .
    ?a ?focus ?subject .
    OPTIONAL { ?a rg:validUntil ?until }
    OPTIONAL { ?a rg:basis ?basis }
    OPTIONAL { ?a dcterms:source ?source }
    OPTIONAL { ?a rg:quote ?q }
}
GROUP BY ?a ?role ?function ?from ?until ?confidence
ORDER BY ?from ?role ?function"""


def timeline(graph: Graph, subject: str) -> list[Period]:
    """Every period of the statutory system in which `subject` (a role or function IRI) held
    or was held, earliest first."""
    focus = RG.role if "/id/role/" in subject else RG.function
    return [Period(str(r.a), str(r.role), str(r.function), str(r["from"]),
                   str(r.until) if r.until else None, str(r.confidence),
                   tuple(sorted(str(r.bases).split())),  # GROUP_CONCAT's order is the
                   # graph's: sorted, every store alike; law is named once, as the basis
                   tuple(sorted(set(str(r.sources).split()) - set(str(r.bases).split()))),
                   str(r.quote) if r.quote else "")
            for r in select(graph, TIMELINE, system=SYSTEM, focus=focus, subject=URIRef(subject))]


AMENDED = """SELECT ?how ?by WHERE {
    ?provision rg:partOf* ?part . ?part ?how ?by . VALUES ?how { rg:insertedBy rg:repealedBy }
}"""


def amended_by(graph: Graph, provision: str) -> dict[str, str]:
    """What inserted and what repealed a provision (or the provision it is part of), as
    {"inserted": IRI, "repealed": IRI}: what changed the law at a time line's turns."""
    found: dict[str, str] = {}
    for row in select(graph, AMENDED, provision=URIRef(provision)):
        key = "inserted" if row.how == RG.insertedBy else "repealed"
        found.setdefault(key, str(row.by))
    return found


UNTIL = "SELECT ?until WHERE { ?provision rg:partOf* ?part . ?part rg:inForceUntil ?until }"


def out_of_force_by(graph: Graph, provision: str, day: date) -> bool:
    """Whether the data says a provision (or what it is part of) ceased by `day`: a basis a
    model stops citing has not, for that alone, gone out of force."""
    return any(str(row.until) <= day.isoformat()
               for row in select(graph, UNTIL, provision=URIRef(provision)))
