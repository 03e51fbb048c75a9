"""Benchmark: SHACL coverage validation of all models, at the shipped size and on generated
graphs with many local variants of each model. Prints figures; asserts nothing.

"load" is copying the graph into Oxigraph, which answers the shapes' SPARQL (done once per
graph: the service and `Analysis` keep the copy); "validate" is the coverage report after it
(median of 5 at the shipped size), and "total" is both, as a one-off CLI run pays it.

    python bench/coverage_bench.py --scales 1 10 100 --timeout 900
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import variants

from rolegraph.analysis.coverage import coverage_report, coverage_shapes
from rolegraph.graph.build import build
from rolegraph.graph.sources import shipped_tree
from rolegraph.graph.validation import OxigraphQueryGraph


def measure(scale: int, seed: int, runs: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    generated = variants(build().snapshot.graph(), scale, seed)
    shapes = coverage_shapes(shipped_tree())
    started = time.perf_counter()
    graph = OxigraphQueryGraph(generated)
    load = time.perf_counter() - started
    times, report = [], None
    for _ in range(runs):
        started = time.perf_counter()
        report = coverage_report(graph, shapes)
        times.append(time.perf_counter() - started)
    assert report is not None
    queue.put(
        (
            len(graph),
            len(report.models),
            load,
            statistics.median(times),
            len(report.of("Violation")),
            len(report.of("Warning")),
            len(report.of("Info")),
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per scale")
    args = parser.parse_args()
    print(
        f"{'scale':>5} {'triples':>9} {'models':>6} {'load s':>7} {'validate s':>10} "
        f"{'total s':>7} {'ms/model':>8} "
        f"{'violations':>10} {'warnings':>8} {'info':>6}"
    )
    for scale in args.scales:
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        runs = 5 if scale == 1 else 1
        worker = multiprocessing.Process(target=measure, args=(scale, args.seed, runs, queue))
        worker.start()
        worker.join(args.timeout)
        if worker.is_alive():
            worker.kill()
            limit = f"> {int(args.timeout)}"
            print(f"{scale:>5} {'':>9} {'':>6} {'':>7} {limit:>10}  (killed at the time limit)")
            continue
        triples, models, load, seconds, v, w, i = queue.get()
        print(
            f"{scale:>5} {triples:>9} {models:>6} {load:>7.2f} {seconds:>10.3f} "
            f"{load + seconds:>7.2f} {1000 * seconds / models:>8.2f} "
            f"{v:>10} {w:>8} {i:>6}",
            flush=True,
        )


if __name__ == "__main__":
    main()
