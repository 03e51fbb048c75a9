"""Whether one SHACL-SPARQL constraint may be evaluated once for all its focus nodes
(shacl_oxigraph.py `batch_text`): a judgment on the query's algebra, made once per text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from rdflib import Variable

THIS = Variable("this")

ABSOLUTE_IRI = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]*:[^<>\"{}|^`\\\s]*>")


def placeheld(text: str) -> str:
    """`text` with its n-th absolute IRI as <urn:iri:n>. Which IRIs a query names does not
    change whether it may be batched, and rdflib's parser takes 10-50 ms a query, so texts
    that differ only there are judged once a process (a proposal's shape, whatever models
    it names). Distinct placeholders: rdflib keeps one prefix per namespace IRI."""
    count = iter(range(1, 1 << 30))
    return ABSOLUTE_IRI.sub(lambda _: f"<urn:iri:{next(count)}>", text)


@lru_cache(maxsize=256)
def batchable(text: str) -> bool:
    """Whether evaluating the SELECT `text` once with $this bound to every focus node by a
    VALUES block opening its outermost group, and then taking each focus node's rows, gives
    the rows of the text evaluated with $this bound to that node alone (`prebound`).

    The VALUES block is the first operand of the outermost group, and every operator of a
    group's pattern (join, OPTIONAL, FILTER and [NOT] EXISTS, BIND, UNION, MINUS) makes each
    of its solutions from one solution of that operand: choosing the rows with $this = f
    before or after gives the same rows. What does not is a solution modifier across rows
    that may mix focus nodes, so the text must: project $this (to tell rows apart); group
    by $this wherever it aggregates over rows that bind $this; have no LIMIT or OFFSET over
    them; in a subquery either project $this or not mention it (a correlated subquery
    would see the focus node pre-bound but not here); and, to stay clear of the places
    where pre-binding by substitution (SHACL's definition) and by VALUES part ways, not
    bind $this itself (BIND, VALUES) nor use it inside MINUS.

    The shipped shapes (shapes/coverage.ttl, shapes/policy.ttl) and a proposal's
    (graph/proposal.py) all pass: each projects $this, binds it in a required triple
    pattern, groups by it where it aggregates, and has no LIMIT, MINUS, or VALUES;
    FunctionWithoutHolder's subquery projects $this; WithoutBasis's subquery (a source's
    label per assignment) does not mention $this. tests/test_batched_shapes.py checks each
    one passes, and that batched and unbatched runs find the same results."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        query = translateQuery(parseQuery(text)).algebra
    except Exception:  # not for us to judge: left to the unbatched path, which reports it
        return False
    if query.name != "SelectQuery" or THIS not in (query.get("PV") or []):
        return False
    return all(sound(node) for node in algebra_nodes(query))


def sound(node: Any) -> bool:
    """One algebra node, as `batchable` needs it (a check of its own; the walk visits all)."""
    name = node.name
    if name == "Project":  # the query or a subquery
        return THIS in (node.get("PV") or []) or not mentions(node.p)
    if name == "Slice":  # LIMIT, OFFSET
        return not mentions(node.p)
    if name == "Group":  # GROUP BY, or the one group of an aggregate without it
        return THIS in (node.get("expr") or []) or not mentions(node.p)
    if name == "Extend":  # BIND; the algebra's own (SAMPLE(?this) AS ?this) when grouped
        grouped = isinstance(node.expr, Variable) and node.expr.startswith("__agg_")
        return node.var != THIS or grouped
    if name == "values":  # VALUES
        return not mentions(node.get("res"))
    if name == "Minus":
        return not mentions(node.p2)
    return True


def algebra_nodes(value: Any) -> Iterator[Any]:
    """Every algebra node (CompValue) in `value`, in patterns and in expressions."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(value, CompValue):
        yield value
        for key, part in value.items():
            if key != "_vars":
                yield from algebra_nodes(part)
    elif isinstance(value, (list, tuple, set, dict)):
        for part in value.values() if isinstance(value, dict) else value:
            yield from algebra_nodes(part)


def mentions(value: Any) -> bool:
    """Whether $this occurs anywhere in `value` (a pattern, an expression, VALUES rows)."""
    if isinstance(value, Variable):
        return value == THIS
    if isinstance(value, dict):
        return any(mentions(k) or mentions(v) for k, v in value.items() if k != "_vars")
    if isinstance(value, (list, tuple, set)):
        return any(mentions(part) for part in value)
    return False
