"""Store benchmark: the embedded pyoxigraph store against remote stores (Virtuoso, the
Oxigraph server) at generated sizes (prints figures; not a test).

For each size (bench/generate.py's `variants`: local-authority variants of every model)
and store: load time (the embedded `Store.load`; remote stores through `rolegraph load`'s
loader, Graph Store Protocol, count check and switch included), resident memory of the
store process after load and queries, and p50/p99 of the project's named queries, each
answer's row count checked equal across stores. Remote figures are a full HTTP round trip
as rolegraph makes it (SPARQLWrapper, explicit dataset); `lookup via rolegraph` adds
rolegraph's own work (screening, local parse, re-serialising). The SHACL coverage
validation (pySHACL, independent of the store) is timed once per size.

    .venv/bin/python bench/store_bench.py --scales 1 10 100 160 \
        [--stores embedded virtuoso oxigraph] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import stores  # noqa: E402
from generate import variants  # noqa: E402

from rolegraph.query import loader  # noqa: E402
from rolegraph.query.remote import (  # noqa: E402
    EMPTY_GRAPH,
    SOLUTIONS_ACCEPT,
    RemoteRunner,
    RemoteStore,
    StoreSettings,
    parse_solutions,
)
from rolegraph.query.safety import Answer, QueryJob  # noqa: E402

PREFIX = """PREFIX rg: <https://w3id.org/rolegraph/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX model: <https://w3id.org/rolegraph/id/model/>
PREFIX role: <https://w3id.org/rolegraph/id/role/>
PREFIX function: <https://w3id.org/rolegraph/id/function/>
"""
# Coverage gaps with MINUS and with OPTIONAL/!BOUND, never a correlated FILTER NOT EXISTS
# (pathological on Oxigraph: research/perf-anchors.md).
QUERIES = {
    "lookup (who does what)": PREFIX + """SELECT ?role ?basis WHERE {
        ?a rg:model model:current ; rg:function function:refer-to-cafcass ; rg:role ?role .
        OPTIONAL { ?a rg:basis ?basis } }""",
    "role card": PREFIX + """SELECT ?function ?label ?basis WHERE {
        ?a rg:model model:current ; rg:role role:iro ; rg:function ?function .
        ?function rdfs:label ?label . OPTIONAL { ?a rg:basis ?basis } } ORDER BY ?label""",
    "model diff": PREFIX + """SELECT ?f ?before ?after WHERE {
        ?x rg:model model:current ; rg:function ?f ; rg:role ?before .
        OPTIONAL { ?y rg:model model:care-review-2022 ; rg:function ?f ; rg:role ?after }
        FILTER(!BOUND(?after) || ?after != ?before) } ORDER BY ?f""",
    "aggregate (functions per role per model)": PREFIX + """
        SELECT ?model ?role (COUNT(DISTINCT ?f) AS ?functions) WHERE {
        ?a a rg:Assignment ; rg:model ?model ; rg:role ?role ; rg:function ?f }
        GROUP BY ?model ?role""",
    "coverage gaps (MINUS)": PREFIX + """SELECT ?model ?f WHERE {
        ?model a rg:ReformModel . ?f a rg:Function .
        MINUS { ?a rg:model ?model ; rg:function ?f } }""",
    "coverage gaps (OPTIONAL/!BOUND)": PREFIX + """SELECT ?model ?f WHERE {
        ?model a rg:ReformModel . ?f a rg:Function .
        OPTIONAL { ?a rg:model ?model ; rg:function ?f } FILTER(!BOUND(?a)) }""",
}
LOOKUP = "lookup (who does what)"


def percentiles(run: Callable[[], int], budget: float, most: int = 300
                ) -> tuple[float, float, int, int]:
    """p50 and p99 in ms, the number of timed runs, and the rows of the answer."""
    rows = run()  # warm-up (and the answer's size)
    started = time.perf_counter()
    run()
    once = time.perf_counter() - started
    count = max(5, min(most, int(budget / max(once, 1e-6))))
    times = []
    for _ in range(count):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return statistics.median(times), p99, count, rows


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def embedded(path: Path, budget: float, out: Any) -> None:
    """In a child process: load, then time queries (query + JSON serialisation)."""
    before = rss_mb(os.getpid())
    store = ox.Store()
    started = time.perf_counter()
    store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    load_s = time.perf_counter() - started
    results = {}
    for name, query in QUERIES.items():
        def run(q: str = query) -> int:
            result = store.query(q)
            assert isinstance(result, ox.QuerySolutions)
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
            assert body is not None
            return sum(1 for _ in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))  # type: ignore[union-attr]
        results[name] = percentiles(run, budget)
    out.put({"load_s": load_s, "rss_mb": rss_mb(os.getpid()) - before, "queries": results,
             "triples": len(store)})


def run_embedded(path: Path, budget: float) -> dict[str, Any]:
    queue: multiprocessing.Queue[dict[str, Any]] = multiprocessing.Queue()
    child = multiprocessing.Process(target=embedded, args=(path, budget, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def run_remote(kind: str, path: Path, budget: float, folder: Path) -> dict[str, Any]:
    make = stores.virtuoso if kind == "virtuoso" else stores.oxigraph
    process = (make(folder, memory_mb=2048, max_seconds=120) if kind == "virtuoso"
               else make(folder, timeout_s=120)).start()
    try:
        settings = StoreSettings(process.query_url, process.update_url,
                                 process.graph_store_url, process.user, process.password,
                                 process.auth)
        store = RemoteStore(settings, timeout=120)
        started = time.perf_counter()
        result = loader.load(store, [path], path.stem, chunk=50_000)
        load_s = time.perf_counter() - started
        results = {}
        for name, query in QUERIES.items():
            def run(q: str = query) -> int:
                body, _ = store.request(q, accept=SOLUTIONS_ACCEPT, default_graphs=[result.graph],
                                        named_graphs=[EMPTY_GRAPH])
                return sum(1 for _ in parse_solutions(body))  # type: ignore[union-attr]
            results[name] = percentiles(run, budget)
        version = store.served_version()
        assert version is not None
        runner = RemoteRunner(store, version, timeout=120, refresh=3600)
        job = QueryJob(QUERIES[LOOKUP])

        def via_rolegraph() -> int:
            outcome = runner.run(job)
            assert isinstance(outcome, Answer), outcome
            return 1
        results[LOOKUP + " via rolegraph"] = percentiles(via_rolegraph, budget)
        return {"load_s": load_s, "rss_mb": rss_mb(process.pid), "queries": results,
                "triples": result.triples}
    finally:
        process.stop()


def shacl_seconds(graph: Any) -> float:
    from rolegraph.analysis.coverage import coverage_report, coverage_shapes
    from rolegraph.graph.sources import shipped_tree

    shapes = coverage_shapes(shipped_tree())
    started = time.perf_counter()
    coverage_report(graph, shapes)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--stores", nargs="+", default=["embedded", "virtuoso", "oxigraph"])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per query timing")
    parser.add_argument("--shacl-up-to", type=int, default=10,
                        help="time the pySHACL coverage validation up to this scale")
    parser.add_argument("--skip", nargs="*", default=[],
                        help="leave out queries whose name contains one of these words")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep generated graphs here (reused when present)")
    args = parser.parse_args()
    for name in [n for n in QUERIES if any(word in n for word in args.skip)]:
        del QUERIES[name]
    from rolegraph.graph.build import build

    work = Path(tempfile.mkdtemp(prefix="store-bench-"))
    data_dir = args.data_dir or work
    data_dir.mkdir(parents=True, exist_ok=True)
    base = build().snapshot.graph()
    table: list[tuple[int, str, dict[str, Any]]] = []
    for scale in args.scales:
        path = data_dir / f"s{scale}-{args.seed}.nt"
        graph = None
        if not path.exists():
            started = time.perf_counter()
            graph = variants(base, scale, args.seed)
            graph.serialize(path, format="nt", encoding="utf-8")
            print(f"# scale {scale}: generated {len(graph)} triples in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        if scale <= args.shacl_up_to:
            from rdflib import Graph
            graph = graph if graph is not None else Graph().parse(path, format="nt")
            print(f"# scale {scale}: SHACL coverage validation (pySHACL) "
                  f"{shacl_seconds(graph):.2f} s", flush=True)
        del graph
        for kind in args.stores:
            if kind == "embedded":
                figures = run_embedded(path, args.budget)
            else:
                if stores.missing(kind):
                    print(f"# {kind}: {stores.missing(kind)}")
                    continue
                figures = run_remote(kind, path, args.budget, work / f"{kind}-{scale}")
            table.append((scale, kind, figures))
            report(scale, kind, figures)
    check_rows(table)
    print_table(table)
    shutil.rmtree(work, ignore_errors=True)


def report(scale: int, kind: str, figures: dict[str, Any]) -> None:
    print(f"# scale {scale} {kind}: {figures['triples']} triples, load {figures['load_s']:.2f} s,"
          f" RSS {figures['rss_mb']:.0f} MB", flush=True)
    for name, (p50, p99, n, rows) in figures["queries"].items():
        print(f"#   {name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({n} runs, {rows} rows)",
              flush=True)


def check_rows(table: list[tuple[int, str, dict[str, Any]]]) -> None:
    for scale in sorted({s for s, _, _ in table}):
        answers: dict[str, set[int]] = {}
        for s, _, figures in table:
            if s == scale:
                for name, (_, _, _, rows) in figures["queries"].items():
                    if "via rolegraph" not in name:
                        answers.setdefault(name, set()).add(rows)
        for name, counts in answers.items():
            if len(counts) > 1:
                print(f"# WARNING scale {scale}: stores disagree on {name}: {sorted(counts)}")


def print_table(table: list[tuple[int, str, dict[str, Any]]]) -> None:
    names = [*list(QUERIES), LOOKUP + " via rolegraph"]
    print("\n| scale | store | triples | load s | RSS MB | " + " | ".join(
        f"{n} p50/p99 ms" for n in names) + " |")
    print("|---" * (5 + len(names)) + "|")
    for scale, kind, figures in table:
        cells = []
        for name in names:
            found = figures["queries"].get(name)
            cells.append("—" if found is None else
                         f"{found[0]:.2f} / {found[1]:.2f} ({found[3]})")
        print(f"| {scale} | {kind} | {figures['triples']:,} | {figures['load_s']:.2f} | "
              f"{figures['rss_mb']:.0f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
