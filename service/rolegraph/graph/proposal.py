"""Proposed models that users write (YAML, JSON or Turtle), turned into triples that the
coverage shapes check exactly as they check the shipped models, plus the one check only a
proposal gets (a holding it writes names its legal basis). The shipped data is never
touched: the proposal is merged into a copy of the snapshot graph. The checks of the YAML
itself (keys, slugs, provisions, with lines and suggestions) are graph/proposal_check.py's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SDO, SKOS

from rolegraph.graph.lawtime import LAW_MODEL
from rolegraph.graph.proposal_check import NOT_IN_FORCE, Checker, Known, Written
from rolegraph.graph.rdf import select
from rolegraph.graph.sources import SYNTAX_REASON, SourceError, parse_turtle
from rolegraph.vocab import RG, entity

MAX_MODELS = 20  # per Turtle proposal: checking grows ~15 ms a model; this bounds a check


@dataclass
class ProposalError(Exception):
    """Everything wrong with a proposal file, each with its line."""

    path: str
    problems: list[tuple[int | None, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(
            f"{self.path}{f':{line}' if line else ''}: {message}" for line, message in self.problems
        )


@dataclass
class Proposal:
    models: list[str]
    triples: Graph


def load_proposal(path: Path, graph: Graph) -> Proposal:
    """Read a proposal and check it against the functions, roles and models of `graph`."""
    if path.suffix.lower() in (".ttl", ".turtle"):
        return turtle_proposal(path)
    return yaml_proposal(path, graph)


def turtle_proposal(path: Path) -> Proposal:
    try:
        triples = parse_turtle(path)
    except SourceError as error:  # the line and the reason, not the file's (temporary) name
        cause = error.__cause__
        line, reason = syntax_at(cause) if isinstance(cause, Exception) else (None, str(error))
        raise ProposalError(str(path), [(line, f"not valid Turtle: {reason}")]) from error
    models = sorted(str(m) for m in triples.subjects(RDF.type, RG.ReformModel))
    if not models:
        raise ProposalError(str(path), [(None, "no rg:ReformModel in the file")])
    if len(models) > MAX_MODELS:
        raise ProposalError(str(path), [(None, f"{len(models)} models in one proposal; at "
                                         f"most {MAX_MODELS} are checked at once (split it)")])
    dated = [m for m in models if LAW_MODEL.search(m)]
    if dated:  # model/law-YYYY-MM-DD is the law on that date (graph/lawtime.py), not a proposal
        raise ProposalError(str(path), [(None, f"<{m}> names the law on a date; choose "
                                         "another IRI") for m in dated])
    in_force = [m for m in models
                if any(str(s) == "in force" for s in triples.objects(URIRef(m), RG.status))]
    if in_force:
        raise ProposalError(str(path), [
            (None, f"<{m}>: {NOT_IN_FORCE.format(status='rg:status')}") for m in in_force])
    unlabelled = [m for m in models if (URIRef(m), RDFS.label, None) not in triples]
    if unlabelled:  # the coverage report lists labelled models only (was a 500: KeyError)
        raise ProposalError(str(path), [(None, f"<{m}> needs an rdfs:label")
                                        for m in unlabelled])
    return Proposal(models, triples)


def syntax_at(error: Exception) -> tuple[int | None, str]:
    """The line (from 1, when rdflib says) and the reason of a Turtle parse error. rdflib
    raises IndexError for text that stops in the middle of a statement."""
    if isinstance(error, IndexError):
        return None, "the text ends in the middle of a statement (a missing object or '.'?)"
    line = getattr(error, "lines", None)
    reason = SYNTAX_REASON.search(str(error))
    return (line + 1 if isinstance(line, int) else None), reason.group(1) if reason else str(error)


# YAML and JSON (JSON is YAML): keep the line of every key so errors can point at it.


def compose(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProposalError(
            str(path), [(line, f"not valid YAML/JSON: {getattr(error, 'problem', error)}")]
        ) from error
    except OSError as error:
        raise ProposalError(str(path), [(None, f"cannot read: {error.strerror}")]) from error
    except UnicodeDecodeError as error:  # found by schemathesis: was a 500 from POST /validate
        raise ProposalError(str(path), [(None, f"not UTF-8 text: {error.reason} at byte "
                                         f"{error.start}")]) from error
    except RecursionError as error:  # [[[[...]]]] 50,000 deep: PyYAML's composer recurses
        raise ProposalError(str(path), [(None, "nested too deeply to be a proposal")]) from error
    if not isinstance(node, yaml.MappingNode):
        raise ProposalError(
            str(path),
            [(1, "a proposal is a mapping of keys (slug, label, roles, assignments, ...)")],
        )
    lines: dict[str, int] = {}
    try:
        return to_python(node, "", lines), lines
    except TooManyValues as error:
        raise ProposalError(str(path), [(None, str(error))]) from error
    except RecursionError as error:
        raise ProposalError(str(path), [(None, "nested too deeply to be a proposal")]) from error


# YAML aliases (*name) reuse a node, so a tiny file can name billions of values ("billion
# laughs"): reading stops at this many, far above any real proposal (a few hundred).
MAX_VALUES = 10_000


class TooManyValues(ValueError):
    def __init__(self) -> None:
        super().__init__(f"the proposal expands to more than {MAX_VALUES:,} values "
                         "(YAML aliases that repeat other aliases?); write it out plainly")


def to_python(node: yaml.Node, where: str, lines: dict[str, int]) -> Any:
    if len(lines) >= MAX_VALUES:
        raise TooManyValues
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            result[key] = to_python(value_node, f"{where}.{key}".lstrip("."), lines)
            lines[f"{where}.{key}".lstrip(".")] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [to_python(item, f"{where}[{i}]", lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def yaml_proposal(path: Path, graph: Graph) -> Proposal:
    data, lines = compose(path)
    checker = Checker(str(path), lines, Known.of(graph))
    slug = checker.check_header(data)
    base = data.get("based_on")
    roles = checker.roles(data.get("roles"), graph, base)
    retires = set(
        checker.slug_list(data.get("retires", []), "retires", checker.known.functions, "function")
    )
    assignments = checker.assignments(data.get("assignments"), retires, base is not None)
    if checker.problems:
        raise ProposalError(str(path), checker.problems)
    model = entity("model", slug)
    triples = model_triples(model, data, roles, retires)
    sources = Citations(triples, slug)
    based = base_holdings(graph, entity("model", base)) if base is not None else {}
    for function, holders in assignments.items():
        for held in holders:
            node = entity("assignment", f"{slug}--{held.role}--{function}")
            kept = based.get((held.role, function))
            if kept is not None and not held.cited:  # the base's holder, listed again: its
                copy_assignment(triples, graph, kept, node, model)  # basis and sources stay
            else:
                add_assignment(triples, node, model, slug, held, function, path, sources)
    if base is not None:
        inherit(triples, graph, model, slug, entity("model", base), set(assignments) | retires,
                roles)
    return Proposal([str(model)], triples)


def model_triples(model: URIRef, data: dict[str, Any], roles: set[str], retires: set[str]) -> Graph:
    triples = Graph()
    triples.add((model, RDF.type, RG.ReformModel))
    triples.add((model, RDFS.label, Literal(str(data["label"]), lang="en")))
    triples.add(
        (model, SKOS.definition, Literal(str(data.get("definition", data["label"])), lang="en"))
    )
    triples.add((model, RG.status, Literal(data.get("status", "proposed"))))
    if data.get("based_on"):
        triples.add((model, RG.basedOn, entity("model", str(data["based_on"]))))
    for role in sorted(roles):
        triples.add((model, RG.includesRole, entity("role", role)))
    for function in sorted(retires):
        triples.add((model, RG.retires, entity("function", function)))
    for source in data.get("sources", []) or []:
        triples.add((model, DCTERMS.source, Literal(str(source))))
    return triples


class Citations:
    """The user's own citations (a URL, or words naming a paper), each made a source of the
    proposal so that reports name it as they name the graph's sources."""

    def __init__(self, triples: Graph, slug: str) -> None:
        self.triples, self.slug = triples, slug
        self.made: dict[str, URIRef] = {}

    def iri(self, cited: str) -> URIRef:
        if cited.startswith(SOURCE_NS):
            return URIRef(cited)
        if cited not in self.made:
            node = entity("source", f"{self.slug}--cited-{len(self.made) + 1}")
            self.triples.add((node, RDF.type, RG.Source))
            self.triples.add((node, RDFS.label, Literal(cited[:200], lang="en")))
            self.triples.add((node, SKOS.definition, Literal(f"Cited by the proposal: {cited}",
                                                             lang="en")))
            if cited.startswith(("https://", "http://")):
                self.triples.add((node, SDO.url, Literal(cited, datatype=XSD.anyURI)))
            self.made[cited] = node
        return self.made[cited]


