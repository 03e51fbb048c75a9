"""In-process engine comparison on the project's queries (prints figures; not a test).

pyoxigraph (query + native JSON serialisation) against rdflib's engine (query string each
time, and prepared once) on the same data, checking both give the same rows; then the cost
of the forked query runner (isolation.ForkRunner) against evaluating in the worker.

    .venv/bin/python bench/engine_bench.py [--generated]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from rolegraph.query.isolation import ForkRunner
from rolegraph.query.safety import InlineRunner, QueryJob, evaluate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import QUERIES, generated_graph, snapshot_files

# http_bench's queries with their per-request number filled in (one text each here)
FILLED = {name: query.replace("{N}", "0") for name, query in QUERIES.items()}


def median_ms(run: Callable[[], object], budget: float = 1.0) -> float:
    """Median of repeated runs after a warm-up, within about `budget` seconds."""
    started = time.perf_counter()
    run()
    once = time.perf_counter() - started
    times = []
    for _ in range(max(5, min(300, int(budget / max(once, 1e-6))))):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def ox_rows(store: ox.Store, query: str) -> set[tuple[str, ...]]:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return {tuple(str(row[n].value) if row[n] is not None else "" for n in names)
            for row in result}


def rdflib_rows(graph: Graph, query: str) -> set[tuple[str, ...]]:
    return {tuple(str(v) if v is not None else "" for v in row) for row in graph.query(query)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generated", action="store_true")
    args = parser.parse_args()
    files = None if args.generated else snapshot_files()
    files = files or generated_graph(Path(tempfile.mkdtemp()))
    store, graph = ox.Store(), Graph()
    for path in files:
        store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
        graph.parse(path, format="nt")
    print(f"# data: {len(store)} triples from {', '.join(map(str, files))}")
    print("| query | rows | pyoxigraph ms | rdflib prepared ms | rdflib string ms | rdflib ÷ pyoxigraph |")
    print("|---|---|---|---|---|---|")
    for name, query in FILLED.items():
        rows = ox_rows(store, query)
        if rows != rdflib_rows(graph, query):
            sys.exit(f"{name}: engines disagree")
        prepared = prepareQuery(query)
        ox_ms = median_ms(lambda q=query: store.query(q).serialize(  # type: ignore[union-attr]
            format=ox.QueryResultsFormat.JSON))
        prep_ms = median_ms(lambda p=prepared: graph.query(p).serialize(format="json"))
        str_ms = median_ms(lambda q=query: graph.query(q).serialize(format="json"))
        print(f"| {name} | {len(rows)} | {ox_ms:.3f} | {prep_ms:.2f} | {str_ms:.2f} | "
              f"{str_ms / ox_ms:.0f}x |")
    runner_overhead(store)


def runner_overhead(store: ox.Store) -> None:
    work = partial(evaluate, store, frozenset())
    fork = ForkRunner(work, timeout=10)
    try:
        print("\n| query | evaluate in worker ms | via forked child ms | overhead ms |")
        print("|---|---|---|---|")
        for name in ("lookup", "aggregate"):
            job = QueryJob(FILLED[name])
            inline_ms = median_ms(lambda j=job: InlineRunner(work).run(j))
            fork_ms = median_ms(lambda j=job: fork.run(j))
            print(f"| {name} | {inline_ms:.3f} | {fork_ms:.3f} | {fork_ms - inline_ms:.3f} |")
    finally:
        fork.close()


if __name__ == "__main__":
    main()
