"""pySHACL's SHACL-SPARQL on Oxigraph: the query graph, batching each constraint over all
focus nodes (where shacl_batchable.py says that gives the same rows), and the narrow
patches to pySHACL that make it pay."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import XSD, BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Identifier, Node

from rolegraph.graph.rdf import Overlay, solution_texts
from rolegraph.graph.shacl_batchable import THIS, batchable, placeheld


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector held off while a validation runs: with the graphs of a
    service in memory each full collection walks hundreds of thousands of objects, and
    a validation makes enough small ones to set off several (a fifth of a proposal check).
    What it makes is freed as usual; cycles wait for the next collection. Nested and
    concurrent uses leave the collector on once the outermost that turned it off ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class OxigraphQueryGraph(Graph):
    """A graph whose triples stay in rdflib, for pySHACL's core constraints and targets,
    and whose SPARQL runs on Oxigraph over a copy of the same triples.

    pySHACL runs each SHACL-SPARQL constraint once per focus node; rdflib took about 5 ms
    a query, 0.9 s for the shipped coverage shapes, and Oxigraph takes about 0.2 ms.
    Oxigraph's own `substitutions` pre-binding is slower than no pre-binding at all (it
    binds after evaluating), so the bound values go in as a VALUES block at the start of
    each WHERE group instead (see `prebound`). Faster still, a constraint whose meaning
    allows it is evaluated once for all its focus nodes and each focus node's call is
    answered from that table (`batched`, `Batch`). Any other query goes to rdflib,
    unchanged."""

    def __init__(self, graph: Graph, oxigraph: ox.Store | None = None) -> None:
        """`oxigraph`, if given, must hold `graph`'s triples (see `with_triples`)."""
        super().__init__(
            store=graph.store,
            identifier=graph.identifier,
            namespace_manager=graph.namespace_manager,
        )
        if oxigraph is None:
            oxigraph = ox.Store()
            with gc_paused():
                oxigraph.bulk_extend(to_quad(triple) for triple in graph)
        self.oxigraph = oxigraph
        self.batching = True  # run_shapes(batch=False) turns it off, to compare
        self.batch: Batch | None = None

    def adding(self, graph: Graph) -> OxigraphQueryGraph:
        """`graph`, an overlay of this graph (rdf.overlaid), with its Oxigraph copy made from
        this one's inside Oxigraph (~25 ms for the shipped graph) and the overlay's additions,
        not from rdflib terms (~200 ms): a proposal's check, the law on a date. Quads, not a
        dump: loading a dump renames blank nodes."""
        overlay = graph.store
        if not isinstance(overlay, Overlay) or overlay.base is not self.store:
            raise TypeError("adding() takes an overlay of this graph")
        store = ox.Store()
        with gc_paused():
            store.bulk_extend(self.oxigraph.quads_for_pattern(None, None, None))
            store.bulk_extend(to_quad(triple) for triple in overlay.added())
        return OxigraphQueryGraph(graph, store)

    def query(
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Any] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if self.batch is not None:
            answered = self.batch.answer(query_object, initBindings or {})
            if answered is not None:
                return answered
        text = prebound(query_object, initBindings or {})
        if text is None:
            return super().query(
                query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
            )
        return self.select(text, initNs)

    def select(self, text: str, initNs: Mapping[str, Any] | None = None) -> Result:
        """A SELECT on Oxigraph, its GROUP_CONCAT lists sorted (`ordered_lists`)."""
        prefixes = {name: str(iri) for name, iri in (initNs or {}).items()}
        text, lists = ordered_lists(text)
        return to_rdflib_result(self.oxigraph.query(text, prefixes=prefixes), lists)

    def texts(self, query: str, prefixes: Mapping[str, str] | None = None,
              ) -> list[dict[str, str]]:
        """The rows of a SELECT on Oxigraph as text (rdf.solution_texts)."""
        answer = self.oxigraph.query(query, prefixes=dict(prefixes or {}))
        if not isinstance(answer, ox.QuerySolutions):
            raise TypeError("texts() reads SELECT queries only")
        return solution_texts(answer)

    @contextmanager
    def batched(self, text: str, bindings: Mapping[str, Any], focus: Sequence[Node],
                ) -> Iterator[None]:
        """While open, answer `text` for each of `focus` (bound as `this`, with the rest of
        `bindings`, which are the same for every focus node) from one evaluation with every
        focus node in one VALUES block, when `batchable` says that gives the same rows."""
        query = batch_text(text, bindings, focus) if self.batching else None
        if query is None:
            yield
            return
        table = self.select(query)
        rows: dict[Node, list[dict[Variable, Identifier]]] = {f: [] for f in focus}
        for row in table.bindings:
            this = row.get(THIS)
            if this in rows:
                rows[this].append(dict(row))
        others = {name: value for name, value in bindings.items() if name != "this"}
        self.batch = Batch(text, others, list(table.vars or []), rows)
        try:
            yield
        finally:
            self.batch = None


