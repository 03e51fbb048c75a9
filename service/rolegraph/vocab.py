"""The rolegraph namespaces (mirrored from ontology/ so a typo fails loudly), the one prefix
map every query, page and download uses, and the one rule for instance slugs."""

import re
from typing import Any

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/rolegraph/"
ONTOLOGY = URIRef(BASE + "def")
ID = Namespace(BASE + "id/")
LEG = Namespace("http://www.legislation.gov.uk/id/")
# Lower-case kebab-case words; "--" joins the parts of an n-ary name (current--iro--refer-...).
SLUG = re.compile(r"^[a-z0-9]+(?:--?[a-z0-9]+)*$")
KINDS = ("role", "function", "model", "assignment", "relation", "organisation", "person",
         "setting", "source", "position", "instrument", "independence")
PREFIXES: dict[str, str] = {
    "rg": BASE + "def#",
    **{kind: f"{BASE}id/{kind}/" for kind in KINDS},
    "leg": str(LEG),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "eli": "http://data.europa.eu/eli/ontology#",
}


class RG(DefinedNamespace):
    """Terms of https://w3id.org/rolegraph/def# (tests keep this equal to ontology/)."""

    _NS = Namespace(BASE + "def#")
    _fail = True

    # classes
    Role: URIRef
    Organisation: URIRef
    LocalAuthority: URIRef
    IndependentBody: URIRef
    Court: URIRef
    GovernmentBody: URIRef
    Person: URIRef
    Function: URIRef
    Setting: URIRef
    ReformModel: URIRef
    Assignment: URIRef
    LegalInstrument: URIRef
    Act: URIRef
    StatutoryInstrument: URIRef
    StatutoryGuidance: URIRef
    PracticeDirection: URIRef
    Provision: URIRef
    Source: URIRef
    Position: URIRef
    IndependentRole: URIRef
    LocalAuthorityRole: URIRef
    StatutoryFunction: URIRef
    ActProvision: URIRef
    SecondaryProvision: URIRef
    ContestedAssignment: URIRef
    DisputingPosition: URIRef
    IndependenceKind: URIRef
    OfCaseManagement: URIRef
    OfTheLocalAuthority: URIRef
    Independence: URIRef
    SecondarySource: URIRef
    # properties
    employedBy: URIRef
    appointedBy: URIRef
    independentOf: URIRef
    establishedBy: URIRef
    establishes: URIRef
    holds: URIRef
    heldBy: URIRef
    createdBy: URIRef
    creates: URIRef
    requiresIndependence: URIRef
    appliesIn: URIRef
    partOf: URIRef
    insertedBy: URIRef
    extent: URIRef
    model: URIRef
    role: URIRef
    function: URIRef
    basis: URIRef
    confidence: URIRef
    includesRole: URIRef
    retires: URIRef
    basedOn: URIRef
    status: URIRef
    proposedBy: URIRef
    jurisdiction: URIRef
    stance: URIRef
    about: URIRef
    subjectOf: URIRef
    statedBy: URIRef
    statusNote: URIRef
    asOf: URIRef
    quote: URIRef
    quoteFrom: URIRef
    contactFrequency: URIRef
    contactFrequencyBasis: URIRef
    shortLabel: URIRef
    # plain words for a child (ontology/plain-words.ttl)
    plainName: URIRef
    plainDescription: URIRef
    plainQuestion: URIRef
    plainFrequency: URIRef
    plainContact: URIRef
    plainContactSource: URIRef
    plainTerm: URIRef
    plainMeaning: URIRef
    meetsChildIn: URIRef
    repealedBy: URIRef
    inForceFrom: URIRef
    inForceUntil: URIRef
    prospective: URIRef
    namesRole: URIRef
    validFrom: URIRef
    validUntil: URIRef
    derivedFrom: URIRef
    introducedBy: URIRef
    enacts: URIRef
    notRecorded: URIRef
    hasIndependence: URIRef
    independenceKind: URIRef
    unverified: URIRef
    # relations between roles (ontology/relations.ttl)
    Relation: URIRef
    Child: URIRef
    theChild: URIRef
    fromRole: URIRef
    toRole: URIRef
    relationKind: URIRef


def entity(kind: str, slug: str) -> URIRef:
    """The IRI of an instance: https://w3id.org/rolegraph/id/{kind}/{slug}."""
    return ID[f"{kind}/{slug}"]


class UnknownName(LookupError):
    """A name (a slug, law@date, a setting, a provision path) the graph does not know: the one
    error for it in every surface (404 on the web, exit status 2 in the CLI). The message
    says what was asked for and what is known; `suggestions` holds the nearest names that
    exist, as present.records.Ref, when the caller knows them."""

    def __init__(self, message: str, suggestions: list[Any] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


def is_slug(value: str) -> bool:
    """A well-formed instance slug (checked before any lookup); 200 characters at most, well
    above the longest n-ary name (an assignment's model--role--function--date)."""
    return len(value) <= 200 and SLUG.match(value) is not None
