"""The rolegraph namespaces, mirrored from ontology/ so a typo fails loudly."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/rolegraph/"
ONTOLOGY = URIRef(BASE + "def")
ID = Namespace(BASE + "id/")
LEG = Namespace("http://www.legislation.gov.uk/id/")


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


def entity(kind: str, slug: str) -> URIRef:
    """The IRI of an instance: https://w3id.org/rolegraph/id/{kind}/{slug}."""
    return ID[f"{kind}/{slug}"]
