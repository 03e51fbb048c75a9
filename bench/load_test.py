"""Load test of `rolegraph serve` (prints figures; not a test): a mix of the named queries,
the who-does-what lookup and pages at 64 connections for 60 s, with wrk (Debian) and a Lua
script; loopback only, bounded in time (--duration) and count (--max-requests).

    .venv/bin/python bench/load_test.py                      # 64 connections, 60 s
    .venv/bin/python bench/load_test.py --duration 10 --connections 16

Prints: requests sent, throughput, p50/p90/p99/max latency, errors (socket errors, non-2xx
by status), RSS and PSS of the master, the workers and their query children at start, after
warm-up and at the end (and every --sample seconds), and the load average before and after
(other sessions may share the two cores). The server runs with the rate limit's loopback
exemption configured (ROLEGRAPH_RATE_LIMIT_EXEMPT), since every request comes from
127.0.0.1; all other settings are the shipped defaults (access log on, caches on).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUERIES = ROOT / "service" / "rolegraph" / "queries"
LOOKUP = (
    "PREFIX rg: <https://w3id.org/rolegraph/def#>\n"
    "SELECT ?role ?basis WHERE { ?a rg:model <https://w3id.org/rolegraph/id/model/current> ;"
    " rg:function <https://w3id.org/rolegraph/id/function/refer-to-cafcass> ; rg:role ?role ."
    " OPTIONAL { ?a rg:basis ?basis } }")
PAGES = ["/", "/id/role/iro", "/coverage", "/diff?a=current&b=care-review-2022",
         "/diagrams/model/current.svg"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Counts statuses per thread and prints one RESULT line of JSON at the end (bench/soak.py too).
WRK_REPORT = r"""
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do merged[code] = (merged[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(merged) do table.insert(parts, string.format('"%d": %d', code, n)) end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, ' ..
    '"max": %d, "mean": %.1f}, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean, table.concat(parts, ", ")))
end
"""
LUA = r"""
local paths = {%(paths)s}
local cap = %(cap)d
local counter, sent = 0, 0
statuses = {}  -- global: done() reads each thread's table
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = id  -- threads start at different points of the mix
end

function request()
  sent = sent + 1
  if sent > cap then
    wrk.thread:stop()
  end
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  return wrk.format("GET", path, {["Accept-Encoding"] = "gzip"})
end

%(report)s"""


def mix() -> list[str]:
    """Every named query (GET /sparql), the lookup, and the pages: one round of the mix."""
    texts = [path.read_text() for path in sorted(QUERIES.glob("*.rq"))] + [LOOKUP]
    queries = ["/sparql?" + urllib.parse.urlencode({"query": text}) for text in texts]
    return queries + PAGES


def lua_script(paths: list[str], cap: int) -> str:
    quoted = ", ".join(json.dumps(p) for p in paths)  # JSON strings are Lua strings here
    return LUA % {"paths": quoted, "cap": cap, "report": WRK_REPORT}


# --- the server and its processes ---------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(state_dir: Path, workers: int, log: Path,
                 cache: bool = True) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "ROLEGRAPH_RATE_LIMIT_EXEMPT": '["127.0.0.1"]'}
    if not cache:  # every request rendered or evaluated (response and result caches off)
        env["ROLEGRAPH_RESULT_CACHE_MB"] = "0"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "rolegraph"), "serve", "--state-dir", str(state_dir), "--workers",
             str(workers), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a first build runs the reasoner
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/ready", timeout=2) as answer:
                if answer.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("server did not become ready")


def descendants(pid: int) -> list[int]:
    """pid and every process below it (master, workers, query children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory(master: int) -> dict[str, float]:
    """RSS (counts shared copy-on-write pages in every process) and PSS (shares them out)."""
    pids = descendants(master)
    rss = sum(kib(Path(f"/proc/{p}/status"), "VmRSS") for p in pids)
    pss = sum(kib(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in pids)
    master_rss = kib(Path(f"/proc/{master}/status"), "VmRSS")
    return {"processes": len(pids), "rss_mb": round(rss / 1024, 1),
            "pss_mb": round(pss / 1024, 1), "master_rss_mb": round(master_rss / 1024, 1)}


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def warm_up(url: str, paths: list[str], rounds: int) -> None:
    """Each request a few times, so every worker has answered it once (caches filled)."""
    for _ in range(rounds):
        for path in paths:  # the headers wrk sends: they are part of the cache key
            request = urllib.request.Request(url + path, headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                answer.read()


def run_wrk(url: str, script: Path, args: argparse.Namespace) -> dict[str, object]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               "--timeout", "5s", "-s", str(script), url]
    result = subprocess.run(command, capture_output=True, text=True,
                            timeout=args.duration + 60)
    found = re.search(r"^RESULT (\{.*\})$", result.stdout, re.MULTILINE)
    if not found:
        raise SystemExit(f"wrk said:\n{result.stdout}\n{result.stderr}")
    parsed: dict[str, object] = json.loads(found[1])
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds (default 60)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server workers")
    parser.add_argument("--max-requests", type=int, default=1_000_000,
                        help="stop after this many requests in all (default 1,000,000)")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="snapshot folder (default: a fresh one; the first build takes ~10 s)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--no-cache", action="store_true",
                        help="switch the response and result caches off (worst case)")
    args = parser.parse_args()
    if args.duration > 600 or args.connections > 1024:
        raise SystemExit("bounded: at most 600 s and 1024 connections")

    with tempfile.TemporaryDirectory(prefix="rolegraph-load-") as scratch:
        folder = Path(scratch)
        state = args.state_dir or folder / "state"
        paths = mix()
        script = folder / "mix.lua"
        script.write_text(lua_script(paths, max(1, args.max_requests // args.threads)))
        log = folder / "server.log"
        process, url = start_server(state, args.workers, log, cache=not args.no_cache)
        assert urllib.parse.urlparse(url).hostname in LOOPBACK
        try:
            figures: dict[str, object] = {"mix": paths, "load_before": loadavg(),
                                          "memory_start": memory(process.pid)}
            warm_up(url, paths, rounds=2 * args.workers)
            figures["memory_warm"] = memory(process.pid)
            samples: list[dict[str, float]] = []
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(args.sample):
                    samples.append(memory(process.pid))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            figures["wrk"] = run_wrk(url, script, args)
            stop.set()
            sampler.join()
            figures["memory_samples"] = samples
            figures["memory_end"] = memory(process.pid)
            figures["load_after"] = loadavg()
            with urllib.request.urlopen(url + "/ready", timeout=10) as answer:
                figures["ready_after"] = answer.status
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # the session we started
            process.wait(timeout=30)
        lines = log.read_text().splitlines()
        bad = [line for line in lines
               if "Traceback" in line or "[ERROR]" in line or '"status": 5' in line]
        figures["server_errors_logged"] = len(bad)
        figures["server_error_lines"] = bad[:5]
        figures["access_log"] = access_summary(lines)
    report(figures, args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def access_summary(lines: list[str]) -> dict[str, float]:
    """From the server's JSON access log: how many answers came from the response cache, and
    the time the server spent on the others (rendering, queries)."""
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    misses = sorted(float(e["ms"]) for e in entries if e.get("cache") != "hit")
    return {"logged": len(entries), "cache_hits": len(entries) - len(misses),
            "misses": len(misses),
            "miss_ms_p50": misses[len(misses) // 2] if misses else 0.0,
            "miss_ms_max": misses[-1] if misses else 0.0}


def report(figures: dict[str, object], args: argparse.Namespace) -> None:
    wrk: dict[str, object] = figures["wrk"]  # type: ignore[assignment]
    latency: dict[str, float] = wrk["latency_us"]  # type: ignore[assignment]
    errors: dict[str, int] = wrk["errors"]  # type: ignore[assignment]
    statuses: dict[str, int] = wrk["statuses"]  # type: ignore[assignment]
    seconds = int(wrk["duration_us"]) / 1e6  # type: ignore[call-overload]
    requests = int(wrk["requests"])  # type: ignore[call-overload]
    non_200 = sum(n for code, n in statuses.items() if code != "200")
    socket_errors = sum(errors[k] for k in ("connect", "read", "write", "timeout"))
    ms = {k: round(v / 1000, 2) for k, v in latency.items()}
    print(f"## rolegraph load test: {args.connections} connections, {args.threads} wrk "
          f"threads, {args.workers} workers, {seconds:.1f} s, "
          f"{len(figures['mix'])} requests in the mix"  # type: ignore[arg-type]
          f"{', caches off' if args.no_cache else ''}")
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| requests sent (completed) | {requests:,} |")
    print(f"| throughput | {requests / seconds:,.0f} req/s |")
    print(f"| latency p50 / p90 / p99 / p99.9 / max | {ms['p50']} / {ms['p90']} / "
          f"{ms['p99']} / {ms['p999']} / {ms['max']} ms |")
    print(f"| mean latency | {ms['mean']} ms |")
    print(f"| responses by status | {json.dumps(statuses)} |")
    print(f"| errors: non-200 / socket (connect, read, write, timeout) | {non_200} / "
          f"{socket_errors} {tuple(errors[k] for k in ('connect', 'read', 'write', 'timeout'))} |")
    print(f"| server log lines with errors or 5xx | {figures['server_errors_logged']} |")
    for line in figures["server_error_lines"]:  # type: ignore[attr-defined]
        print(f"|   | `{line[:400]}` |")
    access: dict[str, float] = figures["access_log"]  # type: ignore[assignment]
    print(f"| access log: answers / response-cache hits / rendered (server ms p50, max) | "
          f"{access['logged']:,.0f} / {access['cache_hits']:,.0f} / {access['misses']:,.0f} "
          f"({access['miss_ms_p50']}, {access['miss_ms_max']}) |")
    for label, key in (("start (cold)", "memory_start"), ("after warm-up", "memory_warm"),
                       ("end", "memory_end")):
        m: dict[str, float] = figures[key]  # type: ignore[assignment]
        print(f"| memory {label}: RSS / PSS (all {m['processes']:.0f} processes), master RSS "
              f"| {m['rss_mb']} / {m['pss_mb']} / {m['master_rss_mb']} MB |")
    samples: list[dict[str, float]] = figures["memory_samples"]  # type: ignore[assignment]
    if samples:
        print(f"| PSS every {args.sample:g} s during the run | "
              f"{', '.join(str(s['pss_mb']) for s in samples)} MB |")
    print(f"| load average before / after (1, 5, 15 min) | {figures['load_before']} / "
          f"{figures['load_after']} |")
    print(f"| /ready after the run | {figures['ready_after']} |")


if __name__ == "__main__":
    main()
