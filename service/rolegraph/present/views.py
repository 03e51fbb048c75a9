"""What the pages and the JSON API show: the served version's graph and coverage analysis
turned into the typed records of present/records.py. No Flask here; every function runs from a REPL:

    >>> site = Site(Analysis(snapshot, tree))
    >>> site.role("iro").classification
    'local-authority'

Every "who does what" statement is a `Holding`, which carries the legal basis (provisions or
instruments) and the sources it rests on, so no surface can show one without its citation."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from rolegraph.analysis.coverage import (
    LEGEND,
    MARKS,
    SEVERITIES,
    Cell,
    CoverageReport,
    Holder,
    slug,
)
from rolegraph.analysis.diff import ModelDiff
from rolegraph.analysis.questions import Analysis
from rolegraph.graph import lawtime
from rolegraph.present.records import (
    DEF,
    ID,
    LEGISLATION,
    LEGISLATION_SITE,
    SCHEMA_URL,
    AroundView,
    CellView,
    ChangeView,
    DiffView,
    Entity,
    Fact,
    FunctionView,
    Holding,
    MatrixView,
    ModelColumn,
    ModelSummary,
    ModelView,
    Person,
    PositionView,
    Ref,
    RoleView,
    href,
)
from rolegraph.vocab import PREFIXES, RG, UnknownName, is_slug

# Terms of these are named by prefix where the graph gives them no label ("dcterms:source").
STANDARD_VOCABULARIES = ("rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "schema", "org", "prov")


@dataclass
class Site:
    """The analysis of one snapshot, and every view of it the service shows."""

    analysis: Analysis
    _labels: dict[str, str] = field(default_factory=dict, repr=False)
    _seen: dict[str, Site] = field(default_factory=dict, repr=False)

    @property
    def graph(self) -> Graph:
        return self.analysis.graph

    @property
    def report(self) -> CoverageReport:
        return self.analysis.report

    # --- names and links --------------------------------------------------------------------

    def label(self, iri: str) -> str:
        if iri not in self._labels:
            self._labels[iri] = self._find_label(URIRef(iri))
        return self._labels[iri]

    def _find_label(self, node: URIRef) -> str:
        labels = list(self.graph.objects(node, RDFS.label))
        english = [x for x in labels if isinstance(x, Literal) and x.language in ("en", None)]
        if english or labels:
            return str((english or labels)[0])
        if str(node).startswith(DEF):
            return str(node)[len(DEF):]
        for prefix in STANDARD_VOCABULARIES:  # dcterms:source, not its whole IRI
            if str(node).startswith(PREFIXES[prefix]):
                return f"{prefix}:{str(node)[len(PREFIXES[prefix]):]}"
        if (day := lawtime.LAW_MODEL.search(str(node))) is not None:  # a law@DATE model
            return f"the law on {date.fromisoformat(day.group(1)):%-d %B %Y} (England)"
        return slug(str(node)) if str(node).startswith(ID) else str(node)

    def short(self, iri: str) -> str:
        """A short name for tight spaces: a role's rg:shortLabel, a source's citation."""
        if iri.startswith(ID + "role/") and (short := self.text(iri, RG.shortLabel)):
            return short
        label = self.label(iri)
        if iri.startswith(ID + "source/") and ": " in label:
            return label.split(": ", 1)[0]
        return label

    def ref(self, iri: str) -> Ref:
        return Ref(iri, self.label(iri), href(iri), self.short(iri))

    def refs(self, iris: Iterable[Any]) -> list[Ref]:
        return sorted((self.ref(str(i)) for i in iris if isinstance(i, URIRef)),
                      key=lambda r: r.label.lower())

    def objects(self, iri: str, prop: URIRef) -> list[Ref]:
        return self.refs(self.graph.objects(URIRef(iri), prop))

    def text(self, iri: str, prop: URIRef) -> str:
        values = [v for v in self.graph.objects(URIRef(iri), prop) if isinstance(v, Literal)]
        english = [v for v in values if v.language in ("en", None)]
        return str((english or values)[0]) if values else ""

    def exists(self, iri: str) -> bool:
        return (URIRef(iri), None, None) in self.graph

    def kind_of(self, iri: str) -> str:
        if iri.startswith(ID):
            return iri[len(ID):].split("/", 1)[0]
        if iri.startswith(LEGISLATION):
            return "instrument" if self.is_instrument(iri) else "provision"
        return "other"

    def is_instrument(self, iri: str) -> bool:
        return ((URIRef(iri), RDF.type, RG.Provision) not in self.graph and any(
            self.graph.objects(URIRef(iri), SKOS.notation))) or (
            URIRef(iri), RDF.type, RG.LegalInstrument) in self.graph

    # --- holdings -----------------------------------------------------------------------------

    def holding(self, model: str, function: str, holder: Holder) -> Holding:
        assignment = f"{ID}assignment/{slug(model)}--{slug(holder.role)}--{slug(function)}"
        known = self.exists(assignment)
        law = tuple(self.ref(b) for b in holder.bases if not self.is_guidance(b))
        guidance = tuple(self.ref(b) for b in holder.bases if self.is_guidance(b))
        return Holding(self.ref(model), self.ref(holder.role), self.ref(function),
                       holder.confidence, law, tuple(self.ref(s) for s in holder.sources),
                       self.ref(assignment) if known else None,
                       self.text(assignment, RG.quote) if known else "", guidance)

    def is_guidance(self, iri: str) -> bool:
        """Statutory guidance or a practice direction: cited as guidance, never as law."""
        return any((URIRef(iri), RDF.type, cls) in self.graph
                   for cls in (RG.StatutoryGuidance, RG.PracticeDirection))

    def cell_view(self, cell: Cell) -> CellView:
        return CellView(self.ref(cell.model),
                        [self.holding(cell.model, cell.function, h) for h in cell.holders],
                        cell.retired, cell.severity, cell.marks,
                        [f"{x.severity}: {x.message}" for x in cell.findings])

    def holdings_of_role(self, role: str, model: str) -> list[Holding]:
        return [self.holding(model, f, h) for f in self.report.functions
                for h in self.report.cell(model, f).holders if h.role == role]

    # --- shared entity facts -----------------------------------------------------------------

    def entity(self, iri: str) -> Entity:
        if not self.exists(iri):
            raise UnknownName(f"nothing is known about <{iri}>")
        node = URIRef(iri)
        facts = []
        for prop in sorted(set(self.graph.predicates(node)), key=str):
            values: list[Ref | str] = []
            for value in self.graph.objects(node, prop):
                values.append(self.ref(str(value)) if isinstance(value, URIRef) else str(value))
            values.sort(key=lambda v: v.label.lower() if isinstance(v, Ref) else v.lower())
            facts.append(Fact(self.ref(str(prop)), tuple(values)))
        return Entity(self.ref(iri), self.kind_of(iri),
                      sorted(str(a) for a in self.graph.objects(node, SKOS.altLabel)),
                      self.text(iri, SKOS.definition),
                      " ".join(sorted(str(c) for c in self.graph.objects(node, RDFS.comment))),
                      self.refs(t for t in self.graph.objects(node, RDF.type)),
                      self.objects(iri, DCTERMS.source), facts, self.positions_about([iri]),
                      sorted(str(n) for n in self.graph.objects(node, RG.unverified)))

    def position(self, iri: str) -> PositionView:
        return PositionView(self.ref(iri), self.text(iri, RG.stance),
                            tuple(self.objects(iri, RG.statedBy)), self.text(iri, DCTERMS.date),
                            tuple(self.objects(iri, RG.about)), self.text(iri, SKOS.definition),
                            tuple(self.objects(iri, DCTERMS.source)))

    def positions_about(self, iris: Iterable[str]) -> list[PositionView]:
        found = {str(p) for i in iris for p in self.graph.subjects(RG.about, URIRef(i))}
        views = [self.position(p) for p in found]
        return sorted(views, key=lambda v: (v.date, v.position.label))

    def incoming(self, iri: str) -> list[Fact]:
        """What points at the entity, by property ("the roles it employs", "cited by")."""
        found: dict[str, list[Ref]] = {}
        for subject, prop in self.graph.subject_predicates(URIRef(iri)):
            if isinstance(subject, URIRef):
                found.setdefault(str(prop), []).append(self.ref(str(subject)))
        facts = []
        for name, refs in sorted(found.items()):
            refs.sort(key=lambda r: r.label.lower())
            facts.append(Fact(self.ref(name), tuple(refs)))
        return facts

    # --- roles ------------------------------------------------------------------------------

    def role_list(self) -> list[tuple[Ref, str, str, list[Ref]]]:
        return [(self.ref(r), *self.classification(r), self.objects(r, RG.employedBy))
                for r in self.role_iris()]

    def function_list(self) -> list[tuple[Ref, str, list[Ref], list[Ref]]]:
        return [(self.ref(f), self.text(f, SKOS.notation), self.objects(f, RG.createdBy),
                 self.objects(f, RG.appliesIn)) for f in self.report.functions]

    def role_iris(self) -> list[str]:
        return list(self.report.roles)

    def classification(self, iri: str) -> tuple[str, str]:
        node = URIRef(iri)
        kinds = "; ".join(sorted(self.label(str(self.graph.value(i, RG.independenceKind)))
                                 for i in self.graph.objects(node, RG.hasIndependence)))
        stated = f" By law: {kinds}." if kinds else ""
        if (node, RDF.type, RG.IndependentRole) in self.graph:
            return "independent", ("Independent of the local authority: its employer is an "
                                   "independent body, or the law bars local authority staff."
                                   + stated)
        if (node, RDF.type, RG.LocalAuthorityRole) in self.graph:
            return "local-authority", ("Employed by the local authority that looks after the child."
                                       + (stated + " Not independent of the authority itself."
                                          if stated else ""))
        return "unclassified", ("Neither: no employer recorded for it is the local authority or "
                                "an independent body, and the law read does not bar local "
                                "authority staff, so the reasoner cannot classify it.")

    def role(self, name: str) -> RoleView:
        iri = self.iri("role", name)
        if iri not in self.report.roles:
            raise UnknownName(f"no role '{name}'")
        entity = self.entity(iri)
        assignments = [str(a) for a in self.graph.subjects(RG.role, URIRef(iri))]
        entity.positions = self.positions_about([iri, *assignments])
        columns = []
        for model in self.report.models:
            included = (URIRef(model), RG.includesRole, URIRef(iri)) in self.graph
            columns.append(ModelColumn(self.ref(model), self.text(model, RG.status), included,
                                       self.holdings_of_role(iri, model)))
        kind, text = self.classification(iri)
        return RoleView(entity, self.objects(iri, RG.employedBy), self.objects(iri, RG.appointedBy),
                        self.objects(iri, RG.independentOf), kind, text,
                        self.objects(iri, RG.establishedBy), columns)

    # --- functions --------------------------------------------------------------------------

    def function(self, name: str) -> FunctionView:
        iri = self.iri("function", name)
        if iri not in self.report.functions:
            raise UnknownName(f"no function '{name}'")
        entity = self.entity(iri)
        assignments = [str(a) for a in self.graph.subjects(RG.function, URIRef(iri))]
        entity.positions = self.positions_about([iri, *assignments])
        required = self.graph.value(URIRef(iri), RG.requiresIndependence)
        return FunctionView(entity, self.text(iri, SKOS.notation), self.objects(iri, RG.createdBy),
                            bool(required.toPython()) if isinstance(required, Literal) else None,
                            self.objects(iri, RG.appliesIn),
                            [self.cell_view(self.report.cell(m, iri)) for m in self.report.models])

    # --- models -----------------------------------------------------------------------------

    def model_summary(self, iri: str) -> ModelSummary:
        return ModelSummary(self.ref(iri), self.text(iri, RG.status), self.text(iri, DCTERMS.date),
                            self.objects(iri, RG.proposedBy),
                            {s.lower(): len(self.report.of(s, iri)) for s in SEVERITIES})

    def models(self) -> list[ModelSummary]:
        return [self.model_summary(m) for m in self.report.models]

    def viewing(self, name: str) -> Site:
        """This site with model `name` added when it is law@YYYY-MM-DD or law-YYYY-MM-DD
        (Analysis.viewing, as diagrams and cards), else itself; a date the law does not cover
        is UnknownName."""
        if not lawtime.LAW.match(name):
            return self
        name = lawtime.canonical(name)  # law-YYYY-MM-DD is the same model
        if name not in self._seen:
            self._seen[name] = Site(self.analysis.viewing([name]))
            while len(self._seen) > 8:  # a few dates, not every date anyone asks for
                self._seen.pop(next(iter(self._seen)))
        return self._seen[name]

    def model_iri(self, name: str) -> str:
        """A model slug's IRI, or law@YYYY-MM-DD's (the model this site's viewing adds)."""
        if lawtime.LAW.match(name):
            return self.analysis.model(name)
        return self.iri("model", name)

    def model(self, name: str) -> ModelView:
        iri = self.model_iri(name)
        if iri not in self.report.models:
            raise UnknownName(f"no model '{name}' (known: "
                              f"{', '.join(slug(m) for m in self.report.models)})")
        rows = [(self.ref(f), self.cell_view(self.report.cell(iri, f)))
                for f in self.report.functions]
        findings = [(f.severity, self.ref(f.function), f.message) for s in SEVERITIES
                    for f in self.report.of(s, iri)]
        return ModelView(self.entity(iri), self.model_summary(iri), self.objects(iri, RG.basedOn),
                         self.objects(iri, RG.includesRole), self.objects(iri, RG.retires), rows,
                         findings)

    # --- the matrix and diffs ------------------------------------------------------------------

    def settings(self) -> list[Ref]:
        return self.refs(self.graph.subjects(RDF.type, RG.Setting))

    def functions_in(self, setting: str = "", role: str = "") -> list[str]:
        """Functions (catalogue order) that apply in `setting` and that `role` holds somewhere."""
        chosen = list(self.report.functions)
        if setting:
            place = URIRef(self.iri("setting", setting))
            chosen = [f for f in chosen if (URIRef(f), RG.appliesIn, place) in self.graph]
        if role:
            who = self.iri("role", role)
            chosen = [f for f in chosen if any(h.role == who for m in self.report.models
                                               for h in self.report.cell(m, f).holders)]
        return chosen

    def filtered_report(self, setting: str = "", role: str = "",
                        models: list[str] | None = None, severity: str = "") -> CoverageReport:
        """The coverage report cut down to some functions and models (law@DATE too), and to
        the functions with a finding of `severity` among them (for the page and downloads)."""
        self.check_filters(setting, role, severity)
        report = self.analysis.coverage(models) if models else self.report
        kept = self.functions_in(setting, role)
        if severity:
            flagged = {f.function for f in report.of(severity.capitalize())}
            kept = [f for f in kept if f in flagged]
        return CoverageReport(report.models, {f: report.functions[f] for f in kept}, report.roles,
                              {k: c for k, c in report.cells.items() if k[1] in kept},
                              report.labels)

    def check_filters(self, setting: str, role: str, severity: str = "") -> None:
        if setting and self.iri("setting", setting) not in {s.iri for s in self.settings()}:
            raise UnknownName(f"no setting '{setting}'")
        if role and self.iri("role", role) not in self.report.roles:
            raise UnknownName(f"no role '{role}'")
        if severity and severity.capitalize() not in SEVERITIES:
            raise UnknownName(f"no severity '{severity}' (known: "
                              f"{', '.join(s.lower() for s in SEVERITIES)})")

    def matrix(self, setting: str = "", role: str = "", models: list[str] | None = None,
               severity: str = "") -> MatrixView:
        report = self.filtered_report(setting, role, models, severity)
        rows = [(self.ref(f), [self.cell_view(report.cell(m, f)) for m in report.models])
                for f in report.functions]
        legend = [(s, MARKS[s], line) for s, line in zip(SEVERITIES, LEGEND, strict=False)]
        return MatrixView([self.ref(m) for m in report.models], rows, self.settings(),
                          [self.ref(r) for r in report.roles], setting, role, legend,
                          {s.lower(): len(report.of(s)) for s in SEVERITIES},
                          [self.ref(m) for m in self.report.models], models or [], severity)

    def diff(self, a: str, b: str) -> DiffView:
        # a model slug, or law@YYYY-MM-DD for the law on a date
        result: ModelDiff = self.analysis.diff(a, b)
        changes = [ChangeView(self.ref(c.function), c.kind, c.words,
                              [self.holding(result.a, c.function, h) for h in c.before],
                              [self.holding(result.b, c.function, h) for h in c.after],
                              c.retired_before, c.retired_after, c.unrecorded_before)
                   for c in result.changes]
        return DiffView(self.ref(result.a), self.ref(result.b), changes,
                        [self.ref(r) for r in result.roles_added],
                        [self.ref(r) for r in result.roles_removed],
                        [self.ref(f) for f in result.basis_lost],
                        [(self.ref(instrument), [(self.ref(x.provision),
                                                  [self.ref(f) for f in x.functions],
                                                  list(x.reasons)) for x in group])
                         for instrument, group in result.amendments_by_instrument()])

    # --- legislation, sources, positions --------------------------------------------------------

    def sources(self) -> list[Entity]:
        return sorted((self.entity(str(s)) for s in self.graph.subjects(RDF.type, RG.Source)),
                      key=lambda e: e.ref.label.lower())

    def cited_by(self, iri: str) -> list[Ref]:
        return self.refs(self.graph.subjects(DCTERMS.source, URIRef(iri)))

    def positions(self) -> list[PositionView]:
        views = [self.position(str(p)) for p in self.graph.subjects(RDF.type, RG.Position)]
        return sorted(views, key=lambda v: (v.date, v.position.label))

    # --- around the child ----------------------------------------------------------------------

    def around(self, setting: str, model: str) -> AroundView:
        setting_iri, model_iri = self.iri("setting", setting), self.model_iri(model)
        if setting_iri not in {s.iri for s in self.settings()}:
            raise UnknownName(f"no setting '{setting}'")
        if model_iri not in self.report.models:
            raise UnknownName(f"no model '{model}'")
        people: dict[str, Person] = {}
        uncovered = []
        for function in self.functions_in(setting):
            cell = self.report.cell(model_iri, function)
            if not cell.holders and not cell.retired:
                uncovered.append(self.ref(function))
            for holder in cell.holders:
                if holder.role not in people:
                    kind, says = self.classification(holder.role)
                    people[holder.role] = Person(self.ref(holder.role), kind,
                                                 self.objects(holder.role, RG.employedBy), [],
                                                 says)
                people[holder.role].holdings.append(self.holding(model_iri, function, holder))
        ordered = sorted(people.values(), key=lambda p: (-len(p.holdings), p.role.label.lower()))
        return AroundView(self.ref(setting_iri), self.ref(model_iri), self.settings(),
                          [self.ref(m) for m in self.report.models], ordered, uncovered)

    # --- lookups --------------------------------------------------------------------------------

    def nearest(self, kind: str, name: str, count: int = 5) -> list[Ref]:
        """The entities of `kind` whose slugs are closest to `name` (difflib), best first."""
        prefix = f"{ID}{kind}/"
        slugs = {str(t)[len(prefix):] for t in self.graph.subjects()
                 if isinstance(t, URIRef) and str(t).startswith(prefix)}
        close = difflib.get_close_matches(name.lower(), sorted(slugs), n=count, cutoff=0.5)
        return [self.ref(prefix + slug) for slug in close]

    @staticmethod
    def iri(kind: str, name: str) -> str:
        if not is_slug(name):
            raise UnknownName(f"'{name}' is not a {kind} slug "
                              "(lower-case letters, digits, hyphens)")
        return f"{ID}{kind}/{name}"


def official_url(site: Site, iri: str) -> str:
    """The provision's page on legislation.gov.uk (schema:url when given)."""
    given = site.graph.value(URIRef(iri), SCHEMA_URL)
    if given is not None:
        return str(given)
    if iri.startswith(LEGISLATION):
        return LEGISLATION_SITE + iri[len(LEGISLATION):]
    return ""
