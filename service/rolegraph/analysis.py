"""The questions policy teams ask, answered from one snapshot: coverage, diffs, proposals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import Graph

from rolegraph.coverage import CoverageReport, coverage_report, coverage_shapes, slug
from rolegraph.diff import ModelDiff, diff_models
from rolegraph.proposal import load_proposal
from rolegraph.snapshot import Snapshot
from rolegraph.sources import SourceTree
from rolegraph.vocab import entity


class UnknownModel(LookupError):
    """A model slug that the graph does not have; the message lists the known ones."""


@dataclass
class Analysis:
    snapshot: Snapshot
    tree: SourceTree

    @cached_property
    def graph(self) -> Graph:
        return self.snapshot.graph()

    @cached_property
    def shapes(self) -> Graph:
        return coverage_shapes(self.tree)

    @cached_property
    def report(self) -> CoverageReport:
        return coverage_report(self.graph, self.shapes)

    def model(self, name: str) -> str:
        iri = str(entity("model", name))
        if iri not in self.report.models:
            known = ", ".join(slug(m) for m in self.report.models)
            raise UnknownModel(f"unknown model '{name}' (known: {known})")
        return iri

    def coverage(self, models: list[str] | None = None) -> CoverageReport:
        return self.report.only([self.model(m) for m in models]) if models else self.report

    def diff(self, a: str, b: str) -> ModelDiff:
        return diff_models(self.report, self.graph, self.model(a), self.model(b))

    def check(self, path: Path) -> CoverageReport:
        """Coverage of a user's proposal, checked against a copy of the graph."""
        proposal = load_proposal(path, self.graph)
        merged = Graph()
        merged += self.graph
        merged += proposal.triples
        return coverage_report(merged, self.shapes).only(proposal.models)
