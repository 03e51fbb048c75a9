"""The pages over a remote store at scale (prints figures; not a test).

Starts the Oxigraph server on a free loopback port (tests/stores.py), loads a generated
graph of about a million triples (generate.py's local-authority variants) as one version,
then the shipped snapshot as the served version, so the store holds both. Then
`rolegraph serve --store-url URL --state-dir EMPTY` (2 workers, no local snapshot:
every fact comes through the read path; response cache and rate limit off) and the embedded
`rolegraph serve` are started side by side, and every page of test_read_path.SURFACES is
asked for over HTTP: the start-up (until /health answers) once, then each page's first
answer and its median over --rounds.

    .venv/bin/python bench/read_path_bench.py [--scale 160] [--rounds 5] [--serve-scale]

--serve-scale serves the generated graph itself (the served version is then a million
triples): what the whole-version read costs when the version itself is that large.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import requests  # noqa: E402
import stores  # noqa: E402
from conftest import start_server  # noqa: E402
from generate import variants  # noqa: E402
from test_read_path import SURFACES  # noqa: E402

from rolegraph.graph.build import build  # noqa: E402
from rolegraph.query import loader  # noqa: E402
from rolegraph.query.remote import RemoteStore, StoreSettings  # noqa: E402

# Uncached and unlimited, so each figure is the work of answering (set before the servers start).
os.environ.update(ROLEGRAPH_RESULT_CACHE_MB="0", ROLEGRAPH_RATE_LIMIT="0",
                  ROLEGRAPH_ACCESS_LOG="false")


def timed_pages(base: str, rounds: int) -> dict[str, tuple[float, float, int]]:
    """Each page: (first answer s, median of the rest s, status)."""
    found = {}
    with requests.Session() as http:
        for url in SURFACES:
            times = []
            status = 0
            for _ in range(rounds + 1):
                start = time.perf_counter()
                status = http.get(base + url, timeout=120).status_code
                times.append(time.perf_counter() - start)
            found[url] = (times[0], statistics.median(times[1:]), status)
    return found


def started(args: list[str], log: Path) -> tuple[object, float]:
    start = time.perf_counter()
    server = start_server([*args, "--workers", "2"], log, startup=600)
    return server, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=160)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve-scale", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rolegraph-read-path-"))
    snapshot = build(None, work / "state").snapshot
    big = work / f"scale-{args.scale}.nt"
    graph = variants(snapshot.graph(), args.scale, 20261122)
    graph.serialize(big, format="nt", encoding="utf-8")
    print(f"generated: {len(graph):,} triples (scale {args.scale})")

    process = stores.oxigraph(work / "oxigraph", timeout_s=600).start()
    try:
        remote = RemoteStore(StoreSettings(process.query_url, process.update_url,
                                           process.graph_store_url), timeout=600)
        start = time.perf_counter()
        loader.load(remote, [big], f"scale-{args.scale}")
        print(f"loaded the generated version: {time.perf_counter() - start:.1f} s")
        if not args.serve_scale:
            loader.load(remote, snapshot.files, snapshot.id)
        total = remote.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        print(f"store holds {int(total[0]['n']):,} triples in all")

        remote_server, remote_start = started(
            ["--store-url", process.query_url, "--state-dir", str(work / "empty")],
            work / "remote.log")
        embedded_server, embedded_start = started(["--state-dir", str(work / "state")],
                                                  work / "embedded.log")
        try:
            there = timed_pages(remote_server.url, args.rounds)  # type: ignore[attr-defined]
            here = timed_pages(embedded_server.url, args.rounds)  # type: ignore[attr-defined]
        finally:
            remote_server.stop()  # type: ignore[attr-defined]
            embedded_server.stop()  # type: ignore[attr-defined]
    finally:
        process.stop()

    print(f"\n`rolegraph serve` start-up until /health answers (reads the version, computes its "
          f"coverage): remote {remote_start:.2f} s, embedded {embedded_start:.2f} s\n")
    print("| page | remote first | remote median | embedded median | status |")
    print("|---|---|---|---|---|")
    for url in SURFACES:
        first, median, status = there[url]
        print(f"| `{url}` | {first * 1000:.0f} ms | {median * 1000:.1f} ms | "
              f"{here[url][1] * 1000:.1f} ms | {status} |")
    worst = max(there.values(), key=lambda v: v[0])
    print(f"\nslowest first answer over the remote store: {worst[0] * 1000:.0f} ms; "
          f"every page under a second: {all(v[0] < 1 for v in there.values())}")


if __name__ == "__main__":
    main()
