"""Real SPARQL stores for the tests and bench/store_bench.py: OpenLink Virtuoso (Debian's
virtuoso-opensource, installed by scripts/setup) and the Oxigraph server (PyPI `oxigraph`),
each bound to 127.0.0.1 on free ports with a throwaway database folder."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import groups

VIRTUOSO = shutil.which("virtuoso-t")
OXIGRAPH = shutil.which("oxigraph") or (
    str(Path(sys.executable).parent / "oxigraph")
    if (Path(sys.executable).parent / "oxigraph").exists() else None)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Virtuoso's administrator in a fresh database; the loader logs in as it on /sparql-auth.
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 20
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
AllowOSCalls = 0
DirsAllowed = ., {dir}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
IndexTreeMaps = 64
MaxQueryMem = 1G
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
; 8 kB pages: {buffers} buffers (the Virtuoso guide: about 2/3 of the memory it may use)
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 20
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 20
MaxKeepAlives = 10
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
; Virtuoso cuts results at ResultSetMaxRows silently (10,000 in Debian's ini): rolegraph's
; own cap (MAX_ROWS) must be the one that acts, and it says so with a 503.
ResultSetMaxRows = 10000000
MaxSortedTopRows = 10000000
MaxQueryCostEstimationTime = 0
; the store's own stop for queries rolegraph has already given up on (its time limit is
; the HTTP timeout): an error (SR171), not Virtuoso's partial "anytime" answer
MaxQueryExecutionTime = {max_seconds}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(url: str) -> bool:
    try:
        request = urllib.request.Request(url + "?query=ASK%7B%7D",
                                         headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@dataclass
class StoreProcess:
    """A store we started (its own process group), with the URLs rolegraph needs."""

    kind: str
    folder: Path
    command: list[str]
    query_url: str
    update_url: str
    graph_store_url: str
    auth: str = "basic"
    user: str | None = None
    password: str | None = None
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / f"{self.kind}.out"

    def start(self, timeout: float = 60.0) -> StoreProcess:
        stale_lock = self.folder / "virtuoso.lck"  # left by a SIGKILL; Virtuoso would refuse
        if self.kind == "virtuoso" and stale_lock.exists():
            stale_lock.unlink()
        with self.log.open("ab") as out:
            self.process = groups.started(subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=self.folder, start_new_session=True))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited ({self.process.returncode}): "
                                   f"{self.log.read_text(errors='replace')[-3000:]}")
            if answers(self.query_url):
                return self
            time.sleep(0.1)  # poll interval while the store starts, not a synchronisation
        self.stop()
        raise RuntimeError(f"{self.kind} did not answer in {timeout} s: "
                           f"{self.log.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        """SIGKILL, as a crash would (the database folder stays for a restart)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group we started, by its id
            self.process.wait(timeout=30)
        if self.process is not None:
            groups.stopped(self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None:
            groups.stopped(self.process)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def environment(self) -> dict[str, str]:
        """ROLEGRAPH_* variables for a `rolegraph load` subprocess."""
        env = {"ROLEGRAPH_STORE_AUTH": self.auth}
        if self.user and self.password:
            env |= {"ROLEGRAPH_STORE_USER": self.user, "ROLEGRAPH_STORE_PASSWORD": self.password}
        return env

    def load_args(self) -> list[str]:
        return ["--store-url", self.query_url, "--update-url", self.update_url,
                "--graph-store-url", self.graph_store_url, "--store-auth", self.auth]


def virtuoso(folder: Path, memory_mb: int = 512, max_seconds: int = 30) -> StoreProcess:
    """Virtuoso on free ports; updates through /sparql-auth (digest, dba), never /sparql."""
    assert VIRTUOSO, "virtuoso-t is not installed (scripts/setup installs it)"
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    buffers = max(2000, memory_mb * 1024 // 8 * 2 // 3)
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
        dir=folder, sql_port=sql_port, http_port=http_port, buffers=buffers,
        dirty=buffers * 3 // 4, max_seconds=max_seconds))
    base = f"http://127.0.0.1:{http_port}"
    return StoreProcess("virtuoso", folder,
                        [VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                        base + "/sparql", base + "/sparql-auth",
                        base + "/sparql-graph-crud-auth", "digest",
                        VIRTUOSO_USER, VIRTUOSO_PASSWORD)


def oxigraph(folder: Path, timeout_s: int = 30) -> StoreProcess:
    """`oxigraph serve` on a free port with an on-disk database (so it survives a restart)."""
    assert OXIGRAPH, "the oxigraph command is not installed (pip install oxigraph)"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    return StoreProcess("oxigraph", folder,
                        [OXIGRAPH, "serve", "--location", str(folder / "db"),
                         "--bind", f"127.0.0.1:{port}", "--timeout-s", str(timeout_s)],
                        base + "/query", base + "/update", base + "/store")


def missing(kind: str) -> str | None:
    """Why a store cannot run here (None: it can)."""
    if kind == "virtuoso" and not VIRTUOSO:
        return "virtuoso-t not found: install Debian's virtuoso-opensource (scripts/setup does)"
    if kind == "oxigraph" and not OXIGRAPH:
        return "the oxigraph server is not installed: pip install oxigraph (the [test] extra)"
    return None
