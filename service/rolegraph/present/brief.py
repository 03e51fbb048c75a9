"""A policy brief of any comparison of two models (two slugs, law@YYYY-MM-DD, a proposal), as
plain data: a one-page summary (what moves, what is lost, what is contested and by whom,
which provisions would need amending) and an annex of every holding it rests on, with its
citations and the quoted words. The data is Analysis.diff's and the analysis graph's, in the
words of present/reports.py; present/brief_render.py prints it to DOCX and PDF."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from rdflib import Graph, URIRef

from rolegraph.analysis.coverage import CoverageReport, Holder, slug
from rolegraph.analysis.diff import FunctionChange, ModelDiff
from rolegraph.analysis.questions import Analysis
from rolegraph.graph.rdf import select
from rolegraph.present.reports import holders_text

FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "pdf": "application/pdf"}
LEGISLATION = "http://www.legislation.gov.uk/id/"

QUOTES = """
SELECT ?model ?function ?role ?quote WHERE {
    ?a rg:model ?model ; rg:function ?function ; rg:role ?role ; rg:quote ?quote }"""
DISPUTES = """
SELECT ?function ?role ?position ?who ?source WHERE {
    ?position rg:stance "disputes" ; rg:about ?a .
    ?a rg:model ?model ; rg:function ?function ; rg:role ?role .
    OPTIONAL { ?position rg:statedBy ?who }
    OPTIONAL { ?position dcterms:source ?source }
}"""
URLS = "SELECT ?thing ?url WHERE { ?thing schema:url ?url }"


@dataclass(frozen=True)
class Citation:
    """One endnote: a provision or a source, where to read it, and its number."""

    number: int
    iri: str
    label: str
    href: str


@dataclass(frozen=True)
class Move:
    """A function whose holders change: from whom to whom, and the notes of both."""

    function: str
    kind: str
    words: str
    before: str
    after: str
    notes: tuple[int, ...]


@dataclass(frozen=True)
class Dispute:
    """Holdings of one function under one model that named people or bodies dispute."""

    model: str
    function: str
    roles: tuple[str, ...]
    by: tuple[str, ...]
    notes: tuple[int, ...]


@dataclass(frozen=True)
class ToAmend:
    instrument: str
    provision: str
    functions: tuple[str, ...]
    why: str
    note: int


@dataclass(frozen=True)
class Holding:
    """One row of the annex: who holds a function under a model, on what, in whose words."""

    model: str  # the model's slug (the annex is grouped by function)
    function: str
    role: str
    confidence: str
    notes: tuple[int, ...]
    cited: tuple[str, ...]  # the labels of what the notes cite
    quote: str


@dataclass
class Brief:
    a: str  # the models' labels
    b: str
    a_slug: str
    b_slug: str
    version: str
    made: str
    moves: list[Move] = field(default_factory=list)
    lost: list[Move] = field(default_factory=list)
    roles_added: list[str] = field(default_factory=list)
    roles_removed: list[str] = field(default_factory=list)
    basis_lost: list[str] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    amendments: list[ToAmend] = field(default_factory=list)
    findings: dict[str, list[str]] = field(default_factory=dict)  # severity -> messages (b)
    annex: list[Holding] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.a} compared with {self.b}"

    def groups(self) -> list[tuple[str, str, list[str], tuple[int, ...]]]:
        """The moves grouped by who they pass from and to: (from, to, functions, notes)."""
        found: dict[tuple[str, str], tuple[list[str], list[int]]] = {}
        for m in self.moves:
            functions, notes = found.setdefault((m.before, m.after), ([], []))
            functions.append(m.function)
            notes.extend(n for n in m.notes if n not in notes)
        return [(before, after, functions, tuple(notes))
                for (before, after), (functions, notes) in found.items()]

    def instruments(self) -> list[tuple[str, list[str], tuple[int, ...]]]:
        """The provisions to amend grouped by Act or SI: (instrument, provisions, notes)."""
        found: dict[str, tuple[list[str], list[int]]] = {}
        for x in self.amendments:
            provisions, notes = found.setdefault(x.instrument, ([], []))
            provisions.append(x.provision)
            notes.append(x.note)
        return [(i, p, tuple(n)) for i, (p, n) in found.items()]

    def headline(self) -> str:
        """The summary in one sentence, every number counted from the diff."""
        parts = [plural(len(self.moves), "function changes holder",
                        "functions change holder"),
                 plural(len(self.lost), "function is lost", "functions are lost"),
                 plural(len(self.amendments), "provision would need amending",
                        "provisions would need amending")]
        if self.roles_removed:
            parts.append(f"{', '.join(self.roles_removed)} "
                         f"{'goes' if len(self.roles_removed) == 1 else 'go'}")
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


class Notes:
    """Numbers citations in the order the brief first cites them."""

    def __init__(self, report: CoverageReport, urls: dict[str, str]) -> None:
        self.report, self.urls = report, urls
        self.numbers: dict[str, Citation] = {}

    def cite(self, iris: Iterable[str]) -> tuple[int, ...]:
        found = []
        for iri in iris:
            if iri not in self.numbers:
                href = self.urls.get(iri) or (iri if iri.startswith(LEGISLATION) else "")
                self.numbers[iri] = Citation(len(self.numbers) + 1, iri, self.report.label(iri),
                                             href)
            found.append(self.numbers[iri].number)
        return tuple(dict.fromkeys(found))

    def holders(self, holders: Iterable[Holder]) -> tuple[int, ...]:
        return self.cite(c for h in holders for c in (*h.bases, *h.sources))


def make_brief(analysis: Analysis, a: str, b: str, version: str | None = None) -> Brief:
    """The brief of model `a` against model `b` (names as Analysis.model takes them; raises
    UnknownName for a name the analysis does not know)."""
    view = analysis.viewing([a, b])
    diff = view.diff(a, b)
    report, graph = view.report_for([a, b]), view.graph
    urls = {str(r.thing): str(r.url) for r in select(graph, URLS)}
    notes = Notes(report, urls)
    made = Brief(report.models[diff.a], report.models[diff.b], slug(diff.a), slug(diff.b),
                 version or view.version, date.today().isoformat())
    for change in diff.changes:
        move = to_move(change, report, notes)
        (made.lost if change.kind == "lost" else made.moves).append(move)
    made.roles_added = [report.label(r) for r in diff.roles_added]
    made.roles_removed = [report.label(r) for r in diff.roles_removed]
    made.basis_lost = [report.functions[f] for f in diff.basis_lost]
    made.disputes = disputes(graph, report, notes, diff)
    made.amendments = [ToAmend(report.label(x.instrument), report.label(x.provision),
                               tuple(report.label(f) for f in x.functions), "; ".join(x.reasons),
                               notes.cite([x.provision])[0])
                       for x in diff.amendments]
    made.findings = {s: sorted(f.message for f in report.of(s, diff.b))
                     for s in ("Violation", "Warning")}
    made.annex = annex(graph, report, notes, diff)
    made.citations = sorted(notes.numbers.values(), key=lambda c: c.number)
    return made


def to_move(change: FunctionChange, report: CoverageReport, notes: Notes) -> Move:
    return Move(report.functions[change.function], change.kind, change.words,
                names(change.before, change.retired_before, report, change.unrecorded_before),
                names(change.after, change.retired_after, report),
                notes.holders((*change.before, *change.after)))


def names(holders: Iterable[Holder], retired: bool, report: CoverageReport,
          not_recorded: bool = False) -> str:
    """Who holds it, by the names people read (the citations are the notes), in the words
    of reports.holders_text for nobody, retired and not recorded."""
    listed = list(holders)
    if retired or not_recorded or not listed:
        return holders_text(listed, retired, report, not_recorded)
    return " and ".join(report.label(h.role) for h in listed)


def disputes(graph: Graph, report: CoverageReport, notes: Notes,
             diff: ModelDiff) -> list[Dispute]:
    """Every disputed holding under either model, by model and function, with who disputes
    it (the positions' authors, else their sources) and the positions' sources as notes."""
    found: dict[tuple[str, str], tuple[set[str], set[str], set[str]]] = {}
    for model in (diff.b, diff.a):
        for row in select(graph, DISPUTES, model=URIRef(model)):
            roles, by, sources = found.setdefault((model, str(row.function)),
                                                  (set(), set(), set()))
            roles.add(report.label(str(row.role)))
            if row.who is not None:
                by.add(report.label(str(row.who)))
            if row.source is not None:
                sources.add(str(row.source))
    result = []
    for (model, function), (roles, by, sources) in found.items():
        cited = notes.cite(sorted(sources, key=report.label))
        who = tuple(sorted(by)) or tuple(report.label(s) for s in sorted(sources))
        result.append(Dispute(report.models[model], report.functions[function],
                              tuple(sorted(roles)), who, cited))
    order = list(report.functions.values())
    return sorted(result, key=lambda d: (d.model != report.models[diff.b],
                                         order.index(d.function)))


def annex(graph: Graph, report: CoverageReport, notes: Notes,
          diff: ModelDiff) -> list[Holding]:
    """Every holding of every function that changes, under both models, with its quote."""
    quotes: dict[tuple[str, str, str], str] = {}
    for model in (diff.a, diff.b):
        for row in select(graph, QUOTES, model=URIRef(model)):
            quotes[(model, str(row.function), str(row.role))] = str(row.quote)
    rows = []
    for change in diff.changes:
        for model, holders in ((diff.a, change.before), (diff.b, change.after)):
            for h in holders:
                cited = (*h.bases, *h.sources)
                rows.append(Holding(slug(model), report.functions[change.function],
                                    report.label(h.role), h.confidence, notes.holders([h]),
                                    tuple(report.label(c) for c in cited),
                                    quotes.get((model, change.function, h.role), "")))
    return rows