@dataclass(frozen=True)
class Batch:
    """One SHACL-SPARQL constraint's rows for all its focus nodes, by focus node."""

    text: str
    others: dict[str, Any]
    vars: list[Variable]
    rows: dict[Node, list[dict[Variable, Identifier]]]

    def answer(self, query: Any, bindings: Mapping[str, Any]) -> Result | None:
        """The rows of `query` with `bindings`, if that is this batch's query for one of its
        focus nodes: what the query pre-bound to that node alone returns."""
        this = bindings.get("this")
        if query != self.text or this not in self.rows:
            return None
        if {name: value for name, value in bindings.items() if name != "this"} != self.others:
            return None
        out = Result("SELECT")
        out.vars = list(self.vars)
        out.bindings = [dict(row) for row in self.rows[this]]
        return out


WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)


def prebound(query: Any, bindings: Mapping[str, Any]) -> str | None:
    """The SELECT text with `bindings` as a VALUES block opening each WHERE group (the
    query's and each subquery's, which pySHACL makes project every pre-bound variable), or
    None when the text is not that shape (a SELECT without WHERE, an ASK) or a value is a
    blank node, which VALUES cannot hold."""
    if not isinstance(query, str) or any(isinstance(v, BNode) for v in bindings.values()):
        return None
    wheres = list(WHERE.finditer(query))
    if not wheres or len(wheres) != len(SELECT.findall(query)):
        return None
    values = values_block(list(bindings), [list(bindings.values())]) if bindings else ""
    parts, at = [], 0
    for where in wheres:
        parts += [query[at : where.end()], values]
        at = where.end()
    return "".join([*parts, query[at:]])


def values_block(names: list[str], rows: list[list[Any]]) -> str:
    heads = " ".join(f"?{name}" for name in names)
    body = " ".join("(" + " ".join(str(to_oxigraph(v)) for v in row) + ")" for row in rows)
    return f" VALUES ({heads}) {{ {body} }} "


def batch_text(text: str, bindings: Mapping[str, Any], focus: Sequence[Node]) -> str | None:
    """`text` with every focus node as `this` (and the other `bindings`) in one VALUES block
    opening its outermost WHERE group only, or None when one evaluation for all focus nodes
    would not give, per focus node, the rows of `prebound` for that node alone: the text is
    not what `prebound` rewrites, a value is a blank node, or `batchable` says no.

    Only the outermost group: a subquery that projects $this is then evaluated for every
    value of $this and joined on it, the same rows as pre-bound (batchable checks it may
    be), and one that does not mention $this is unaffected by it (VALUES in it, as
    `prebound` puts there, would repeat its rows once per focus node)."""
    values = [*bindings.values(), *focus]
    if "this" not in bindings or any(isinstance(v, BNode) for v in values):
        return None
    if prebound(text, bindings) is None or not batchable(placeheld(text)):
        return None
    where = WHERE.search(text)
    assert where is not None  # prebound found it
    names = ["this", *(name for name in bindings if name != "this")]
    others = [bindings[name] for name in names[1:]]
    block = values_block(names, [[f, *others] for f in focus])
    return text[: where.end()] + block + text[where.end() :]


