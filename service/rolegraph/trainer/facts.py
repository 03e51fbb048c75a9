"""What the trainers' drawings and cards show of a version, collected once: roles (their
employer's kind, short name, included models), functions, settings, and the marks and
kinds each drawing uses (colour *and* a word, so it reads in black and white)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rolegraph.analysis.coverage import CoverageReport, Holder, slug
from rolegraph.graph.rdf import select
from rolegraph.trainer.relations import Relation, relations_by_model
from rolegraph.vocab import UnknownName, entity

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis

FORMATS = ("svg", "png", "pdf", "dot", "mermaid")
FONT = "DejaVu Sans"

# --- Employers: colour, corner style and a text tag, so each reads without colour ------------


@dataclass(frozen=True)
class Kind:
    key: str
    tag: str
    title: str
    border: str
    fill: str
    style: str  # TABLE STYLE in DOT: "" (square corners) or "rounded"
    mermaid: tuple[str, str]  # node shape brackets in Mermaid


KINDS = {
    "local-authority": Kind("local-authority", "LA", "employed by the local authority",
                            "#1f4e99", "#dbe6f6", "", ("[", "]")),
    "independent": Kind("independent", "IND", "independent of the local authority",
                        "#1b7a3a", "#d7eedc", "rounded", ("([", "])")),
    "court": Kind("court", "COURT", "the court", "#6a3d9a", "#e6dcf2", "rounded",
                  ("{{", "}}")),
    "other": Kind("other", "OTHER", "not classified in the data", "#555555", "#eeeeee",
                  "", ("[/", "/]")),
}
KIND_ORDER = list(KINDS)
PRECEDENCE = ("court", "local-authority", "independent", "other")  # the court is independent too
BR = '<BR ALIGN="LEFT"/>'
CELL_WIDTH = ' WIDTH="225"'  # points: every row of a role box spans the box

# --- Marks on functions: colour and a word ---------------------------------------------------


@dataclass(frozen=True)
class Mark:
    key: str
    word: str
    fill: str
    meaning: str


MARKS = {
    "gap": Mark("gap", "GAP", "#f6b4b4", "no holder under the model: a coverage gap"),
    "contested": Mark("contested", "CONTESTED", "#fff0a0",
                      "a named source disputes this holder"),
    "moved": Mark("moved", "MOVED", "#fdd3a8", "a holder loses it between the models"),
    "shared": Mark("shared", "SHARED", "#e0d4f5", "gains a holder; every old holder keeps it"),
    "retired": Mark("retired", "RETIRED", "#d0d0d0",
                    "only served to appoint a role the other model removes"),
    "new": Mark("new", "NEW", "#c8e6f5", "held under the second model only"),
}
MARK_PRIORITY = ("gap", "contested", "moved", "shared", "retired", "new")

# --- What the graph says about roles and functions --------------------------------------------

ROLE_FACTS = """
SELECT ?role ?short ?org ?orgLabel ?court ?la ?ind WHERE {
    ?role a rg:Role .
    OPTIONAL { ?role rg:shortLabel ?short }
    OPTIONAL { ?role rg:employedBy ?org . OPTIONAL { ?org rdfs:label ?orgLabel }
               OPTIONAL { ?org a rg:Court . BIND(true AS ?court) } }
    OPTIONAL { ?role a rg:LocalAuthorityRole . BIND(true AS ?la) }
    OPTIONAL { ?role a rg:IndependentRole . BIND(true AS ?ind) }
}"""
FUNCTION_FACTS = """
SELECT ?function ?notation ?setting WHERE {
    ?function a rg:Function .
    OPTIONAL { ?function skos:notation ?notation }
    OPTIONAL { ?function rg:appliesIn ?setting }
}"""
SETTINGS = "SELECT ?setting ?label WHERE { ?setting a rg:Setting ; rdfs:label ?label }"
INCLUDED = "SELECT ?model ?role WHERE { ?model rg:includesRole ?role }"
MEETS = "SELECT ?role ?setting WHERE { ?role rg:meetsChildIn ?setting }"


@dataclass(frozen=True)
class RoleFacts:
    iri: str
    label: str
    kind: str
    employer: str | None
    short: str = ""  # its rg:shortLabel, for notes such as "moves to IRO"
    meets: frozenset[str] = frozenset()  # rg:meetsChildIn: only there (empty: wherever)

    @property
    def name(self) -> str:
        return self.short or self.label


@dataclass(frozen=True)
class FunctionFacts:
    iri: str
    label: str
    notation: str
    settings: frozenset[str]


@dataclass
class Facts:
    """Everything a diagram needs, read once from an analysis."""

    report: CoverageReport
    roles: dict[str, RoleFacts]
    functions: dict[str, FunctionFacts]
    included: dict[str, frozenset[str]]
    settings: dict[str, str]  # setting IRI -> label
    relations: dict[str, list[Relation]] = field(default_factory=dict)  # model IRI -> relations

    def model(self, name: str) -> str:
        # law@YYYY-MM-DD is the model law-YYYY-MM-DD (present once the analysis views it)
        return known_iri("model", name.replace("law@", "law-", 1), list(self.report.models))

    def role(self, name: str) -> str:
        return known_iri("role", name, sorted(self.roles))

    def setting(self, name: str) -> str:
        return known_iri("setting", name, sorted(self.settings))

    def holders(self, model: str, function: str, setting: str | None = None) -> list[Holder]:
        """Holders of `function` under `model` among the roles the model includes; with a
        setting, those around the child there (a function of foster care and children's homes
        is the foster carer's only in foster care: rg:meetsChildIn)."""
        included = self.included.get(model, frozenset())
        return [h for h in self.report.cell(model, function).holders if h.role in included
                and (setting is None or self.around(h.role, setting))]

    def around(self, role: str, setting: str) -> bool:
        meets = self.roles[role].meets if role in self.roles else frozenset()
        return not meets or setting in meets

    def citation(self, holder: Holder) -> str:
        return "; ".join(self.report.label(b) for b in holder.bases)


def collect(analysis: Analysis) -> Facts:
    """Read role employers, function settings and model membership from the analysis graph."""
    graph, report = analysis.graph, analysis.report
    roles: dict[str, RoleFacts] = {}
    for row in select(graph, ROLE_FACTS):
        iri = str(row.role)
        kind = ("court" if row.court else "local-authority" if row.la
                else "independent" if row.ind else "other")
        known = roles.get(iri)
        if known is None or PRECEDENCE.index(kind) < PRECEDENCE.index(known.kind):
            employer = str(row.orgLabel) if row.orgLabel is not None else None
            roles[iri] = RoleFacts(iri, report.roles.get(iri, slug(iri)), kind, employer,
                                   str(row.short or ""))
    meets: dict[str, set[str]] = {}
    for row in select(graph, MEETS):
        meets.setdefault(str(row.role), set()).add(str(row.setting))
    roles = {iri: replace(r, meets=frozenset(meets.get(iri, ()))) for iri, r in roles.items()}
    notation: dict[str, str] = {}
    settings: dict[str, set[str]] = {}
    for row in select(graph, FUNCTION_FACTS):
        iri = str(row.function)
        notation.setdefault(iri, str(row.notation or ""))
        found = settings.setdefault(iri, set())
        if row.setting is not None:
            found.add(str(row.setting))
    functions = {f: FunctionFacts(f, label, notation.get(f, ""), frozenset(settings.get(f, ())))
                 for f, label in report.functions.items()}
    included: dict[str, set[str]] = {}
    for row in select(graph, INCLUDED):
        included.setdefault(str(row.model), set()).add(str(row.role))
    setting_labels = {str(r.setting): str(r.label) for r in select(graph, SETTINGS)}
    return Facts(report, roles, functions, {m: frozenset(r) for m, r in included.items()},
                 setting_labels, relations_by_model(graph))


def known_iri(kind: str, name: str, known: list[str]) -> str:
    """The IRI of `kind` `name`, or UnknownName listing the known slugs."""
    iri = str(entity(kind, name))
    if iri not in known:
        raise UnknownName(f"unknown {kind} '{name}' "
                          f"(known: {', '.join(slug(k) for k in known)})")
    return iri
