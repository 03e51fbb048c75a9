"""HTTP benchmark of the SPARQL endpoint with distinct queries (prints figures; not a test).

Side by side, in one run, on the same data and machine, with wrk (Debian) at 16 connections,
every request a distinct query text (a never-matching FILTER numbered per request and per
run, written by a wrk Lua script), so that no cache, normalising or not, can answer it:
  rolegraph           `rolegraph serve --graph ...` as shipped (granian, forked query
                      children, its caches on: they keep an answer only when asked twice)
  rdflib-endpoint     `rdflib-endpoint serve ...` (FastAPI + uvicorn, rdflib's engine)
  oxigraph            `oxigraph serve-read-only` (Rust) on the same files
  ceiling             a Flask route returning a constant under gunicorn (sync, the usual
                      Flask deployment): the issue's "Flask ceiling"
  ceiling-granian     the same route under granian with rolegraph's workers and threads
on a who-does-what lookup and an aggregate (and, with --queries, coverage gaps and a model
diff); then rolegraph alone at 64 connections on distinct lookups (p99, errors).

    .venv/bin/python bench/http_bench.py [--duration 10] [--rounds 3] [--workers 2]
    .venv/bin/python bench/http_bench.py --duration 5 --rounds 1

Data: the current snapshot's asserted.nt + inferred.nt when the shipped build works,
else a generated graph of the same shape (--generated forces it). Needs wrk (Debian),
rdflib-endpoint and uvicorn (the [bench] extra) and the oxigraph command ([test] extra).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response
from load_test import descendants

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PREFIX = "PREFIX rg: <https://w3id.org/rolegraph/def#>\n"
QUERIES = {
    "lookup": PREFIX + (
        "SELECT ?role ?basis WHERE { ?a rg:model <https://w3id.org/rolegraph/id/model/current> ;"
        " rg:function <https://w3id.org/rolegraph/id/function/refer-to-cafcass> ; rg:role ?role ."
        " OPTIONAL { ?a rg:basis ?basis } FILTER(?role != <urn:bench:{N}>) }"),
    # the law over time: a lookup naming rg:validFrom (a name, not the keyword FROM)
    "dated": PREFIX + (
        "SELECT ?role ?from WHERE { ?a rg:model <https://w3id.org/rolegraph/id/model/statutory-system> ;"
        " rg:function <https://w3id.org/rolegraph/id/function/refer-to-cafcass> ; rg:role ?role ;"
        " rg:validFrom ?from FILTER(?role != <urn:bench:{N}>) }"),
    "aggregate": PREFIX + (
        "SELECT ?model ?role (COUNT(DISTINCT ?f) AS ?functions) WHERE {"
        " ?a a rg:Assignment ; rg:model ?model ; rg:role ?role ; rg:function ?f"
        " FILTER(?role != <urn:bench:{N}>) } GROUP BY ?model ?role ORDER BY ?model ?role"),
    # MINUS, not FILTER NOT EXISTS: Oxigraph's correlated NOT EXISTS is pathological
    # (research/perf-anchors.md); every shipped query needs this check.
    "coverage-gaps": PREFIX + (
        "SELECT ?model ?f WHERE { ?model a rg:ReformModel . ?f a rg:Function ."
        " MINUS { ?a rg:model ?model ; rg:function ?f ; rg:role ?r . ?model rg:includesRole ?r }"
        " FILTER(?f != <urn:bench:{N}>) } ORDER BY ?model ?f"),
    "model-diff": PREFIX + (
        "SELECT ?f ?before ?after WHERE {"
        " ?x rg:model <https://w3id.org/rolegraph/id/model/current> ; rg:function ?f ; rg:role ?before ."
        " OPTIONAL { ?y rg:model <https://w3id.org/rolegraph/id/model/care-review-2022> ;"
        "   rg:function ?f ; rg:role ?after }"
        " FILTER((!BOUND(?after) || ?after != ?before) && ?f != <urn:bench:{N}>) } ORDER BY ?f"),
}
CONSTANT = json.dumps({"head": {"vars": ["role", "basis"]}, "results": {"bindings": [{
    "role": {"type": "uri", "value": "https://w3id.org/rolegraph/id/role/iro"},
    "basis": {"type": "uri", "value": "http://www.legislation.gov.uk/id/ukpga/1989/41/section/25B"},
}]}})


def ceiling_app() -> Flask:
    """The ceiling: a Flask route answering a constant the size of the lookup's answer."""
    app = Flask("ceiling")

    @app.route("/sparql")
    def constant() -> Response:
        return Response(CONSTANT, mimetype="application/sparql-results+json")

    return app