CONCAT = re.compile(
    r"""(GROUP_CONCAT\s*\((?:[^()"']|\([^()]*\))*?)"""  # its argument: nests one level
    r"""(?:;\s*SEPARATOR\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'))?"""
    r"""(\s*\)\s*AS\s*[?$])(\w+)""",
    re.IGNORECASE,
)
UNIT = "\x1f"  # the list separator while the query runs: no label holds it


def ordered_lists(text: str) -> tuple[str, dict[Variable, str]]:
    """`text` with each `(GROUP_CONCAT(... ; separator=S) AS ?v)` joining with UNIT, and
    each such ?v with its S, for `to_rdflib_result` to sort the list and join it with S.
    SPARQL leaves the order of GROUP_CONCAT open (Oxigraph's follows the store's, which
    can differ between processes), and an ordered subquery feeding it is not guaranteed to
    keep its order, so the order is made here: the same lists, sorted, every run."""
    lists: dict[Variable, str] = {}

    def rewrite(match: re.Match[str]) -> str:
        escaped = match.group(2) if match.group(2) is not None else match.group(3)
        separator = " " if escaped is None else unescape(escaped)
        lists[Variable(match.group(5))] = separator
        return f'{match.group(1)}; separator="{UNIT}"{match.group(4)}{match.group(5)}'

    return CONCAT.sub(rewrite, text), lists


def unescape(text: str) -> str:
    """A SPARQL string literal's body as the string it denotes (ECHAR escapes)."""
    escapes = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), text)


def sorted_list(value: Identifier, separator: str) -> Identifier:
    if not isinstance(value, Literal):
        return value
    joined = separator.join(sorted(str(value).split(UNIT)))
    return Literal(joined, lang=value.language, datatype=value.datatype)


def to_quad(triple: tuple[Node, Node, Node]) -> ox.Quad:
    subject, predicate, value = map(to_oxigraph, triple)
    assert not isinstance(subject, ox.Literal) and isinstance(predicate, ox.NamedNode)
    return ox.Quad(subject, predicate, value)


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(term)
    if isinstance(term, BNode):
        return ox.BlankNode(term)  # the same label both sides, so results point back
    if isinstance(term, Literal):
        datatype = ox.NamedNode(term.datatype) if term.datatype else None
        return ox.Literal(term, language=term.language, datatype=datatype)
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Identifier:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        plain = term.datatype.value == str(XSD.string)  # rdflib tells "a" from "a"^^xsd:string
        return Literal(term.value, datatype=None if plain else URIRef(term.datatype.value))
    raise TypeError(f"RDF-star triple terms are not used here: {term!r}")


def to_rdflib_result(
    answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
    lists: Mapping[Variable, str] | None = None,
) -> Result:
    """Oxigraph's rows as rdflib's, each list variable (`ordered_lists`) sorted."""
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError("prebound() lets only SELECT queries through")
    out = Result("SELECT")
    out.vars = [Variable(v.value) for v in answer.variables]
    terms: dict[Any, Identifier] = {}  # a term met again (an IRI, a label) is made once

    def term(value: Any) -> Identifier:
        found = terms.get(value)
        if found is None:
            found = terms[value] = to_rdflib(value)
        return found

    rows: list[dict[Variable, Identifier]] = [
        {
            var: term(value)
            for var, value in zip(out.vars, row, strict=True)
            if value is not None
        }
        for row in answer
    ]
    for var, separator in (lists or {}).items():
        for found in rows:
            if var in found:
                found[var] = sorted_list(found[var], separator)
    out.bindings = rows  # type: ignore[assignment]
    return out


def checked_once(check: Any) -> Any:
    """pySHACL re-checks a constraint's query text against nine regexes for every focus node
    (a third of the coverage report's time); the check depends only on the text and which
    variables may be pre-bound, so each combination is checked once (an error is re-raised
    each time, as before)."""
    seen: dict[tuple[Any, ...], BaseException | None] = {}

    def check_once(self: Any, sparql_text: str, valuenode: Any = None,
                   extravars: Any = None) -> bool:
        key = (sparql_text, valuenode is not None, tuple(sorted(extravars or ())))
        if key not in seen:
            try:
                check(self, sparql_text, valuenode, extravars)
                seen[key] = None
            except Exception as error:
                seen[key] = error
        failure = seen[key]
        if failure is not None:
            raise failure
        return True

    check_once.checked_once = True  # type: ignore[attr-defined]
    return check_once


