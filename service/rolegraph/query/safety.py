"""Query screening and evaluation: what makes /sparql safe to expose.

Plain Python, no Flask: `screen` refuses what must never run, `evaluate` turns a `QueryJob`
into bytes or a `Refusal` within its row and byte caps, and runners answer jobs (here in
the calling process, or from a cache; isolation.py runs them in a killable child). Why each
rule exists is in docs/decisions/*-engine.md."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin

import pyoxigraph as ox
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from rolegraph.query.cache import AnswerCache
from rolegraph.query.engine import FORMATS, ResultFormat

# Refusal kinds; web/sparql.py maps each to an HTTP status and a problem type.
MALFORMED = "malformed"
UPDATE = "update"
SERVICE = "service"
DATASET = "dataset"
NOT_ACCEPTABLE = "not-acceptable"
TOO_LARGE = "too-large"
TIMEOUT = "timeout"
EVALUATION = "evaluation"
CRASHED = "crashed"
UNAVAILABLE = "unavailable"  # a remote store did not answer (remote.py)

# A superset filter, not the judge: a query without these cannot hold a SERVICE or FROM
# clause (SPARQL keywords have no escapes), so it skips the slow parse (~3 ms). SERVICE
# anywhere but in an IRI: Oxigraph reads keywords glued to what precedes them
# ("?o trueSERVICE <x> {}" is a SERVICE). FROM unless part of a name: variables and
# prefixed names are read greedily (?from, rg:validFrom, ?dateFrom are names), and only
# ASK or CONSTRUCT may precede the keyword unspaced ("ASKFROM <g> {}"). Missing a FROM
# would only read an unserved graph as empty (Oxigraph never fetches one).
NEEDS_SCREENING = re.compile(r"service|(?<![a-z0-9_?$])from|(?:ask|construct)from",
                             re.IGNORECASE)
# An IRI written out (<.../director-childrens-services>) never holds the keyword either. A
# span is taken for one only if it holds no space, brace, quote, "#" or second "<": read any
# other way (a less-than ... a greater-than), its ">" would sit between a keyword inside it
# and the "{" or graph name that must follow, where only a space, a comment, SILENT, a
# variable or an IRI (a second "<") may be. (tests/test_sparql_safety.py tries the cases.)
IRI_WRITTEN_OUT = re.compile(r"<[^<>\"'{}|^`\\#\x00-\x20]*>")
POSITION = re.compile(r"at (\d+):(\d+)")
# Fewest bytes one solution can take in each format: below max_rows * this, no count needed.
MIN_ROW_BYTES = {"json": 2, "xml": 17, "csv": 2, "tsv": 1}


@dataclass(frozen=True)
class QueryJob:
    """One query as the protocol layer understood it; picklable, sent to the child."""

    text: str
    default_graphs: tuple[str, ...] | None = None  # protocol dataset; None: the query's own
    named_graphs: tuple[str, ...] | None = None
    solutions_format: str | None = "json"  # a key of engine.FORMATS, None: none acceptable
    graph_format: str | None = "turtle"
    max_rows: int = 100_000
    max_bytes: int = 64 * 1024 * 1024
    base_iri: str | None = None  # relative IRIs resolve against it (the endpoint's URL)
    # Prefixes declared for the query, its own declarations winning (`rolegraph query`'s)
    prefixes: tuple[tuple[str, str], ...] = ()

    def key(self) -> tuple[object, ...]:
        """The job as a tuple of strings and numbers (which the garbage collector does not
        track): what makes two jobs' answers the same."""
        return (self.text, self.default_graphs, self.named_graphs, self.solutions_format,
                self.graph_format, self.max_rows, self.max_bytes, self.base_iri, self.prefixes)


@dataclass(frozen=True)
class Answer:
    body: bytes
    format: str


@dataclass(frozen=True)
class Refusal:
    kind: str
    message: str
    position: dict[str, int] = field(default_factory=dict)  # line and column, when known


Outcome = Answer | Refusal


class ResultTooLarge(Exception):
    """Raised from inside pyoxigraph's serialiser when the output passes the byte cap."""


# --- screening -------------------------------------------------------------------------

