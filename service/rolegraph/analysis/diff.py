"""What changes between two models: who holds each function, which roles come and go, which
functions lose their legal basis, and which provisions would need amending."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef

from rolegraph.analysis.coverage import CoverageReport, Holder, slug
from rolegraph.graph.lawtime import SYSTEM
from rolegraph.graph.rdf import select
from rolegraph.vocab import RG

ESTABLISHED = "SELECT ?role ?law WHERE { ?role rg:establishedBy ?law }"
NAMED = "SELECT ?role ?law WHERE { ?law rg:namesRole ?role }"
PARENT = "SELECT ?child ?parent WHERE { ?child rg:partOf ?parent }"
PROVISIONS = "SELECT ?p WHERE { ?p a rg:Provision }"
INSTRUMENTS = "SELECT ?i WHERE { { ?i a rg:Act } UNION { ?i a rg:StatutoryInstrument } }"
INCLUDED = "SELECT ?m ?role WHERE { ?m rg:includesRole ?role }"

# The words a reader sees for each kind of change (the kind itself is the stable key).
CHANGE_WORDS = {
    "moved": "moved: a holder loses it and another takes it",
    "shared": "shared: gains a holder, and every old holder keeps it",
    "narrowed": "loses a holder: the others keep it, nobody new joins",
    "lost": "lost: nobody holds it",
    "gained": "gained: held where nobody held it before",
    "retired": "retired: the model removes the role it served to appoint",
    "arrives": "arrives: the law records it from a later date (new, or earlier law not modelled)",
}


@dataclass(frozen=True)
class FunctionChange:
    function: str
    before: tuple[Holder, ...]
    after: tuple[Holder, ...]
    retired_before: bool
    retired_after: bool
    unrecorded_before: bool = False  # the law on the first model's date records no holder yet

    def losers(self) -> list[Holder]:
        """Holders under the first model who no longer hold the function under the second."""
        kept = {h.role for h in self.after}
        return [h for h in self.before if h.role not in kept]

    def joiners(self) -> list[Holder]:
        """Holders under the second model who did not hold the function under the first."""
        had = {h.role for h in self.before}
        return [h for h in self.after if h.role not in had]

    @property
    def kind(self) -> str:
        if self.retired_after and not self.retired_before:
            return "retired"
        if self.unrecorded_before and self.after:
            return "arrives"
        if not self.after and not self.retired_after:
            return "lost"
        if not self.before and not self.retired_before:
            return "gained"
        if not self.losers():
            return "shared"
        return "moved" if self.joiners() else "narrowed"

    @property
    def words(self) -> str:
        return CHANGE_WORDS[self.kind]


@dataclass(frozen=True)
class Amendment:
    """A provision that would need amending, the instrument it belongs to, and why."""

    provision: str
    instrument: str
    functions: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass
class ModelDiff:
    a: str
    b: str
    changes: list[FunctionChange] = field(default_factory=list)
    roles_added: list[str] = field(default_factory=list)
    roles_removed: list[str] = field(default_factory=list)
    basis_lost: list[str] = field(default_factory=list)
    amendments: list[Amendment] = field(default_factory=list)

    def amendments_by_instrument(self) -> list[tuple[str, list[Amendment]]]:
        """The provisions to amend grouped by Act or SI, in the order they were listed."""
        groups: dict[str, list[Amendment]] = {}
        for amendment in self.amendments:
            groups.setdefault(amendment.instrument, []).append(amendment)
        return list(groups.items())


def diff_models(report: CoverageReport, graph: Graph, a: str, b: str) -> ModelDiff:
    """Compare model IRIs `a` and `b` of `report` (built from `graph`)."""
    result = ModelDiff(a, b)
    included = {m: {str(r.role) for r in select(graph, INCLUDED, m=URIRef(m))} for m in (a, b)}
    if all((URIRef(m), RG.derivedFrom, SYSTEM) in graph for m in (a, b)):
        # Two dates of the law: the statutory system records who held what, not when a role
        # with no function of its own there came to exist, so such a role is never "added".
        holding = {h.role for m in (a, b) for f in report.functions
                   for h in report.cell(m, f).holders}
        included = {m: roles & holding for m, roles in included.items()}
    result.roles_added = sorted(included[b] - included[a])
    result.roles_removed = sorted(included[a] - included[b])
    for function in report.functions:
        before, after = report.cell(a, function), report.cell(b, function)
        if {h.role for h in before.holders} != {h.role for h in after.holders} or (
            before.retired != after.retired or before.not_recorded != after.not_recorded
        ):
            result.changes.append(
                FunctionChange(
                    function,
                    tuple(before.holders),
                    tuple(after.holders),
                    before.retired,
                    after.retired,
                    before.not_recorded,
                )
            )
        if (has_basis(before.holders) and not has_basis(after.holders) and not after.retired
                and not after.not_recorded):
            result.basis_lost.append(function)
    result.amendments = amendments(graph, result, report)
    return result


def has_basis(holders: list[Holder]) -> bool:
    return any(h.bases for h in holders)


def amendments(graph: Graph, diff: ModelDiff, report: CoverageReport) -> list[Amendment]:
    """Provisions to amend: those that establish or name a role the second model removes, and
    those that give a function to a holder the second model takes it from. A provision that
    merely creates a function whose holders change is not listed: adding a holder, or keeping
    the function with its old holder, needs no amendment of it."""
    reasons: dict[str, set[str]] = {}
    functions: dict[str, set[str]] = {}
    parent = {str(r.child): str(r.parent) for r in select(graph, PARENT)}
    provisions = {str(r.p) for r in select(graph, PROVISIONS)}
    instruments = {str(r.i) for r in select(graph, INSTRUMENTS)}

    def note(law: str, why: str, function: str | None = None) -> None:
        top = section_of(law, parent, provisions)
        reasons.setdefault(top, set()).add(why)
        functions.setdefault(top, set())
        if function:
            functions[top].add(function)

    removed = set(diff.roles_removed)
    for query, verb in ((ESTABLISHED, "establishes"), (NAMED, "names")):
        for row in select(graph, query):
            if str(row.role) in removed:
                role = report.label(str(row.role))
                note(str(row.law), f"{verb} the {role}, which the model removes")
    for change in diff.changes:
        for holder in change.losers():
            for law in holder.bases:
                note(law, f"gives the functions listed to the {report.label(holder.role)},"
                     " who no longer holds them", change.function)
    found = [
        Amendment(
            p,
            instrument_of(p, parent, instruments),
            tuple(sorted(functions[p], key=report.label)),
            tuple(sorted(w)),
        )
        for p, w in reasons.items()
        if p in provisions or p in instruments  # guidance is revised, not amended
    ]
    return sorted(found, key=lambda x: (report.label(x.instrument), x.provision))


def section_of(provision: str, parent: dict[str, str], provisions: set[str]) -> str:
    """The outermost provision that contains this one (its section, regulation or rule)."""
    while parent.get(provision) in provisions:
        provision = parent[provision]
    return provision


def instrument_of(provision: str, parent: dict[str, str], instruments: set[str]) -> str:
    """The Act or SI the provision belongs to (itself if it is not part of one)."""
    seen = {provision}
    current = provision
    while current not in instruments and parent.get(current) and parent[current] not in seen:
        current = parent[current]
        seen.add(current)
    return current if current in instruments else provision


__all__ = ["CHANGE_WORDS", "Amendment", "FunctionChange", "ModelDiff", "diff_models", "slug"]
