"""The questions policy teams ask, answered from one served version: coverage, diffs,
proposals, and which model a name means (a slug, law@YYYY-MM-DD, or on the command line a
proposal file). Its graph comes through the read path (reader.py), from the served store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from rdflib import Graph

from rolegraph.analysis.coverage import (
    CoverageReport,
    coverage_report,
    coverage_shapes,
    slug,
)
from rolegraph.analysis.diff import ModelDiff, diff_models
from rolegraph.graph import lawtime
from rolegraph.graph.proposal import load_proposal, proposal_shapes
from rolegraph.graph.rdf import overlaid
from rolegraph.graph.shacl_oxigraph import OxigraphQueryGraph
from rolegraph.graph.snapshot import Snapshot
from rolegraph.graph.sources import SourceTree
from rolegraph.query.engine import Engine
from rolegraph.query.reader import EmbeddedReader, Reader
from rolegraph.vocab import UnknownName, entity

PROPOSAL_SUFFIXES = (".yaml", ".yml", ".json", ".ttl", ".turtle")


def proposal_file(name: str) -> tuple[Path, str | None] | None:
    """`name` as a proposal file and the model it picks (FILE#slug), if it names one."""
    file, _, pick = name.partition("#")
    if Path(file).suffix.lower() not in PROPOSAL_SUFFIXES:
        return None
    return Path(file), pick or None


@dataclass
class Analysis:
    reader: Reader
    tree: SourceTree
    _law: dict[tuple[str, ...], tuple[Graph, CoverageReport]] = field(default_factory=dict)

    @classmethod
    def of_snapshot(cls, snapshot: Snapshot, tree: SourceTree) -> Analysis:
        """The analysis of a built snapshot, read through the embedded store (the CLI's)."""
        return cls(EmbeddedReader(Engine.from_snapshot(snapshot)), tree)

    @property
    def version(self) -> str:
        """The version every answer names: the snapshot id the store serves."""
        return self.reader.version

    @cached_property
    def graph(self) -> Graph:
        return self.reader.graph("graph")

    @cached_property
    def shapes(self) -> Graph:
        return coverage_shapes(self.tree)

    @cached_property
    def queryable(self) -> OxigraphQueryGraph:
        """The graph with the Oxigraph copy its shapes run on, kept for proposals' checks."""
        return OxigraphQueryGraph(self.graph)

    @cached_property
    def report(self) -> CoverageReport:
        return coverage_report(self.queryable, self.shapes)

    def model(self, name: str) -> str:
        """The IRI of model `name`: a slug, or law@YYYY-MM-DD for the law on that date."""
        try:
            day = lawtime.parse(name, self.as_of)
        except lawtime.LawDateError as error:
            raise UnknownName(str(error)) from error
        if day is not None:
            return str(lawtime.iri(day))
        iri = str(entity("model", name))
        if iri not in self.report.models:
            known = ", ".join(slug(m) for m in self.report.models)
            raise UnknownName(f"unknown model '{name}' (known: {known}, or law@YYYY-MM-DD)")
        return iri

    @cached_property
    def as_of(self) -> date | None:
        """The date model:current describes (the latest a law@ name may ask for)."""
        return lawtime.as_of(self.graph)

    def scope(self, models: list[str]) -> tuple[Graph, CoverageReport]:
        """The graph and report that hold these model IRIs: the shipped ones, or copies with
        the law on each law@ date added (one SHACL run per set of dates, then kept), so that
        a date asked for once never shows up in the shipped matrix."""
        days = tuple(sorted(m for m in models if lawtime.LAW_MODEL.search(m)))
        if not days:
            return self.graph, self.report
        if days not in self._law:
            graph = overlaid(self.graph)
            for iri in days:
                graph += lawtime.at(self.graph, date.fromisoformat(iri[-10:]))
            self._law[days] = (graph, coverage_report(self.queryable.adding(graph), self.shapes))
        return self._law[days]

    def coverage(self, models: list[str] | None = None) -> CoverageReport:
        if not models:
            return self.report
        chosen = [self.model(m) for m in models]
        return self.scope(chosen)[1].only(chosen)

    def diff(self, a: str, b: str) -> ModelDiff:
        first, second = self.model(a), self.model(b)
        graph, report = self.scope([first, second])
        return diff_models(report, graph, first, second)

    def viewing(self, names: list[str]) -> Analysis:
        """This analysis as seen with the law@DATE models among `names` added (itself when
        there are none), for the surfaces that read the analysis whole: diagrams and cards."""
        graph, report = self.scope([self.model(n) for n in names])
        if graph is self.graph:
            return self
        view = Analysis(self.reader, self.tree, self._law)
        view.__dict__.update(graph=graph, report=report, shapes=self.shapes, as_of=self.as_of)
        return view

    def report_for(self, names: list[str]) -> CoverageReport:
        """The report whose labels and cells cover these model names (for printing a diff)."""
        return self.scope([self.model(n) for n in names])[1]

    def proposing(self, path: Path) -> tuple[Analysis, list[str]]:
        """This analysis with a user's proposal (YAML, JSON or Turtle) added, and the IRIs of
        its models. The proposal's models are checked with the coverage and policy shapes
        and its own (a holding it writes names its basis); the served graph is not
        changed: the view reads it through an overlay (rdf.overlaid). Raises ProposalError
        for a malformed file."""
        proposal = load_proposal(path, self.graph)
        graph, shapes = overlaid(self.graph), overlaid(self.shapes)
        graph += proposal.triples
        shapes += proposal_shapes(proposal.models)
        checked = self.queryable.adding(graph)
        report = counted_once(coverage_report(checked, shapes), proposal.models)
        view = Analysis(self.reader, self.tree)
        view.__dict__.update(graph=graph, report=report, shapes=shapes, as_of=self.as_of)
        return view, proposal.models

    def check(self, path: Path) -> CoverageReport:
        """Coverage of a user's proposal, checked against a copy of the graph."""
        view, models = self.proposing(path)
        return view.report.only(models)

    def naming(self, names: list[str]) -> tuple[Analysis, list[str]]:
        """For the command line only (the service reads no file a request names): this
        analysis with the proposal files among `names` added, and each name as a model name
        (a file's becomes its model's slug; FILE#slug picks one of a Turtle file's models)."""
        view, named = self, []
        for name in names:
            found = proposal_file(name)
            if found is None:
                named.append(name)
                continue
            path, pick = found
            view, models = view.proposing(path)
            slugs = [slug(m) for m in models]
            if pick is not None and pick not in slugs:
                raise UnknownName(f"{path} has no model '{pick}' (it has: {', '.join(slugs)})")
            if pick is None and len(slugs) > 1:
                raise UnknownName(f"{path} has {len(slugs)} models: name one as "
                                   f"{path}#{slugs[0]} (it has: {', '.join(slugs)})")
            named.append(pick or slugs[0])
        return view, named


def counted_once(report: CoverageReport, models: list[str]) -> CoverageReport:
    """A proposal's cell whose only holders are roles the model does not include is one
    problem, not two: keep "given to a role the model does not include" (which names the
    role) and drop "nobody holds" that follows from it."""
    for (model, _), cell in report.cells.items():
        shapes = {f.shape for f in cell.findings}
        if model in models and {"HolderOutsideModel", "FunctionWithoutHolder"} <= shapes:
            cell.findings = [f for f in cell.findings if f.shape != "FunctionWithoutHolder"]
    return report