def screen(text: str, served_graphs: frozenset[str] | None,
           base_iri: str | None = None,
           prefixes: tuple[tuple[str, str], ...] = ()) -> Refusal | None:
    """Refuse SERVICE anywhere, and FROM / FROM NAMED naming a graph the dataset lacks
    (unless `served_graphs` is None: any graph name then reads as an empty graph).

    rdflib's parser is the judge (comments, strings and IRIs cannot fool it); a query it
    cannot read is refused rather than run unchecked, since pyoxigraph would call SERVICE."""
    if not needs_screening(text):
        return None
    try:
        parsed = parseQuery(text)
    except ParseBaseException as error:
        return Refusal(MALFORMED, f"{error.msg} (checked by the safety parser, which must "
                       "read any query that mentions SERVICE or FROM)",
                       {"line": error.lineno, "column": error.col})
    if any(node.name == "ServiceGraphPattern" for node in walk(parsed)):
        return Refusal(SERVICE, "SERVICE is refused: this endpoint never queries other "
                       "endpoints (federated query is disabled).")
    if served_graphs is None:
        return None
    outside = sorted(set(dataset_iris(parsed, base_iri or "", prefixes)) - served_graphs)
    if outside:
        return Refusal(DATASET, f"FROM / FROM NAMED names graphs this endpoint does not "
                       f"serve, and it never fetches graphs: {', '.join(outside)}")
    return None


def needs_screening(text: str) -> bool:
    """Whether the query may hold a SERVICE or FROM clause (a sound superset, see above).
    IRIs become spaces, not nothing: "<a>FROM" must not read as a name "...aFROM"."""
    return NEEDS_SCREENING.search(IRI_WRITTEN_OUT.sub(" ", text)) is not None


def walk(node: Any) -> Iterator[CompValue]:
    """Every CompValue in a parse tree (they are dicts; lists and ParseResults nest them)."""
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        for item in node:
            yield from walk(item)


def dataset_iris(parsed: Any, base: str = "",
                 declared: tuple[tuple[str, str], ...] = ()) -> Iterator[str]:
    """The IRIs of the query's FROM / FROM NAMED clauses, prefixed names (`declared` ones
    too) and BASE resolved. (dict.get, since CompValue.get answers a missing key with the
    key's own name.)"""
    prologue, query = parsed[0], parsed[1]
    prefixes: dict[str, str] = dict(declared)
    for decl in prologue:
        if decl.name == "Base":
            base = urljoin(base, str(dict.get(decl, "iri")))
        elif decl.name == "PrefixDecl":
            prefixes[dict.get(decl, "prefix") or ""] = urljoin(base, str(dict.get(decl, "iri")))
    for clause in dict.get(query, "datasetClause") or []:
        term = dict.get(clause, "default") or dict.get(clause, "named")
        if isinstance(term, CompValue) and term.name == "pname":
            yield prefixes.get(dict.get(term, "prefix") or "", "") + (
                dict.get(term, "localname") or "")
        else:
            yield urljoin(base, str(term))


def classify_syntax_error(text: str, error: SyntaxError) -> Refusal:
    """pyoxigraph could not read it as a query: an update is refused as such, else malformed."""
    try:
        parseUpdate(text)
    except ParseBaseException:
        found = POSITION.search(str(error))
        position = {"line": int(found[1]), "column": int(found[2])} if found else {}
        return Refusal(MALFORMED, str(error), position)
    return Refusal(UPDATE, "SPARQL Update is refused: this endpoint is read-only "
                   "(INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD).")


# --- evaluation (runs in the query child) ----------------------------------------------

def evaluate(store: ox.Store, served_graphs: frozenset[str] | None, job: QueryJob) -> Outcome:
    """Screen, run and serialise one query, within the job's row and byte caps."""
    if refusal := screen(job.text, served_graphs, job.base_iri, job.prefixes):
        return refusal
    try:
        result = store.query(job.text, base_iri=job.base_iri, prefixes=dict(job.prefixes),
                             **dataset_arguments(job))
    except SyntaxError as error:
        return classify_syntax_error(job.text, error)
    except (OSError, ValueError, RuntimeError) as error:  # e.g. an unknown custom function
        return Refusal(EVALUATION, f"the query could not be evaluated: {error}")
    try:
        if isinstance(result, ox.QueryTriples):
            return graph_answer(result, job)
        return solutions_answer(result, job)
    except ResultTooLarge:
        return Refusal(TOO_LARGE, f"the result is larger than {job.max_bytes} bytes; "
                       "narrow the query or page through it with LIMIT and OFFSET")
    except (OSError, ValueError, RuntimeError) as error:
        return Refusal(EVALUATION, f"the query could not be evaluated: {error}")


def dataset_arguments(job: QueryJob) -> dict[str, Any]:
    """A protocol dataset replaces the query's FROM clauses as a whole (SPARQL 1.1
    Protocol §2.1.4): a missing half is empty, not the store's."""
    if job.default_graphs is None and job.named_graphs is None:
        return {}
    return {"default_graph": [ox.NamedNode(iri) for iri in job.default_graphs or ()],
            "named_graphs": [ox.NamedNode(iri) for iri in job.named_graphs or ()]}


