"""The checks of a YAML or JSON proposal before it becomes triples: every key, slug, role,
basis and source it names, each problem with its line and the closest known names (matched
without regard to case). graph/proposal.py turns what passes into triples."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF, RDFS, Graph, URIRef

from rolegraph.graph.lawtime import LAW
from rolegraph.vocab import RG, entity, is_slug

# DESIGN's statuses but "in force": that is the law's own models only (model:current, the
# statutory system, law@DATE; shapes/integrity.ttl OnlyTheLawInForce), and a proposal is not
STATUSES = ("proposed", "enacted", "government policy", "rejected", "withdrawn",
            "partly adopted")
NOT_IN_FORCE = ("{status} cannot be \"in force\": only the law's own models are in force "
                "(model current and the statutory system); a proposal is \"proposed\" or "
                "another status")  # {status}: how the proposal's format names the status
CONFIDENCES = ("stated", "inferred", "contested")
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
HOLDING_KEYS = {"role", "basis", "source", "quote", "confidence"}
MAX_QUOTE = 320  # as shapes/integrity.ttl's QuoteIsShort


@dataclass
class Written:
    """One holding the proposal writes: a role, and what it rests on."""

    role: str
    bases: list[str] = field(default_factory=list)  # provision or instrument IRIs
    sources: list[str] = field(default_factory=list)  # source IRIs, or citations of the user's
    quote: str | None = None
    confidence: str | None = None

    @property
    def cited(self) -> bool:
        return bool(self.bases or self.sources or self.quote or self.confidence)


@dataclass
class Known:
    """The slugs, provisions and sources a proposal may use, read from the graph."""

    roles: set[str]
    functions: set[str]
    models: set[str]
    laws: dict[str, str]  # provision or instrument IRI -> label
    sources: dict[str, str]  # source IRI -> label

    @classmethod
    def of(cls, graph: Graph) -> Known:
        def slugs(kind: URIRef) -> set[str]:
            return {
                str(s).rsplit("/", 1)[1]
                for s in graph.subjects(RDF.type, kind)
                if isinstance(s, URIRef)
            }

        def labelled(*kinds: URIRef) -> dict[str, str]:
            return {
                str(s): str(graph.value(s, RDFS.label) or s)
                for kind in kinds
                for s in graph.subjects(RDF.type, kind)
                if isinstance(s, URIRef)
            }

        return cls(slugs(RG.Role), slugs(RG.Function), slugs(RG.ReformModel),
                   labelled(RG.Provision, RG.LegalInstrument), labelled(RG.Source))


def closest(value: str, choices: set[str] | list[str]) -> list[str]:
    """The known names nearest `value`, compared in lower case (IRO -> iro)."""
    lowered: dict[str, str] = {}
    for choice in sorted(choices):
        lowered.setdefault(choice.lower(), choice)
    wanted = value.strip().lower()
    if wanted in lowered:
        return [lowered[wanted]]
    return [lowered[c] for c in difflib.get_close_matches(wanted, list(lowered), n=3, cutoff=0.5)]


class Checker:
    """Collects every problem with its line, and suggests the closest known names."""

    def __init__(self, path: str, lines: dict[str, int], known: Known) -> None:
        self.path, self.lines, self.known = path, lines, known
        self.problems: list[tuple[int | None, str]] = []
        self.removed: set[str] = set()

    def fail(self, where: str, message: str) -> None:
        self.problems.append((self.lines.get(where), message))

    def unknown(self, where: str, value: str, kind: str, choices: set[str]) -> None:
        close = closest(value, choices)
        hint = f"; closest known: {', '.join(close)}" if close else ""
        self.fail(where, f"unknown {kind} slug '{value}' at {where}{hint}")

    def check_header(self, data: dict[str, Any]) -> str:
        for key in sorted(set(data) - KEYS):
            hint = closest(key, KEYS)
            self.fail(key, f"unknown key '{key}' (allowed: {', '.join(sorted(KEYS))})"
                      + (f"; did you mean '{hint[0]}'?" if hint else ""))
        slug = data.get("slug")
        if not isinstance(slug, str) or not is_slug(slug):
            self.fail("slug", "'slug' must be a lower-case kebab-case name, e.g. my-council-2026")
            slug = "proposal"
        elif slug in self.known.models:
            self.fail("slug", f"slug '{slug}' is a shipped model; choose a new name")
        elif LAW.match(slug):
            self.fail("slug", f"slug '{slug}' names the law on a date (law@YYYY-MM-DD); "
                              "choose a new name")
        if not isinstance(data.get("label"), str):
            self.fail("label", "'label' (a short title for the model) is required")
        status = data.get("status", "proposed")
        if status == "in force":
            self.fail("status", NOT_IN_FORCE.format(status="'status'"))
        elif status not in STATUSES:
            self.fail("status", f"'status' must be one of: {', '.join(STATUSES)}")
        base = data.get("based_on")
        if base is not None and base not in self.known.models:
            self.unknown("based_on", str(base), "model", self.known.models)
        return slug

    def slug_list(self, value: Any, where: str, choices: set[str], kind: str) -> list[str]:
        good = []
        for path, item in self.items(value, where, f"a {kind} slug or a list of them"):
            if str(item) in choices:
                good.append(str(item))
            else:
                self.unknown(path, str(item), kind, choices)
        return good

    def items(self, value: Any, where: str, what: str) -> list[tuple[str, Any]]:
        """A value or list of values, each with its place (for the line of a problem)."""
        if isinstance(value, list):
            return [(f"{where}[{i}]", item) for i, item in enumerate(value)]
        if isinstance(value, (str, dict)):
            return [(where, value)]
        self.fail(where, f"'{where}' must be {what}")
        return []

    def roles(self, value: Any, graph: Graph, base: str | None) -> set[str]:
        roles = self.known.roles
        start = {
            str(r).rsplit("/", 1)[1] for r in graph.objects(entity("model", base), RG.includesRole)
        } if base is not None else set()
        if isinstance(value, dict):
            if base is None:
                self.fail("roles", "'roles' with add/remove needs 'based_on'")
                return set()
            added = self.slug_list(value.get("add", []), "roles.add", roles, "role")
            removed = self.slug_list(value.get("remove", []), "roles.remove", roles, "role")
            self.removed = set(removed)
            return (start | set(added)) - set(removed)
        if value is None:
            if base is None:
                self.fail("roles", "'roles' (the roles that exist under the model) is required")
            return start
        return set(self.slug_list(value, "roles", roles, "role"))

    def assignments(self, value: Any, retires: set[str], inherits: bool,
                    ) -> dict[str, list[Written]]:
        if not isinstance(value, dict):
            self.fail("assignments", "'assignments' must map function slugs to role slugs "
                      "(or to {role, basis, source} mappings)")
            return {}
        result: dict[str, list[Written]] = {}
        for function, holders in value.items():
            where = f"assignments.{function}"
            if function not in self.known.functions:
                self.unknown(where, function, "function", self.known.functions)
                continue
            written = [self.holding(path, item)
                       for path, item in self.items(holders, where, "a role slug, a "
                                                    "{role, basis, source} mapping, or a list")]
            result[function] = [w for w in written if w is not None]
        missing = self.known.functions - set(value) - retires
        if missing and not inherits:
            self.fail(
                "assignments",
                "functions not assigned (list each, retire it, or set "
                f"'based_on' to inherit): {', '.join(sorted(missing))}",
            )
        return result

    def holding(self, where: str, item: Any) -> Written | None:
        """One holder: a role slug, or {role, basis, source, quote, confidence}."""
        mapping = isinstance(item, dict)
        if not mapping:
            item = {"role": item}
        for key in sorted(set(item) - HOLDING_KEYS):
            self.fail(f"{where}.{key}", f"unknown key '{key}' at {where} (allowed: "
                      f"{', '.join(sorted(HOLDING_KEYS))})")
        role = str(item.get("role", ""))
        if role not in self.known.roles:
            self.unknown(f"{where}.role" if mapping else where, role, "role", self.known.roles)
            return None
        if role in self.removed:
            self.fail(where, f"'{role}' at {where} is a role this model removes (roles.remove); "
                      "give the function to a role the model keeps")
            return None
        held = Written(role)
        for path, law in self.items(item.get("basis", []), f"{where}.basis", "a provision"):
            found = self.law(path, str(law))
            if found:
                held.bases.append(found)
        for _, cited in self.items(item.get("source", []), f"{where}.source", "a source"):
            held.sources.append(self.source(str(cited)))
        if item.get("quote") is not None:
            held.quote = str(item["quote"]).strip()
            if len(held.quote) > MAX_QUOTE:
                self.fail(f"{where}.quote", f"the quote at {where} is longer than {MAX_QUOTE} "
                          "characters: quote the words that say so, not the whole provision")
        if item.get("confidence") is not None:
            held.confidence = str(item["confidence"])
            if held.confidence not in CONFIDENCES:
                self.fail(f"{where}.confidence", f"'confidence' at {where} must be one of: "
                          f"{', '.join(CONFIDENCES)}")
        return held

    def law(self, where: str, value: str) -> str | None:
        """A provision or instrument the graph describes, by its legislation.gov.uk IRI or
        its label (CA 1989 s.25B), in any case."""
        laws = self.known.laws
        if value in laws:
            return value
        by_label = {label.lower(): iri for iri, label in laws.items()}
        if value.strip().lower() in by_label:
            return by_label[value.strip().lower()]
        close = closest(value, set(laws.values()))
        hint = f"; closest known: {', '.join(close)}" if close else ""
        self.fail(where, f"unknown provision '{value}' at {where}: give a provision the graph "
                  "describes (its legislation.gov.uk IRI or its label); cite new law you "
                  f"propose as a 'source'{hint}")
        return None

    def source(self, value: str) -> str:
        """A source the graph describes (by IRI or slug), else the user's own citation."""
        if value in self.known.sources:
            return value
        iri = str(entity("source", value)) if is_slug(value) else ""
        return iri if iri in self.known.sources else value
