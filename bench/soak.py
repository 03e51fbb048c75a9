"""Soak of `rolegraph serve` (prints figures; not a test): ten minutes at 64 connections of a
mix where every SPARQL request is a distinct query text that no cache can answer (a lookup
or an aggregate with a never-matching / always-true FILTER numbered per request), with the
pages and diagrams (rendered once per version, then cached); memory (RSS) of each worker,
with its query child, sampled every 10 s. Driven by wrk (Debian) with a Lua script, on
loopback, bounded in time (--duration, at most 3,600 s).

    .venv/bin/python bench/soak.py                            # 600 s, 64 connections
    .venv/bin/python bench/soak.py --duration 120             # a two-minute run

Prints: errors (socket errors and non-2xx by status), throughput, p50/p90/p99 latency, the
RSS series of each worker, and whether each stays within 10% of its value at the end of the
first minute (--settle) for the rest of the run. The issue's targets (issue 15): 0 errors,
p99 under 100 ms, memory flat within 10% after the first minute. The server runs with the
rate limit's loopback exemption (every request comes from 127.0.0.1); all else as shipped.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from load_test import WRK_REPORT, loadavg, run_wrk, start_server, warm_up

# {N} is replaced per request by a number no other request of the run uses.
LOOKUP = (
    "PREFIX rg: <https://w3id.org/rolegraph/def#>\n"
    "SELECT ?role ?basis WHERE { ?a rg:model <https://w3id.org/rolegraph/id/model/current> ;"
    " rg:function <https://w3id.org/rolegraph/id/function/refer-to-cafcass> ; rg:role ?role ."
    " OPTIONAL { ?a rg:basis ?basis } FILTER(?role != <urn:soak:{N}>) }")
MISS = (  # a never-matching FILTER: evaluated, answers no rows
    "PREFIX rg: <https://w3id.org/rolegraph/def#>\n"
    "SELECT ?a ?role WHERE { ?a rg:role ?role . FILTER(STR(?role) = \"urn:soak:{N}\") }")
AGGREGATE = (
    "PREFIX rg: <https://w3id.org/rolegraph/def#>\n"
    "SELECT ?model (COUNT(?a) AS ?assignments) WHERE { ?a rg:model ?model ; rg:role ?role ."
    " FILTER(?role != <urn:soak:{N}>) } GROUP BY ?model ORDER BY ?model")
PAGES = ["/", "/id/role/iro", "/coverage", "/diff?a=current&b=care-review-2022",
         "/api/models", "/roles"]
DIAGRAMS = ["/diagrams/model/current.svg", "/diagrams/model/current.png",
            "/diagrams/model/care-review-2022.pdf", "/roles/iro/card.pdf",
            "/briefs/current/care-review-2022.docx"]
# One round of the mix: 6 distinct queries (2 of each kind), the pages and the diagrams.
KINDS = ["lookup", "miss", "aggregate"] * 2

LUA = r"""
local templates = {lookup = %(lookup)s, miss = %(miss)s, aggregate = %(aggregate)s}
local kinds = {%(kinds)s}
local fixed = {%(fixed)s}
local counter = 0
statuses = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
end