def solutions_answer(result: ox.QuerySolutions | ox.QueryBoolean, job: QueryJob) -> Outcome:
    if job.solutions_format is None:
        return Refusal(NOT_ACCEPTABLE, "none of the accepted media types can carry "
                       "SELECT/ASK results")
    fmt = FORMATS[job.solutions_format]
    body = capped_serialize(result, fmt, job.max_bytes)
    if isinstance(result, ox.QuerySolutions) and count_over(body, fmt, job.max_rows):
        return too_many(job.max_rows, "solutions")
    return Answer(body, fmt.name)


def graph_answer(result: ox.QueryTriples, job: QueryJob) -> Outcome:
    if job.graph_format is None:
        return Refusal(NOT_ACCEPTABLE, "none of the accepted media types can carry an RDF "
                       "graph (CONSTRUCT/DESCRIBE)")
    triples = []
    for triple in result:
        triples.append(triple)
        if len(triples) > job.max_rows:
            return too_many(job.max_rows, "triples")
    fmt = FORMATS[job.graph_format]
    buffer = CappedBuffer(job.max_bytes)
    ox.serialize(triples, buffer, format=fmt.oxigraph)  # type: ignore[arg-type]
    return Answer(buffer.getvalue(), fmt.name)


def too_many(limit: int, what: str) -> Refusal:
    return Refusal(TOO_LARGE, f"the result has more than {limit} {what}, the limit here; "
                   "narrow the query or page through it with LIMIT and OFFSET")


class CappedBuffer(io.BytesIO):
    """A BytesIO that stops the serialiser once `limit` bytes are written."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > self.limit:
            raise ResultTooLarge
        return super().write(data)


def capped_serialize(result: ox.QuerySolutions | ox.QueryBoolean, fmt: ResultFormat,
                     limit: int) -> bytes:
    buffer = CappedBuffer(limit)
    result.serialize(buffer, format=fmt.oxigraph)  # type: ignore[arg-type]
    return buffer.getvalue()


def count_over(body: bytes, fmt: ResultFormat, limit: int) -> bool:
    """Whether a serialised result holds more than `limit` solutions. Small bodies cannot,
    so the exact count (a re-parse) is paid only by results near the cap."""
    if len(body) <= limit * MIN_ROW_BYTES[fmt.name]:
        return False
    if fmt.name == "tsv":  # TSV escapes newlines inside terms: one line per solution
        return body.count(b"\n") - 1 > limit
    if fmt.name == "csv":
        return sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1 > limit
    parsed = ox.parse_query_results(body, format=fmt.oxigraph)  # type: ignore[arg-type]
    rows = 0
    for _ in parsed:  # type: ignore[union-attr]
        rows += 1
    return rows > limit


# --- runners ---------------------------------------------------------------------------

Work = Callable[[QueryJob], Outcome]


class Runner(Protocol):
    """What answers jobs: InlineRunner, CachingRunner, isolation.ForkRunner,
    remote.RemoteRunner."""

    def run(self, job: QueryJob) -> Outcome: ...
    def start(self) -> None: ...
    def close(self) -> None: ...


class InlineRunner:
    """Evaluates in the calling process: no time limit. For tools and for measuring."""

    def __init__(self, work: Work) -> None:
        self.work = work

    def run(self, job: QueryJob) -> Outcome:
        return self.work(job)

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


class CachingRunner:
    """Remembers answers (never refusals) per process (cache.AnswerCache). Sound because the
    store is an immutable snapshot: a job's answer cannot change while this process lives."""

    def __init__(self, inner: Runner, budget_bytes: int) -> None:
        self.inner = inner
        self.answers: AnswerCache[tuple[bytes, str]] = AnswerCache(budget_bytes)

    def run(self, job: QueryJob) -> Outcome:
        key = job.key()
        if (hit := self.answers.get(key)) is not None:
            body, fmt = hit
            return Answer(body, fmt)
        outcome = self.inner.run(job)
        if isinstance(outcome, Answer):
            self.answers.offer(key, (outcome.body, outcome.format),
                               len(outcome.body) + len(job.text))
        return outcome

    def start(self) -> None:
        self.inner.start()

    def close(self) -> None:
        self.inner.close()


def warm_up(store: ox.Store, served_graphs: frozenset[str] | None) -> None:
    """Run each code path once in the parent, so forked children start with everything
    imported and compiled (they may not be able to read files once isolated)."""
    evaluate(store, served_graphs, QueryJob("SELECT * FROM <urn:x> { SERVICE <urn:y> {} }"))
    evaluate(store, served_graphs, QueryJob("INSERT DATA { <urn:a> <urn:b> <urn:c> }"))
    evaluate(store, served_graphs, QueryJob("ASK {}"))