SOURCE_NS = str(entity("source", "x"))[:-1]


def add_assignment(triples: Graph, node: URIRef, model: URIRef, slug: str, held: Written,
                   function: str, path: Path, sources: Citations) -> None:
    triples.add((node, RDF.type, RG.Assignment))
    triples.add((node, RDFS.label, Literal(f"{held.role}: {function} ({slug})", lang="en")))
    triples.add((node, RDFS.comment, Literal(f"Proposed in {path.name}.", lang="en")))
    triples.add((node, RG.model, model))
    triples.add((node, RG.role, entity("role", held.role)))
    triples.add((node, RG.function, entity("function", function)))
    triples.add((node, RG.confidence, Literal(held.confidence or "stated")))
    for law in held.bases:
        triples.add((node, RG.basis, URIRef(law)))
    for cited in held.sources:
        triples.add((node, DCTERMS.source, sources.iri(cited)))
    if held.quote:
        triples.add((node, RG.quote, Literal(held.quote, lang="en")))


INHERITED = """
SELECT ?a ?role ?function WHERE { ?a rg:model ?base ; rg:role ?role ; rg:function ?function }"""


def base_holdings(graph: Graph, base: URIRef) -> dict[tuple[str, str], URIRef]:
    """The base model's assignments by (role slug, function slug)."""
    return {(str(r.role).rsplit("/", 1)[1], str(r.function).rsplit("/", 1)[1]): URIRef(r.a)
            for r in select(graph, INHERITED, base=base)}