# --- data ------------------------------------------------------------------------------

def snapshot_files() -> list[Path] | None:
    try:
        from rolegraph.graph.build import current_snapshot
        return current_snapshot(progress=lambda _: None).files
    except Exception as error:  # a broken build: fall back to generated data
        print(f"# shipped build unavailable ({type(error).__name__}); using generated data")
        return None


def generated_graph(folder: Path, seed: int = 20240601) -> list[Path]:
    """A graph of the real one's shape: 8 models x 40 functions x 1-2 of 12 roles."""
    rng = random.Random(seed)
    rg, ident = "https://w3id.org/rolegraph/def#", "https://w3id.org/rolegraph/id/"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    models = ["current", "csw-bill-2016", "fostering-stocktake-2018", "adcs-2018",
              "government-response-2018", "care-review-2022", "nagalro-2022",
              "government-response-2023"]
    roles = ["iro", "advocate", "reg44-visitor", "cafcass-guardian", "social-worker",
             "team-manager", "independent-visitor", "foster-carer", "virtual-school-head",
             "director-childrens-services", "lead-member", "registered-manager"]
    functions = ["refer-to-cafcass"] + [f"function-{n:02d}" for n in range(39)]
    lines = []
    for function in functions:
        lines.append(f"<{ident}function/{function}> {rdf_type} <{rg}Function> .")
    for model in models:
        lines.append(f"<{ident}model/{model}> {rdf_type} <{rg}ReformModel> .")
        lines += [f"<{ident}model/{model}> <{rg}includesRole> <{ident}role/{r}> ."
                  for r in roles if rng.random() < 0.9]
        for function in functions:
            for role in rng.sample(roles, rng.choice([1, 1, 1, 2])):
                a = f"<{ident}assignment/{model}--{role}--{function}>"
                lines += [f"{a} {rdf_type} <{rg}Assignment> .",
                          f"{a} <{rg}model> <{ident}model/{model}> .",
                          f"{a} <{rg}role> <{ident}role/{role}> .",
                          f"{a} <{rg}function> <{ident}function/{function}> .",
                          f"{a} <{rg}basis> <http://www.legislation.gov.uk/id/ukpga/1989/41/"
                          f"section/{rng.randint(1, 60)}> ."]
    path = folder / "generated.nt"
    path.write_text("\n".join(lines) + "\n")
    return [path]


