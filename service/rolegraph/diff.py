"""What changes between two models: who holds each function, which roles come and go, which
functions lose their legal basis, and which provisions would need amending."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef

from rolegraph.coverage import CoverageReport, Holder, slug
from rolegraph.graphs import select

ESTABLISHED = "SELECT ?role ?law WHERE { ?role rg:establishedBy ?law }"
CREATED = "SELECT ?function ?law WHERE { ?function rg:createdBy ?law }"
PARENT = "SELECT ?child ?parent WHERE { ?child rg:partOf ?parent . ?child a rg:Provision }"
PROVISIONS = "SELECT ?p WHERE { ?p a rg:Provision }"
INCLUDED = "SELECT ?m ?role WHERE { ?m rg:includesRole ?role }"


@dataclass(frozen=True)
class FunctionChange:
    function: str
    before: tuple[Holder, ...]
    after: tuple[Holder, ...]
    retired_before: bool
    retired_after: bool

    def losers(self) -> list[Holder]:
        """Holders under the first model who no longer hold the function under the second."""
        kept = {h.role for h in self.after}
        return [h for h in self.before if h.role not in kept]

    @property
    def kind(self) -> str:
        if self.retired_after and not self.retired_before:
            return "retired"
        if not self.after and not self.retired_after:
            return "lost"
        if not self.before and not self.retired_before:
            return "gained"
        return "moved"


@dataclass(frozen=True)
class Amendment:
    provision: str
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


def diff_models(report: CoverageReport, graph: Graph, a: str, b: str) -> ModelDiff:
    """Compare model IRIs `a` and `b` of `report` (built from `graph`)."""
    result = ModelDiff(a, b)
    included = {m: {str(r.role) for r in select(graph, INCLUDED, m=URIRef(m))} for m in (a, b)}
    result.roles_added = sorted(included[b] - included[a])
    result.roles_removed = sorted(included[a] - included[b])
    for function in report.functions:
        before, after = report.cell(a, function), report.cell(b, function)
        if {h.role for h in before.holders} != {h.role for h in after.holders} or (
            before.retired != after.retired
        ):
            result.changes.append(
                FunctionChange(
                    function,
                    tuple(before.holders),
                    tuple(after.holders),
                    before.retired,
                    after.retired,
                )
            )
        if has_basis(before.holders) and not has_basis(after.holders) and not after.retired:
            result.basis_lost.append(function)
    result.amendments = amendments(graph, result, report)
    return result


def has_basis(holders: list[Holder]) -> bool:
    return any(h.bases for h in holders)


def amendments(graph: Graph, diff: ModelDiff, report: CoverageReport) -> list[Amendment]:
    """Provisions that establish a removed role or create (or give a holder) a function that
    moves, rolled up to the section or regulation that contains them."""
    reasons: dict[str, set[str]] = {}
    section = section_of(graph)

    def note(law: str, why: str) -> None:
        reasons.setdefault(section.get(law, law), set()).add(why)

    removed = set(diff.roles_removed)
    for row in select(graph, ESTABLISHED):
        if str(row.role) in removed:
            note(
                str(row.law),
                f"establishes the {report.label(str(row.role))}, which the model removes",
            )
    # a function needs the law changed only where a holder loses it (adding a holder may not)
    losing = {c.function: c for c in diff.changes if c.losers()}
    for row in select(graph, CREATED):
        if (change := losing.get(str(row.function))) is not None:
            fate = "which the model retires" if change.kind == "retired" else "which changes hands"
            note(str(row.law), f"creates '{report.label(change.function)}', {fate}")
    for change in losing.values():
        for holder in change.losers():
            for law in holder.bases:
                note(
                    law,
                    f"gives '{report.label(change.function)}' to the {report.label(holder.role)}",
                )
    provisions = {str(r.p) for r in select(graph, PROVISIONS)}
    return [Amendment(p, tuple(sorted(w))) for p, w in sorted(reasons.items()) if p in provisions]


def section_of(graph: Graph) -> dict[str, str]:
    """Each provision's outermost containing provision (the section, regulation or rule)."""
    parent = {str(r.child): str(r.parent) for r in select(graph, PARENT)}
    provisions = {str(r.p) for r in select(graph, PROVISIONS)}
    top = {}
    for provision in parent:
        current = provision
        while parent.get(current) in provisions:
            current = parent[current]
        top[provision] = current
    return top


__all__ = ["Amendment", "FunctionChange", "ModelDiff", "diff_models", "slug"]