function request()
  counter = counter + 1
  local slot = counter %% (#kinds + #fixed)
  if slot < #kinds then
    -- a number of its own: the thread's id in the high digits, its counter below
    local n = string.format("%%d", id * 1000000000 + counter)
    local path = "/sparql?query=" .. templates[kinds[slot + 1]]:gsub("{N}", n)
    return wrk.format("GET", path, {["Accept"] = "application/sparql-results+json"})
  end
  return wrk.format("GET", fixed[slot - #kinds + 1], {["Accept-Encoding"] = "gzip"})
end

%(report)s"""


def encoded(template: str) -> str:
    """URL-encoded, with {N} left as is (digits need no encoding)."""
    return urllib.parse.quote(template, safe="").replace("%7BN%7D", "{N}")


def lua_script() -> str:
    def lua(text: str) -> str:
        return json.dumps(text)  # a JSON string is a Lua string here
    return LUA % {"report": WRK_REPORT, "lookup": lua(encoded(LOOKUP)), "miss": lua(encoded(MISS)),
                  "aggregate": lua(encoded(AGGREGATE)),
                  "kinds": ", ".join(lua(k) for k in KINDS),
                  "fixed": ", ".join(lua(p) for p in PAGES + DIAGRAMS)}


def check_queries(url: str) -> None:
    """Each template parses and answers 200 (a broken one would only show as errors)."""
    for template in (LOOKUP, MISS, AGGREGATE):
        path = "/sparql?query=" + encoded(template).replace("{N}", "1")
        request = urllib.request.Request(url + path, headers={
            "Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()


def children(pid: int) -> list[int]:
    """Children of every thread of `pid` (a worker forks its query children from the
    thread answering the request, so they are not all its main thread's)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(found)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def worker_memory(master: int) -> dict[int, tuple[float, float]]:
    """Per worker pid: its RSS and its children's (the query child; a render child while
    one runs), in MB."""
    return {worker: (round(rss_mb(worker), 1),
                     round(sum(rss_mb(child) for child in children(worker)), 1))
            for worker in children(master)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=600, help="seconds (default 600)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server workers")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--settle", type=float, default=60.0,
                        help="seconds after which memory must stay within 10%% (default 60)")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="snapshot folder (default: a fresh one; the first build takes a while)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--no-cache", action="store_true",
                        help="switch the response and result caches off (RESULT_CACHE_MB=0)")
    args = parser.parse_args()
    if args.duration > 3600 or args.connections > 1024:
        raise SystemExit("bounded: at most 3,600 s and 1,024 connections")

    with tempfile.TemporaryDirectory(prefix="rolegraph-soak-") as scratch:
        folder = Path(scratch)
        script = folder / "soak.lua"
        script.write_text(lua_script())
        log = folder / "server.log"
        process, url = start_server(args.state_dir or folder / "state", args.workers, log,
                                    cache=not args.no_cache)
        samples: list[tuple[float, dict[int, tuple[float, float]]]] = []
        try:
            check_queries(url)
            warm_up(url, PAGES + DIAGRAMS, rounds=2 * args.workers)
            figures: dict[str, object] = {"load_before": loadavg()}
            stop = threading.Event()
            started = time.monotonic()

            def sample() -> None:
                while True:
                    samples.append((time.monotonic() - started, worker_memory(process.pid)))
                    if stop.wait(args.sample):
                        return

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            run_args = argparse.Namespace(threads=args.threads, connections=args.connections,
                                          duration=args.duration)
            figures["wrk"] = run_wrk(url, script, run_args)
            stop.set()
            sampler.join()
            figures["load_after"] = loadavg()
            with urllib.request.urlopen(url + "/ready", timeout=10) as answer:
                figures["ready_after"] = answer.status
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # the session we started
            process.wait(timeout=30)
        lines = log.read_text().splitlines()
        figures["server_error_lines"] = [line for line in lines if "Traceback" in line
                                         or "[ERROR]" in line or '"status": 5' in line]
    figures["memory"] = [{"t": round(t, 1), **{str(pid): m for pid, m in found.items()}}
                         for t, found in samples]
    report(figures, samples, args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def flat(samples: list[tuple[float, dict[int, tuple[float, float]]]],
         settle: float) -> dict[int, tuple[float, float, bool]]:
    """Per worker present throughout: its RSS at `settle` s, the largest departure from it
    afterwards (as a fraction), and whether that is within 10%."""
    after = [(t, found) for t, found in samples if t >= settle]
    if not after:
        return {}
    result = {}
    for pid, (base, _) in after[0][1].items():
        series = [found[pid][0] for _, found in after if pid in found]
        if len(series) != len(after) or base <= 0:
            continue  # replaced mid-run (a fault): shown in the series, not judged
        worst = max(abs(v - base) / base for v in series)
        result[pid] = (base, worst, worst <= 0.10)
    return result


def report(figures: dict[str, object],
           samples: list[tuple[float, dict[int, tuple[float, float]]]],
           args: argparse.Namespace) -> None:
    wrk: dict[str, object] = figures["wrk"]  # type: ignore[assignment]
    latency: dict[str, float] = wrk["latency_us"]  # type: ignore[assignment]
    errors: dict[str, int] = wrk["errors"]  # type: ignore[assignment]
    statuses: dict[str, int] = wrk["statuses"]  # type: ignore[assignment]
    seconds = int(wrk["duration_us"]) / 1e6  # type: ignore[call-overload]
    requests = int(wrk["requests"])  # type: ignore[call-overload]
    non_2xx = sum(n for code, n in statuses.items() if not code.startswith("2"))
    socket_errors = sum(errors[k] for k in ("connect", "read", "write", "timeout"))
    ms = {k: round(v / 1000, 2) for k, v in latency.items()}
    print(f"## rolegraph soak: {args.connections} connections, {args.threads} wrk threads, "
          f"{args.workers} workers, {seconds:.0f} s"
          f"{', caches off' if args.no_cache else ''}; mix per round: "
          f"{len(KINDS)} distinct queries, {len(PAGES)} pages, {len(DIAGRAMS)} drawings")
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| requests completed | {requests:,} |")
    print(f"| throughput | {requests / seconds:,.0f} req/s |")
    print(f"| latency p50 / p90 / p99 / p99.9 / max | {ms['p50']} / {ms['p90']} / "
          f"{ms['p99']} / {ms['p999']} / {ms['max']} ms |")
    print(f"| responses by status | {json.dumps(statuses)} |")
    print(f"| errors: non-2xx / socket (connect, read, write, timeout) | {non_2xx} / "
          f"{socket_errors} {tuple(errors[k] for k in ('connect', 'read', 'write', 'timeout'))} |")
    bad: list[str] = figures["server_error_lines"]  # type: ignore[assignment]
    print(f"| server log lines with errors or 5xx | {len(bad)} |")
    for line in bad[:5]:
        print(f"|   | `{line[:300]}` |")
    print(f"| load average before / after (1, 5, 15 min) | {figures['load_before']} / "
          f"{figures['load_after']} |")
    print(f"| /ready after the run | {figures['ready_after']} |")
    print()
    print(f"### RSS per worker every {args.sample:g} s (MB: worker + its children)")
    print()
    pids = sorted({pid for _, found in samples for pid in found})
    print("| t (s) | " + " | ".join(f"worker {pid}" for pid in pids) + " |")
    print("|---|" + "---|" * len(pids))
    for t, found in samples:
        cells = [f"{found[p][0]} + {found[p][1]}" if p in found else "-" for p in pids]
        print(f"| {t:.0f} | " + " | ".join(cells) + " |")
    print()
    judged = flat(samples, args.settle)
    for pid, (base, worst, ok) in judged.items():
        print(f"worker {pid}: {base} MB at {args.settle:g} s, at most {worst:.1%} from it "
              f"afterwards: {'within' if ok else 'NOT within'} 10%")
    if not judged:
        print(f"memory: no samples after {args.settle:g} s (run longer to judge)")
    verdict = (non_2xx == 0 and socket_errors == 0, ms["p99"] < 100,
               bool(judged) and all(ok for *_, ok in judged.values()))
    print(f"targets: 0 errors {'met' if verdict[0] else 'MISSED'}; p99 < 100 ms "
          f"{'met' if verdict[1] else 'MISSED'}; memory flat within 10% "
          f"{'met' if verdict[2] else 'MISSED'}")


if __name__ == "__main__":
    main()