# --- servers ---------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the session we started
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(name: str, command: list[str], port: int, log: Path,
          env: dict[str, str] | None = None, path: str = "/sparql") -> Server:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True, env={**os.environ, **(env or {})})
    server = Server(name, process, f"http://127.0.0.1:{port}{path}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
        try:
            ask = server.url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
            with urllib.request.urlopen(ask, timeout=2):
                return server
        except OSError:
            time.sleep(0.1)  # poll interval while the server starts
    server.stop()
    raise RuntimeError(f"{name} did not start: {log.read_text()[-2000:]}")


def start_all(files: list[Path], workers: int, threads: int, folder: Path) -> list[Server]:
    graph_args = [arg for path in files for arg in ("--graph", str(path))]
    servers = []
    port = free_port()
    servers.append(start("rolegraph", [str(BIN / "rolegraph"), "serve", *graph_args,
                                       "--port", str(port), "--workers", str(workers),
                                       "--threads", str(threads)],
                         port, folder / "rolegraph.log",
                         {"ROLEGRAPH_RATE_LIMIT_EXEMPT": '["127.0.0.1"]'}))
    port = free_port()
    servers.append(start("rdflib-endpoint", [str(BIN / "rdflib-endpoint"), "serve",
                                             *map(str, files), "--host", "127.0.0.1",
                                             "--port", str(port)],
                         port, folder / "rdflib-endpoint.log", path="/"))  # its CLI serves /
    location = folder / "oxigraph"
    for path in files:
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location),
                        "--file", str(path)], check=True, capture_output=True)
    port = free_port()
    servers.append(start("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location",
                                      str(location), "--bind", f"127.0.0.1:{port}"],
                         port, folder / "oxigraph.log", path="/query"))
    port = free_port()
    servers.append(start("ceiling", [str(BIN / "gunicorn"), "--chdir", str(HERE), "-w",
                                     str(workers), "-b", f"127.0.0.1:{port}",
                                     "--log-level", "warning", "http_bench:ceiling_app()"],
                         port, folder / "ceiling.log"))
    port = free_port()
    servers.append(start("ceiling-granian", [
        str(BIN / "granian"), "--interface", "wsgi", "--working-dir", str(HERE), "--factory",
        "--workers", str(workers), "--blocking-threads", str(threads), "--port", str(port),
        "--log-level", "warning", "http_bench:ceiling_app"], port, folder / "granian.log"))
    return servers


# --- measuring -------------------------------------------------------------------------

@dataclass
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def rows_of(url: str, query: str) -> int:
    text = query.replace("{N}", "0")
    request = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": text}),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return len(json.load(response)["results"]["bindings"])


# Each request a query text no other request of any run has sent: {N} becomes the run's
# random prefix, the wrk thread and a counter (digits: nothing to URL-encode).
LUA = r"""
local path = %(path)s
local counter, run = 0, %(run)d
local threads = {}
function setup(thread) thread:set("id", #threads + 1); table.insert(threads, thread) end
function request()
  counter = counter + 1
  local n = string.format("%%d%%d%%09d", run, id, counter)
  return wrk.format("GET", (path:gsub("{N}", n)),
                    {["Accept"] = "application/sparql-results+json"})
end
"""


def lua_script(url: str, query: str, folder: Path) -> Path:
    path = urllib.parse.urlsplit(url).path + "?query=" + urllib.parse.quote(
        query, safe="").replace("%7BN%7D", "{N}")
    script = folder / f"distinct-{random.randrange(10**9)}.lua"
    script.write_text(LUA % {"path": json.dumps(path), "run": random.randrange(10**6)})
    return script


def wrk(url: str, query: str, duration: int, folder: Path, connections: int = 16) -> Figures:
    script = lua_script(url, query, folder)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          "--timeout", "10s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    errors = sum(int(n) for n in re.findall(
        r"(?:Non-2xx or 3xx responses|connect|read|write|timeout):? (\d+)", out))
    return Figures(rps, latency(out, "50%"), latency(out, "99%"), errors)


def latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of `pid` and every process below it."""
    total = 0.0
    for process in descendants(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def settle(servers: list[Server], limit: float = 120.0) -> None:
    """Wait until no server is still working off a previous run's queued requests (a slow
    engine keeps evaluating after wrk stops, and would slow the next one measured)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = sum(tree_cpu_seconds(s.process.pid) for s in servers)
        time.sleep(1.0)
        if sum(tree_cpu_seconds(s.process.pid) for s in servers) - before < 0.05:
            return


