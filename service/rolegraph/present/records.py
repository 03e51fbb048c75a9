"""The records pages, the JSON API and drawings are made of: typed, Flask-free view data
(a `Ref` to anything, a `Holding` that always carries its citations, one record per page),
the names of the kinds of entity, and where each IRI's page is (`href`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from rolegraph import vocab
from rolegraph.graph import lawtime
from rolegraph.vocab import BASE, ONTOLOGY, RG

ID = BASE + "id/"
DEF = str(RG._NS)
LEGISLATION = "http://www.legislation.gov.uk/id/"
LEGISLATION_SITE = "https://www.legislation.gov.uk/"
SCHEMA_URL = URIRef("https://schema.org/url")
VANN_PREFIX = URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix")
KINDS = vocab.KINDS  # every kind of instance has a page
# type/year/number, then segments such as section/25B or rule/16.3 (a dot inside a segment only)
LEGISLATION_PATH = re.compile(r"^[a-z]+/[0-9]{4}/[0-9]+(/[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)*$")
KEY_SETTINGS = ("foster-care", "childrens-home", "care-proceedings")


# --- records ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ref:
    """A link to something: its IRI, a label to show and where it lives on this site."""

    iri: str
    label: str
    href: str
    short: str = ""

    @property
    def external(self) -> bool:
        return not self.href.startswith("/")


@dataclass(frozen=True)
class Holding:
    """Who does what under which model, and why: the legal basis and the sources."""

    model: Ref
    role: Ref
    function: Ref
    confidence: str
    basis: tuple[Ref, ...]
    sources: tuple[Ref, ...]
    assignment: Ref | None = None
    quote: str = ""  # the words of the law or source that say so (rg:quote)
    guidance: tuple[Ref, ...] = ()  # bases that are statutory guidance, not law

    @property
    def citations(self) -> tuple[Ref, ...]:
        return self.basis + self.guidance + self.sources


@dataclass(frozen=True)
class PositionView:
    position: Ref
    stance: str
    stated_by: tuple[Ref, ...]
    date: str
    about: tuple[Ref, ...]
    definition: str
    sources: tuple[Ref, ...]


@dataclass(frozen=True)
class Fact:
    """One property of an entity, with its values, for the "all we know" list."""

    property: Ref
    values: tuple[Ref | str, ...]


@dataclass
class Entity:
    """What every page shows about a thing: names, definition, note, sources, types."""

    ref: Ref
    kind: str
    alt_labels: list[str]
    definition: str
    comment: str
    types: list[Ref]
    sources: list[Ref]
    facts: list[Fact]
    positions: list[PositionView]
    unverified: list[str] = field(default_factory=list)  # rg:unverified, shown marked


@dataclass
class ModelColumn:
    model: Ref
    status: str
    includes_role: bool
    holdings: list[Holding]


@dataclass
class RoleView:
    entity: Entity
    employers: list[Ref]
    appointed_by: list[Ref]
    independent_of: list[Ref]
    classification: str  # "independent", "local-authority" or "unclassified"
    classification_text: str
    established_by: list[Ref]
    by_model: list[ModelColumn]


@dataclass
class CellView:
    model: Ref
    holdings: list[Holding]
    retired: bool
    severity: str | None
    marks: str
    findings: list[str]


@dataclass
class FunctionView:
    entity: Entity
    notation: str
    created_by: list[Ref]
    requires_independence: bool | None
    settings: list[Ref]
    cells: list[CellView]


@dataclass
class ModelSummary:
    model: Ref
    status: str
    date: str
    proposed_by: list[Ref]
    counts: dict[str, int]


@dataclass
class ModelView:
    entity: Entity
    summary: ModelSummary
    based_on: list[Ref]
    roles: list[Ref]
    retires: list[Ref]
    rows: list[tuple[Ref, CellView]]
    findings: list[tuple[str, Ref, str]]


@dataclass
class MatrixView:
    models: list[Ref]
    rows: list[tuple[Ref, list[CellView]]]
    settings: list[Ref]
    roles: list[Ref]
    setting: str
    role: str
    legend: list[tuple[str, str, str]]
    counts: dict[str, int]
    all_models: list[Ref] = field(default_factory=list)  # to choose from
    chosen_models: list[str] = field(default_factory=list)  # ?model= (slugs or law@DATE)
    severity: str = ""  # ?severity=violation|warning|info


@dataclass
class ChangeView:
    function: Ref
    kind: str
    words: str
    before: list[Holding]
    after: list[Holding]
    retired_before: bool
    retired_after: bool
    unrecorded_before: bool = False


@dataclass(frozen=True)
class PeriodView:
    """One period of a time line: who held what from when to when, under what."""

    valid_from: str
    valid_until: str | None
    holding: Holding


@dataclass
class TimelineView:
    subject: Ref
    kind: str  # "role" or "function"
    periods: list[PeriodView]


@dataclass
class DiffView:
    a: Ref
    b: Ref
    changes: list[ChangeView]
    roles_added: list[Ref]
    roles_removed: list[Ref]
    basis_lost: list[Ref]
    # grouped by Act or SI: (instrument, [(provision, functions, reasons)])
    amendments: list[tuple[Ref, list[tuple[Ref, list[Ref], list[str]]]]]

    @property
    def amendment_count(self) -> int:
        return sum(len(group) for _, group in self.amendments)


@dataclass
class ProvisionView:
    entity: Entity
    notation: str
    part_of: list[Ref]  # from the instrument down to the parent
    parts: list[Ref]
    creates: list[Ref]
    establishes: list[Ref]
    basis_for: list[Holding]
    inserted_by: list[Ref]
    official: str  # the page on legislation.gov.uk


@dataclass
class Person:
    """One professional around the child: their role and what they do there."""

    role: Ref
    classification: str
    employers: list[Ref]
    holdings: list[Holding]
    independence: str = ""  # what the role is independent of, said exactly


@dataclass
class AroundView:
    setting: Ref
    model: Ref
    settings: list[Ref]
    models: list[Ref]
    people: list[Person]
    uncovered: list[Ref]


@dataclass
class TermView:
    ref: Ref
    local: str
    definition: str
    facts: list[Fact]


@dataclass
class OntologyView:
    title: str
    description: str
    version: str
    version_iri: str
    prefix: str
    facts: list[Fact]
    classes: list[TermView]
    properties: list[TermView]


# --- the site --------------------------------------------------------------------------------


def href(iri: str) -> str:
    """Where an IRI's page is on this site (or outside it, for other vocabularies)."""
    if (day := lawtime.LAW_MODEL.search(iri)) is not None:  # the law on a date: its page
        return f"/models/law@{day.group(1)}"
    if iri.startswith(ID):
        return "/id/" + iri[len(ID):]
    if iri.startswith(DEF):
        return "/def#" + iri[len(DEF):]
    if iri == str(ONTOLOGY):
        return "/def"
    if iri.startswith(LEGISLATION):
        return "/legislation/" + iri[len(LEGISLATION):]
    return iri


def legislation_iri(path: str) -> str:
    if not LEGISLATION_PATH.match(path):
        raise vocab.UnknownName(f"'{path}' is not a legislation.gov.uk identifier path")
    return LEGISLATION + path