def copy_assignment(triples: Graph, graph: Graph, source: URIRef, node: URIRef,
                    model: URIRef) -> None:
    """The base model's assignment as the proposal's: its basis, sources, confidence and
    disputes (a Position about it is about the copy too), marked prov:wasDerivedFrom it."""
    for prop, value in graph.predicate_objects(source):
        if prop != RG.model:
            triples.add((node, prop, value))
    triples.add((node, RG.model, model))
    triples.add((node, PROV.wasDerivedFrom, source))
    for position in graph.subjects(RG.about, source):
        triples.add((position, RG.about, node))


def inherit(
    triples: Graph,
    graph: Graph,
    model: URIRef,
    slug: str,
    base: URIRef,
    skip: set[str],
    roles: set[str],
) -> None:
    """Copy the base model's assignments of every function the proposal does not list, to
    the roles the proposal keeps: a role it removes holds nothing under it (the function is
    then without a holder, one violation, rather than held by a role that is not there)."""
    for (role, function), source in base_holdings(graph, base).items():
        if function in skip or role not in roles:
            continue
        copy_assignment(triples, graph, source, entity("assignment", f"{slug}--{role}--{function}"),
                        model)


# The check a proposal gets on top of the shipped coverage and policy shapes: every holding
# it writes (not those it keeps from its base) names the law that gives it, or it is a
# Warning (docs/proposals.md). Focus node: the function; sh:value: the model, as in
# shapes/coverage.ttl, so the results read as coverage findings.
PROPOSAL_SHAPES = """
@prefix rg:   <https://w3id.org/rolegraph/def#> .
@prefix sh:   <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix rgprop: <https://w3id.org/rolegraph/shapes/proposal#> .

rgprop: sh:declare
    [ sh:prefix "rg" ; sh:namespace "https://w3id.org/rolegraph/def#"^^xsd:anyURI ] ,
    [ sh:prefix "rdfs" ; sh:namespace "http://www.w3.org/2000/01/rdf-schema#"^^xsd:anyURI ] ,
    [ sh:prefix "prov" ; sh:namespace "http://www.w3.org/ns/prov#"^^xsd:anyURI ] ,
    [ sh:prefix "dcterms" ; sh:namespace "http://purl.org/dc/terms/"^^xsd:anyURI ] .

rgprop:WithoutBasis a sh:NodeShape ;
    rdfs:label "a proposed holding with no legal basis"@en ;
    sh:targetClass rg:Function ;
    sh:severity sh:Warning ;
    sh:sparql [
        sh:prefixes rgprop: ;
        sh:message "MESSAGE" ;
        sh:select \"\"\"
            SELECT $this ?value ?modelLabel ?functionLabel ?roleLabel
                   (IF(BOUND(?sourceLabel), CONCAT(" (proposed in ", ?sourceLabel, ")"),
                       " (and it cites no source)") AS ?cited) WHERE {
                ?a rg:model ?value ; rg:function $this ; rg:role ?role .
                FILTER (?value IN (MODELS))
                FILTER NOT EXISTS { ?a rg:basis ?basis }
                FILTER NOT EXISTS { ?a prov:wasDerivedFrom ?kept }
                ?value rdfs:label ?modelLabel . $this rdfs:label ?functionLabel .
                ?role rdfs:label ?roleLabel .
                OPTIONAL { SELECT ?a (MIN(STR(?label)) AS ?sourceLabel) WHERE {
                    ?a dcterms:source/rdfs:label ?label } GROUP BY ?a }
            }\"\"\" ] .
"""
WITHOUT_BASIS = ("Under {?modelLabel} '{?functionLabel}' is given to {?roleLabel} with no legal "
                 "basis: no provision cited gives it to them, so the proposal needs new law "
                 "for it{?cited}.")
PLAIN_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def proposal_shapes(models: list[str]) -> Graph:
    """PROPOSAL_SHAPES for these proposed models (IRIs that cannot break the query only)."""
    listed = ", ".join(f"<{m}>" for m in models if PLAIN_IRI.match(m))
    shapes = Graph()
    text = PROPOSAL_SHAPES.replace("MODELS", listed or "<urn:none>")
    shapes.parse(data=text.replace("MESSAGE", WITHOUT_BASIS), format="turtle")
    return shapes