def median_figures(runs: list[Figures]) -> Figures:
    return Figures(statistics.median(r.rps for r in runs),
                   statistics.median(r.p50_ms for r in runs),
                   statistics.median(r.p99_ms for r in runs), sum(r.errors for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="rolegraph's --threads")
    parser.add_argument("--generated", action="store_true", help="use generated data")
    parser.add_argument("--queries", default="lookup,aggregate")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (scripts/setup does)")
    folder = Path(tempfile.mkdtemp(prefix="rolegraph-bench-"))
    files = None if args.generated else snapshot_files()
    files = files or generated_graph(folder)
    print(f"# data: {', '.join(map(str, files))}; wrk -t2 -c16 -d{args.duration}s, "
          f"{args.rounds} rounds, distinct query texts, {args.workers} workers, "
          f"{os.cpu_count()} CPUs, load before {os.getloadavg()[0]:.2f}")
    servers = start_all(files, args.workers, args.threads, folder)
    try:
        report(servers, args, folder)
    finally:
        for server in servers:
            server.stop()


def report(servers: list[Server], args: argparse.Namespace, folder: Path) -> None:
    names = args.queries.split(",")
    engines = [s for s in servers if not s.name.startswith("ceiling")]
    for name in names:  # every engine must give the same answer before being timed
        counts = {s.name: rows_of(s.url, QUERIES[name]) for s in engines}
        print(f"# {name}: rows {counts}")
        if len(set(counts.values())) != 1:
            sys.exit(f"engines disagree on {name}: {counts}")
    for server in servers:  # warm up
        wrk(server.url, QUERIES["lookup"], 2, folder)
        settle(servers)
    results: dict[tuple[str, str], list[Figures]] = {}
    # rolegraph, then the ceilings right after it: the machine's speed drifts within minutes,
    # and the share of the ceiling is read round by round, from runs side by side in time.
    order = sorted(servers, key=lambda s: ("rolegraph", "ceiling", "ceiling-granian",
                                           "rdflib-endpoint", "oxigraph").index(s.name))
    for _ in range(args.rounds):
        for name in names:
            for server in order:
                if server.name.startswith("ceiling") and name != "lookup":
                    continue
                figures = wrk(server.url, QUERIES[name], args.duration, folder)
                results.setdefault((server.name, name), []).append(figures)
                print(f"# {server.name} {name}: {figures.rps:,.0f} req/s, p99 "
                      f"{figures.p99_ms:.1f} ms (load {os.getloadavg()[0]:.2f})", flush=True)
                settle(servers)
    print_table({key: median_figures(runs) for key, runs in results.items()})
    shares = [r.rps / c.rps for r, c in zip(results[("rolegraph", "lookup")],
                                            results[("ceiling", "lookup")], strict=True)]
    print(f"\nrolegraph's lookup as a share of the Flask ceiling measured next to it, round by "
          f"round: {', '.join(f'{x:.2f}' for x in shares)} (median {statistics.median(shares):.2f}; "
          "target >= 0.5)")
    rolegraph = next(s for s in servers if s.name == "rolegraph")
    wide = []
    for _ in range(args.rounds):
        wide.append(wrk(rolegraph.url, QUERIES["lookup"], args.duration, folder, connections=64))
        print(f"# rolegraph lookup, 64 connections: {wide[-1].rps:,.0f} req/s, p99 "
              f"{wide[-1].p99_ms:.1f} ms, {wide[-1].errors} errors", flush=True)
        settle(servers)
    f = median_figures(wide)
    print(f"\nrolegraph, distinct lookups at 64 connections (median of {args.rounds}): "
          f"{f.rps:,.0f} req/s, p50 {f.p50_ms:.1f} ms, p99 {f.p99_ms:.1f} ms, "
          f"{f.errors} errors (target: p99 < 50 ms, 0 errors); load after "
          f"{os.getloadavg()[0]:.2f}")


def print_table(figures: dict[tuple[str, str], Figures]) -> None:
    ceiling = figures[("ceiling", "lookup")].rps
    same_server = figures[("ceiling-granian", "lookup")].rps
    print("| server | query | req/s | p50 ms | p99 ms | errors | vs Flask ceiling (gunicorn) "
          "| vs ceiling on granian | vs rdflib-endpoint | vs oxigraph |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (server, query), f in figures.items():
        ratios = []
        for other in ("rdflib-endpoint", "oxigraph"):
            base = figures.get((other, query))
            ratios.append(f"{f.rps / base.rps:.2f}x" if base else "-")
        print(f"| {server} | {query} | {f.rps:,.0f} | {f.p50_ms:.2f} | {f.p99_ms:.2f} | "
              f"{f.errors} | {f.rps / ceiling:.2f} | {f.rps / same_server:.2f} | "
              f"{ratios[0]} | {ratios[1]} |")


if __name__ == "__main__":
    main()
