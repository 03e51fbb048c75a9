"""Proposed models that users write (YAML, JSON or Turtle), turned into triples that the
coverage shapes check exactly as they check the shipped models. The shipped data is never
touched: the proposal is merged into a copy of the snapshot graph."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from rolegraph.graph.rdf import select
from rolegraph.graph.sources import SourceError, parse_turtle
from rolegraph.vocab import RG, entity, is_slug

MAX_MODELS = 20  # per Turtle proposal: checking grows ~15 ms a model; this bounds a check
STATUSES = ("in force", "proposed", "rejected", "withdrawn")
KEYS = {
    "slug",
    "label",
    "definition",
    "based_on",
    "status",
    "proposed_by",
    "roles",
    "retires",
    "assignments",
    "sources",
}


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
    except SourceError as error:
        raise ProposalError(str(path), [(None, str(error))]) from error
    models = sorted(str(m) for m in triples.subjects(RDF.type, RG.ReformModel))
    if not models:
        raise ProposalError(str(path), [(None, "no rg:ReformModel in the file")])
    if len(models) > MAX_MODELS:
        raise ProposalError(str(path), [(None, f"{len(models)} models in one proposal; at "
                                         f"most {MAX_MODELS} are checked at once (split it)")])
    unlabelled = [m for m in models if (URIRef(m), RDFS.label, None) not in triples]
    if unlabelled:  # the coverage report lists labelled models only (was a 500: KeyError)
        raise ProposalError(str(path), [(None, f"<{m}> needs an rdfs:label")
                                        for m in unlabelled])
    return Proposal(models, triples)


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


@dataclass
class Known:
    """The slugs a proposal may use, read from the graph."""

    roles: set[str]
    functions: set[str]
    models: set[str]

    @classmethod
    def of(cls, graph: Graph) -> Known:
        def slugs(kind: URIRef) -> set[str]:
            return {
                str(s).rsplit("/", 1)[1]
                for s in graph.subjects(RDF.type, kind)
                if isinstance(s, URIRef)
            }

        return cls(slugs(RG.Role), slugs(RG.Function), slugs(RG.ReformModel))


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
    listed = set(assignments)
    for function, holders in assignments.items():
        for role in holders:
            add_assignment(triples, model, slug, role, function, path)
    if base is not None:
        inherit(triples, graph, model, slug, entity("model", base), listed | retires, roles)
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


def add_assignment(
    triples: Graph, model: URIRef, slug: str, role: str, function: str, path: Path
) -> None:
    node = entity("assignment", f"{slug}--{role}--{function}")
    triples.add((node, RDF.type, RG.Assignment))
    triples.add((node, RDFS.label, Literal(f"{role}: {function} ({slug})", lang="en")))
    triples.add((node, RDFS.comment, Literal(f"Proposed in {path.name}.", lang="en")))
    triples.add((node, RG.model, model))
    triples.add((node, RG.role, entity("role", role)))
    triples.add((node, RG.function, entity("function", function)))
    triples.add((node, RG.confidence, Literal("stated")))


INHERITED = """
SELECT ?a ?role ?function WHERE { ?a rg:model ?base ; rg:role ?role ; rg:function ?function }"""


def inherit(
    triples: Graph,
    graph: Graph,
    model: URIRef,
    slug: str,
    base: URIRef,
    skip: set[str],
    roles: set[str],
) -> None:
    """Copy the base model's assignments of every function the proposal does not list,
    keeping their basis, sources and confidence (and so their contested status)."""
    for row in select(graph, INHERITED, base=base):
        function, role = str(row.function).rsplit("/", 1)[1], str(row.role).rsplit("/", 1)[1]
        if function in skip:
            continue
        node = entity("assignment", f"{slug}--{role}--{function}")
        for prop, value in graph.predicate_objects(row.a):
            if prop != RG.model:
                triples.add((node, prop, value))
        triples.add((node, RG.model, model))
        for position in graph.subjects(RG.about, row.a):  # disputes carry over with the claim
            triples.add((position, RG.about, node))


class Checker:
    """Collects every problem with its line, and suggests the closest known slugs."""

    def __init__(self, path: str, lines: dict[str, int], known: Known) -> None:
        self.path, self.lines, self.known = path, lines, known
        self.problems: list[tuple[int | None, str]] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append((self.lines.get(where), message))

    def unknown(self, where: str, value: str, kind: str, choices: set[str]) -> None:
        close = difflib.get_close_matches(value, sorted(choices), n=3, cutoff=0.5)
        hint = f"; closest known: {', '.join(close)}" if close else ""
        self.fail(where, f"unknown {kind} slug '{value}' at {where}{hint}")

    def check_header(self, data: dict[str, Any]) -> str:
        for key in sorted(set(data) - KEYS):
            self.fail(key, f"unknown key '{key}' (allowed: {', '.join(sorted(KEYS))})")
        slug = data.get("slug")
        if not isinstance(slug, str) or not is_slug(slug):
            self.fail("slug", "'slug' must be a lower-case kebab-case name, e.g. my-council-2026")
            slug = "proposal"
        elif slug in self.known.models:
            self.fail("slug", f"slug '{slug}' is a shipped model; choose a new name")
        if not isinstance(data.get("label"), str):
            self.fail("label", "'label' (a short title for the model) is required")
        if data.get("status", "proposed") not in STATUSES:
            self.fail("status", f"'status' must be one of: {', '.join(STATUSES)}")
        base = data.get("based_on")
        if base is not None and base not in self.known.models:
            self.unknown("based_on", str(base), "model", self.known.models)
        return slug

    def slug_list(self, value: Any, where: str, choices: set[str], kind: str) -> list[str]:
        if isinstance(value, str):
            located = [(where, value)]
        elif isinstance(value, list):
            located = [(f"{where}[{i}]", item) for i, item in enumerate(value)]
        else:
            self.fail(where, f"'{where}' must be a {kind} slug or a list of them")
            return []
        good = []
        for path, item in located:
            if str(item) in choices:
                good.append(str(item))
            else:
                self.unknown(path, str(item), kind, choices)
        return good

    def roles(self, value: Any, graph: Graph, base: str | None) -> set[str]:
        roles = self.known.roles
        if isinstance(value, dict):
            if base is None:
                self.fail("roles", "'roles' with add/remove needs 'based_on'")
                return set()
            start = {
                str(r).rsplit("/", 1)[1]
                for r in graph.objects(entity("model", base), RG.includesRole)
            }
            added = self.slug_list(value.get("add", []), "roles.add", roles, "role")
            removed = self.slug_list(value.get("remove", []), "roles.remove", roles, "role")
            return (start | set(added)) - set(removed)
        if value is None:
            if base is None:
                self.fail("roles", "'roles' (the roles that exist under the model) is required")
                return set()
            return {
                str(r).rsplit("/", 1)[1]
                for r in graph.objects(entity("model", base), RG.includesRole)
            }
        return set(self.slug_list(value, "roles", roles, "role"))

    def assignments(self, value: Any, retires: set[str], inherits: bool) -> dict[str, list[str]]:
        if not isinstance(value, dict):
            self.fail("assignments", "'assignments' must map function slugs to role slugs")
            return {}
        result: dict[str, list[str]] = {}
        for function, holders in value.items():
            if function not in self.known.functions:
                self.unknown(f"assignments.{function}", function, "function", self.known.functions)
                continue
            result[function] = self.slug_list(
                holders, f"assignments.{function}", self.known.roles, "role"
            )
        missing = self.known.functions - set(value) - retires
        if missing and not inherits:
            self.fail(
                "assignments",
                "functions not assigned (list each, retire it, or set "
                f"'based_on' to inherit): {', '.join(sorted(missing))}",
            )
        return result
