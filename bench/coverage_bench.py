"""Benchmark: SHACL coverage validation of all models, at the shipped size and on generated
graphs with many local variants of each model. Prints figures; asserts nothing.

"load" is copying the graph into Oxigraph, which answers the shapes' SPARQL (done once per
graph: the service and `Analysis` keep the copy); "validate" is the coverage report after it
(median of 5 at the shipped size, one run above it), and "total" is both, as a one-off CLI
run pays it. "first" is the first run's validate (it also judges each shape's query once,
shacl_batchable.py `batchable`).

Then the proposal check: what `rolegraph check examples/proposal.yaml` and POST /validate run
(`Analysis.proposing`: the proposal read, the graph copied with it, its coverage report) once
the service's graph and report are loaded, median of 5 (--no-proposal to skip).

    python bench/coverage_bench.py --scales 1 10 100 --timeout 900
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import variants

from rolegraph.analysis.coverage import coverage_report, coverage_shapes
from rolegraph.analysis.questions import Analysis
from rolegraph.graph.build import build
from rolegraph.graph.shacl_oxigraph import OxigraphQueryGraph
from rolegraph.graph.sources import shipped_tree


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
            times[0],
        )
    )


def proposal(runs: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    analysis = Analysis.of_snapshot(build().snapshot, shipped_tree())
    analysis.report  # noqa: B018  the served report, as the service computes it at start
    example = Path(__file__).resolve().parents[1] / "examples" / "proposal.yaml"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        analysis.proposing(example)
        times.append(time.perf_counter() - started)
    queue.put((statistics.median(times), min(times), max(times)))


def in_child(target: Callable[..., None], args: tuple[Any, ...], timeout: float) -> tuple[Any, ...] | None:
    """What `target(*args, queue)` puts on the queue, or None if it failed or ran too long."""
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    worker = multiprocessing.Process(target=target, args=(*args, queue))
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        worker.kill()
        return None
    try:
        got: tuple[Any, ...] = queue.get(timeout=5)
        return got
    except Exception:  # the child failed: its traceback is on stderr
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per scale")
    parser.add_argument("--no-proposal", action="store_true", help="skip the proposal check")
    args = parser.parse_args()
    print(
        f"{'scale':>5} {'triples':>9} {'models':>6} {'load s':>7} {'validate s':>10} "
        f"{'total s':>7} {'ms/model':>8} "
        f"{'violations':>10} {'warnings':>8} {'info':>6} {'first s':>7}"
    )
    for scale in args.scales:
        runs = 5 if scale == 1 else 1
        got = in_child(measure, (scale, args.seed, runs), args.timeout)
        if got is None:
            limit = f"> {int(args.timeout)}"
            print(f"{scale:>5} {'':>9} {'':>6} {'':>7} {limit:>10}  (killed at the time "
                  "limit, or failed)")
            continue
        triples, models, load, seconds, v, w, i, first = got
        print(
            f"{scale:>5} {triples:>9} {models:>6} {load:>7.2f} {seconds:>10.3f} "
            f"{load + seconds:>7.2f} {1000 * seconds / models:>8.2f} "
            f"{v:>10} {w:>8} {i:>6} {first:>7.3f}",
            flush=True,
        )
    if not args.no_proposal:
        got = in_child(proposal, (5,), args.timeout)
        if got is None:
            print("proposal check: failed or killed at the time limit")
        else:
            median, fastest, slowest = got
            print(f"proposal check (examples/proposal.yaml, after the served report): "
                  f"median of 5 {median:.3f} s (min {fastest:.3f}, max {slowest:.3f})")


if __name__ == "__main__":
    main()