def prebinding_once(pre_bind: Callable[..., Any]) -> Callable[..., Any]:
    """pySHACL works out a constraint's pre-bound variables and query text anew for every
    focus node (regular expressions over the text: a tenth of the coverage report's time);
    all but the focus node depend on the constraint alone, so each constraint (one helper
    per validation run) works them out once and the focus node is bound each time."""

    def pre_bind_once(self: Any, thisnode: Any, valuenode: Any = None,
                      extravars: Any = None) -> tuple[dict[str, Any], str]:
        if valuenode is not None or extravars is not None:
            found: tuple[dict[str, Any], str] = pre_bind(self, thisnode, valuenode, extravars)
            return found
        known = self.__dict__.get("_prebinding")
        if known is None:
            bindings, text = pre_bind(self, thisnode)
            others = {name: value for name, value in bindings.items() if name != "this"}
            self._prebinding = ("this" in bindings, others, text)
            return bindings, text
        binds_this, others, text = known
        return ({"this": thisnode, **others} if binds_this else dict(others)), text

    pre_bind_once.prebinding_once = True  # type: ignore[attr-defined]
    return pre_bind_once


def batched(evaluate: Callable[..., Any]) -> Callable[..., Any]:
    """pySHACL's evaluation of one SHACL-SPARQL constraint over its focus nodes, which runs
    the query once per focus node, with the query run once for all of them first when the
    data graph is an OxigraphQueryGraph (`OxigraphQueryGraph.batched`): each per-node call
    is then answered from that table, and pySHACL builds its results as before."""

    def evaluate_batched(self: Any, constraint: Any, target_graph: Any, f_v_dict: Any) -> Any:
        graph = getattr(target_graph, "impl", target_graph)
        focus = list(f_v_dict)
        if not isinstance(graph, OxigraphQueryGraph) or len(focus) < 2:
            return evaluate(self, constraint, target_graph, f_v_dict)
        try:
            bindings, text = constraint.pre_bind_variables(focus[0])
            text = constraint.apply_prefixes(text)
        except Exception:  # an invalid query: pySHACL reports it, unbatched
            return evaluate(self, constraint, target_graph, f_v_dict)
        with graph.batched(text, bindings, focus):
            return evaluate(self, constraint, target_graph, f_v_dict)

    evaluate_batched.batched = True  # type: ignore[attr-defined]
    return evaluate_batched


def untold(describe: Callable[..., Any]) -> Callable[..., Any]:
    """pySHACL writes each result out as text too (a fifth of the coverage report's time),
    for the text report that `run_shapes` never reads: not for an OxigraphQueryGraph, whose
    results are read from the report graph only. Any other data graph is told as before."""

    def describe_unless_ours(self: Any, datagraph: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(datagraph, "impl", datagraph), OxigraphQueryGraph):
            return ""
        return describe(self, datagraph, *args, **kwargs)

    describe_unless_ours.untold = True  # type: ignore[attr-defined]
    return describe_unless_ours


# Set by validation.run_shapes while pySHACL runs for it: its results are wanted as triples.
READING_RESULTS: ContextVar[bool] = ContextVar("reading_results", default=False)


def results_only(create: Callable[..., Any]) -> Callable[..., Any]:
    """pySHACL builds a report graph of its results (~17 ms for the shipped coverage shapes)
    that `run_shapes` would only read back (~7 ms): while it runs (READING_RESULTS), the
    results' own triples are the report, each value pySHACL would copy into the graph (a
    data or shapes node, with its graph) given as the node. Any other validation gets its
    report graph as before."""

    def create_unless_ours(cls: Any, shapes: Any, conforms: bool, results: list[Any]) -> Any:
        if not READING_RESULTS.get():
            return create(cls, shapes, conforms, results)
        return [(s, p, o[1] if isinstance(o, tuple) else o)
                for _, _, triples in results for s, p, o in triples], ""

    create_unless_ours.results_only = True  # type: ignore[attr-defined]
    return create_unless_ours
