"""Plain-text tables for the terminal, with IRIs shortened to their prefixed names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyoxigraph as ox

from rolegraph.vocab import PREFIXES


def shorten(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return f"<{iri}>"
    name = next(k for k, v in prefixes.items() if v == best)
    return f"{name}:{iri[len(best) :]}"


def term_text(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)


def solutions_table(result: ox.QuerySolutions) -> str:
    headers = [v.value for v in result.variables]
    rows = [[term_text(term) for term in row] for row in result]
    return render(headers, rows) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"
