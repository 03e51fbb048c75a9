"""Query screening and the bounded query runner: what makes /sparql safe to expose.

Plain Python, no Flask: `evaluate` turns a `QueryJob` into bytes or a `Refusal`; `ForkRunner`
runs it in a forked child that can be killed, so a query past its time limit costs one
SIGKILL and a fresh fork, never a stuck worker (pyoxigraph has no cancellation and a thread
cannot be killed). Why each rule exists is in docs/decisions/*-engine.md."""

from __future__ import annotations

import contextlib
import csv
import ctypes
import io
import logging
import os
import pickle
import re
import resource
import select
import signal
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe
from typing import Any, TypeVar
from urllib.parse import urljoin

import pyoxigraph as ox
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from rolegraph.query.cache import AnswerCache
from rolegraph.query.engine import FORMATS, ResultFormat

log = logging.getLogger("rolegraph.safety")
T = TypeVar("T")

# Refusal kinds; web/sparql.py maps each to an HTTP status and a problem type.
MALFORMED = "malformed"
UPDATE = "update"
SERVICE = "service"
DATASET = "dataset"
NOT_ACCEPTABLE = "not-acceptable"
TOO_LARGE = "too-large"
TIMEOUT = "timeout"
EVALUATION = "evaluation"
CRASHED = "crashed"
UNAVAILABLE = "unavailable"  # a remote store did not answer (remote.py)

# A superset filter, not the judge: a query that nowhere contains these words cannot hold a
# SERVICE or FROM clause (SPARQL keywords have no escapes), so it skips the slow parse.
NEEDS_SCREENING = re.compile(r"service|from", re.IGNORECASE)
POSITION = re.compile(r"at (\d+):(\d+)")
# Fewest bytes one solution can take in each format: below max_rows * this, no count needed.
MIN_ROW_BYTES = {"json": 2, "xml": 17, "csv": 2, "tsv": 1}


@dataclass(frozen=True)
class QueryJob:
    """One query as the protocol layer understood it; picklable, sent to the child."""

    text: str
    default_graphs: tuple[str, ...] | None = None  # protocol dataset; None: the query's own
    named_graphs: tuple[str, ...] | None = None
    solutions_format: str | None = "json"  # a key of engine.FORMATS, None: none acceptable
    graph_format: str | None = "turtle"
    max_rows: int = 100_000
    max_bytes: int = 64 * 1024 * 1024
    base_iri: str | None = None  # relative IRIs resolve against it (the endpoint's URL)

    def key(self) -> tuple[object, ...]:
        """The job as a tuple of strings and numbers (which the garbage collector does not
        track): what makes two jobs' answers the same."""
        return (self.text, self.default_graphs, self.named_graphs, self.solutions_format,
                self.graph_format, self.max_rows, self.max_bytes, self.base_iri)


@dataclass(frozen=True)
class Answer:
    body: bytes
    format: str


@dataclass(frozen=True)
class Refusal:
    kind: str
    message: str
    position: dict[str, int] = field(default_factory=dict)  # line and column, when known


Outcome = Answer | Refusal


class ResultTooLarge(Exception):
    """Raised from inside pyoxigraph's serialiser when the output passes the byte cap."""


# --- screening -------------------------------------------------------------------------

def screen(text: str, served_graphs: frozenset[str] | None,
           base_iri: str | None = None) -> Refusal | None:
    """Refuse SERVICE anywhere, and FROM / FROM NAMED naming a graph the dataset lacks
    (unless `served_graphs` is None: any graph name then reads as an empty graph).

    rdflib's parser is the judge (comments, strings and IRIs cannot fool it); a query it
    cannot read is refused rather than run unchecked, since pyoxigraph would call SERVICE."""
    if not NEEDS_SCREENING.search(text):
        return None
    try:
        parsed = parseQuery(text)
    except ParseBaseException as error:
        return Refusal(MALFORMED, f"{error.msg} (checked by the safety parser, which must "
                       "read any query that mentions SERVICE or FROM)",
                       {"line": error.lineno, "column": error.col})
    if any(node.name == "ServiceGraphPattern" for node in walk(parsed)):
        return Refusal(SERVICE, "SERVICE is refused: this endpoint never queries other "
                       "endpoints (federated query is disabled).")
    if served_graphs is None:
        return None
    outside = sorted(set(dataset_iris(parsed, base_iri or "")) - served_graphs)
    if outside:
        return Refusal(DATASET, f"FROM / FROM NAMED names graphs this endpoint does not "
                       f"serve, and it never fetches graphs: {', '.join(outside)}")
    return None


def walk(node: Any) -> Iterator[CompValue]:
    """Every CompValue in a parse tree (they are dicts; lists and ParseResults nest them)."""
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        for item in node:
            yield from walk(item)


def dataset_iris(parsed: Any, base: str = "") -> Iterator[str]:
    """The IRIs of the query's FROM / FROM NAMED clauses, prefixed names and BASE resolved.
    (dict.get, since CompValue.get answers a missing key with the key's own name.)"""
    prologue, query = parsed[0], parsed[1]
    prefixes: dict[str, str] = {}
    for decl in prologue:
        if decl.name == "Base":
            base = urljoin(base, str(dict.get(decl, "iri")))
        elif decl.name == "PrefixDecl":
            prefixes[dict.get(decl, "prefix") or ""] = urljoin(base, str(dict.get(decl, "iri")))
    for clause in dict.get(query, "datasetClause") or []:
        term = dict.get(clause, "default") or dict.get(clause, "named")
        if isinstance(term, CompValue) and term.name == "pname":
            yield prefixes.get(dict.get(term, "prefix") or "", "") + (
                dict.get(term, "localname") or "")
        else:
            yield urljoin(base, str(term))


def classify_syntax_error(text: str, error: SyntaxError) -> Refusal:
    """pyoxigraph could not read it as a query: an update is refused as such, else malformed."""
    try:
        parseUpdate(text)
    except ParseBaseException:
        found = POSITION.search(str(error))
        position = {"line": int(found[1]), "column": int(found[2])} if found else {}
        return Refusal(MALFORMED, str(error), position)
    return Refusal(UPDATE, "SPARQL Update is refused: this endpoint is read-only "
                   "(INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD).")


# --- evaluation (runs in the query child) ----------------------------------------------

def evaluate(store: ox.Store, served_graphs: frozenset[str] | None, job: QueryJob) -> Outcome:
    """Screen, run and serialise one query, within the job's row and byte caps."""
    if refusal := screen(job.text, served_graphs, job.base_iri):
        return refusal
    try:
        result = store.query(job.text, base_iri=job.base_iri, **dataset_arguments(job))
    except SyntaxError as error:
        return classify_syntax_error(job.text, error)
    except (OSError, ValueError, RuntimeError) as error:  # e.g. an unknown custom function
        return Refusal(EVALUATION, f"the query could not be evaluated: {error}")
    try:
        if isinstance(result, ox.QueryTriples):
            return graph_answer(result, job)
        return solutions_answer(result, job)
    except ResultTooLarge:
        return Refusal(TOO_LARGE, f"the result is larger than {job.max_bytes} bytes; "
                       "narrow the query or page through it with LIMIT and OFFSET")
    except (OSError, ValueError, RuntimeError) as error:
        return Refusal(EVALUATION, f"the query could not be evaluated: {error}")


def dataset_arguments(job: QueryJob) -> dict[str, Any]:
    """A protocol dataset replaces the query's FROM clauses as a whole (SPARQL 1.1
    Protocol §2.1.4): a missing half is empty, not the store's."""
    if job.default_graphs is None and job.named_graphs is None:
        return {}
    return {"default_graph": [ox.NamedNode(iri) for iri in job.default_graphs or ()],
            "named_graphs": [ox.NamedNode(iri) for iri in job.named_graphs or ()]}


def solutions_answer(result: ox.QuerySolutions | ox.QueryBoolean, job: QueryJob) -> Outcome:
    if job.solutions_format is None:
        return Refusal(NOT_ACCEPTABLE, "none of the accepted media types can carry "
                       "SELECT/ASK results")
    fmt = FORMATS[job.solutions_format]
    body = capped_serialize(result, fmt, job.max_bytes)
    if isinstance(result, ox.QuerySolutions) and count_over(body, fmt, job.max_rows):
        return too_many(job.max_rows, "solutions")
    return Answer(body, fmt.name)


def graph_answer(result: ox.QueryTriples, job: QueryJob) -> Outcome:
    if job.graph_format is None:
        return Refusal(NOT_ACCEPTABLE, "none of the accepted media types can carry an RDF "
                       "graph (CONSTRUCT/DESCRIBE)")
    triples = []
    for triple in result:
        triples.append(triple)
        if len(triples) > job.max_rows:
            return too_many(job.max_rows, "triples")
    fmt = FORMATS[job.graph_format]
    buffer = CappedBuffer(job.max_bytes)
    ox.serialize(triples, buffer, format=fmt.oxigraph)  # type: ignore[arg-type]
    return Answer(buffer.getvalue(), fmt.name)


def too_many(limit: int, what: str) -> Refusal:
    return Refusal(TOO_LARGE, f"the result has more than {limit} {what}, the limit here; "
                   "narrow the query or page through it with LIMIT and OFFSET")


class CappedBuffer(io.BytesIO):
    """A BytesIO that stops the serialiser once `limit` bytes are written."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > self.limit:
            raise ResultTooLarge
        return super().write(data)


def capped_serialize(result: ox.QuerySolutions | ox.QueryBoolean, fmt: ResultFormat,
                     limit: int) -> bytes:
    buffer = CappedBuffer(limit)
    result.serialize(buffer, format=fmt.oxigraph)  # type: ignore[arg-type]
    return buffer.getvalue()


def count_over(body: bytes, fmt: ResultFormat, limit: int) -> bool:
    """Whether a serialised result holds more than `limit` solutions. Small bodies cannot,
    so the exact count (a re-parse) is paid only by results near the cap."""
    if len(body) <= limit * MIN_ROW_BYTES[fmt.name]:
        return False
    if fmt.name == "tsv":  # TSV escapes newlines inside terms: one line per solution
        return body.count(b"\n") - 1 > limit
    if fmt.name == "csv":
        return sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1 > limit
    parsed = ox.parse_query_results(body, format=fmt.oxigraph)  # type: ignore[arg-type]
    rows = 0
    for _ in parsed:  # type: ignore[union-attr]
        rows += 1
    return rows > limit


# --- runners ---------------------------------------------------------------------------

Work = Callable[[QueryJob], Outcome]


class InlineRunner:
    """Evaluates in the calling process: no time limit. For tools and for measuring."""

    def __init__(self, work: Work) -> None:
        self.work = work

    def run(self, job: QueryJob) -> Outcome:
        return self.work(job)

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


class CachingRunner:
    """Remembers answers (never refusals) per process (cache.AnswerCache). Sound because the
    store is an immutable snapshot: a job's answer cannot change while this process lives."""

    def __init__(self, inner: InlineRunner | ForkRunner, budget_bytes: int) -> None:
        self.inner = inner
        self.answers: AnswerCache[tuple[bytes, str]] = AnswerCache(budget_bytes)

    def run(self, job: QueryJob) -> Outcome:
        key = job.key()
        if (hit := self.answers.get(key)) is not None:
            body, fmt = hit
            return Answer(body, fmt)
        outcome = self.inner.run(job)
        if isinstance(outcome, Answer):
            self.answers.offer(key, (outcome.body, outcome.format),
                               len(outcome.body) + len(job.text))
        return outcome

    def start(self) -> None:
        self.inner.start()

    def close(self) -> None:
        self.inner.close()


@dataclass
class Child:
    pid: int
    end: Connection  # the worker's end of a socketpair (owns the descriptor; closes it
    # silently if the runner is dropped unclosed); read and written raw, in frames
    ready: select.poll  # polls `end` for the answer, with the time limit


class ForkRunner:
    """Forked query children of this process (a server worker), sharing the store with it
    copy-on-write: one per query being answered at once (a threaded worker answers several),
    reused most recently idle first, so one or two stay warm. A child past the time limit is
    SIGKILLed; the next query that needs one forks a fresh one. Jobs and outcomes travel as
    length-prefixed pickles on a socketpair, read and written whole (Connection's own send
    and recv read twice and build a selector per poll)."""

    def __init__(self, work: Work, timeout: float, memory_mb: int = 0) -> None:
        self.work = work
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._idle: list[Child] = []
        self._owner = 0  # the pid that forked _idle: a forked worker must fork its own
        self._lock = threading.Lock()

    def run(self, job: QueryJob) -> Outcome:
        child = self._take()
        fd = child.end.fileno()
        try:
            send_frame(fd, pickle.dumps(job))
            if not child.ready.poll(int(self.timeout * 1000)):
                self._kill(child)
                return Refusal(TIMEOUT, f"the query ran past the time limit of "
                               f"{self.timeout:g} s and was stopped")
            outcome: Outcome = pickle.loads(read_frame(fd))
        except (EOFError, OSError):
            return crashed(self._kill(child))
        self._give_back(child)
        return outcome

    def start(self) -> None:
        """Fork a child now (e.g. as a worker starts) rather than on the first query."""
        self._give_back(self._take())

    def close(self) -> None:
        with self._lock:
            if self._owner == os.getpid():
                for child in self._idle:
                    self._kill(child)
            self._idle = []

    def _take(self) -> Child:
        with self._lock:
            if self._owner != os.getpid():  # inherited from the parent: theirs, not ours
                self._idle, self._owner = [], os.getpid()
            if self._idle:
                return self._idle.pop()
        return self._fork()

    def _give_back(self, child: Child) -> None:
        with self._lock:
            self._idle.append(child)

    @staticmethod
    def _kill(child: Child) -> int:
        with contextlib.suppress(ProcessLookupError):  # it may have exited already
            os.kill(child.pid, signal.SIGKILL)
        child.end.close()
        return os.waitpid(child.pid, 0)[1]

    def _fork(self) -> Child:
        parent_end, child_end = Pipe(duplex=True)  # a socketpair
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which only ever _exits
            try:
                keep_only(child_end.fileno())
                child_loop(child_end.fileno(), self.work, self.timeout, self.memory_mb)
            finally:
                os._exit(0)
        child_end.close()
        ready = select.poll()
        ready.register(parent_end.fileno(), select.POLLIN)
        return Child(pid, parent_end, ready)


FRAME = struct.Struct("!Q")  # a frame: its payload's length, then the payload


def send_frame(fd: int, payload: bytes) -> None:
    data = memoryview(FRAME.pack(len(payload)) + payload)
    while data:
        data = data[os.write(fd, data):]


def read_frame(fd: int) -> bytes:
    """One whole frame (EOFError if the other end closed first). The exchange is strictly
    one frame each way, so a read can never take bytes of the next frame."""
    data = os.read(fd, 1 << 16)
    while len(data) < FRAME.size or len(data) < FRAME.size + FRAME.unpack_from(data)[0]:
        need = (FRAME.size + FRAME.unpack_from(data)[0] if len(data) >= FRAME.size
                else FRAME.size) - len(data)
        more = os.read(fd, min(need, 1 << 20))
        if not more:
            raise EOFError("the other end closed mid-frame")
        data += more
    return data[FRAME.size:]


def keep_only(fd: int) -> None:  # pragma: no cover - child process
    """Close every inherited descriptor but stdio and `fd`: the worker's client connections
    (a child holding one keeps it open after the worker closes it) and its other children's
    pipes (children holding each other's pipes never see their worker go, and outlive it)."""
    os.closerange(3, fd)
    os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX"))


def crashed(status: int) -> Refusal:
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGSEGV):
        return Refusal(CRASHED, "the query process stopped (most likely it needed more "
                       "memory than a query may use); it has been restarted")
    return Refusal(CRASHED, "the query process stopped unexpectedly; it has been restarted")


def child_signals() -> None:  # pragma: no cover - child process
    """A forked child's signals: the server worker's handlers are not ours, and a stop signal
    sent to the whole process group (systemd, Ctrl-C, killpg) must not kill the work a
    worker is finishing in its graceful shutdown: the child ends on EOF when its worker
    exits, on SIGKILL from the worker, or at a SIGALRM backstop."""
    for number in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGALRM):
        signal.signal(number, signal.SIG_DFL)
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)


def child_loop(fd: int, work: Work, timeout: float,
               memory_mb: int) -> None:  # pragma: no cover - child process
    """Serve jobs until the worker goes away (EOF on the socket)."""
    child_signals()
    isolate_network()
    limit_memory(memory_mb)
    while True:
        try:
            job = pickle.loads(read_frame(fd))
        except (EOFError, OSError):
            return
        # Backstop for an orphaned child: SIGALRM at its default action ends the process
        # even inside Rust code, should the worker die without killing us.
        signal.setitimer(signal.ITIMER_REAL, timeout + 5)
        try:
            outcome = work(job)
        except Exception as error:  # a bug of ours: say so, keep serving
            log.exception("query evaluation failed")
            outcome = Refusal(CRASHED, f"internal error: {type(error).__name__}")
        signal.setitimer(signal.ITIMER_REAL, 0)
        send_frame(fd, pickle.dumps(outcome))


# --- any other bounded work: one call in a fresh killable child --------------------------

class Overtime(Exception):
    """`run_in_child`'s work ran past its time limit; the child was killed."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"stopped at the time limit of {timeout:g} s")
        self.timeout = timeout


class ChildFailed(Exception):
    """`run_in_child`'s child died without an answer (e.g. out of memory)."""


def run_in_child(work: Callable[[], T], timeout: float, memory_mb: int = 0) -> T:
    """`work()` in a forked child that is SIGKILLed, with every process it started, at
    `timeout` seconds (Overtime); what the work raises is raised here. The same design as
    ForkRunner, one fork per call: for work that is not a query (a proposal's SHACL check,
    a drawing, a PDF), which needs the worker's memory as it is (copy-on-write) rather than
    a job sent to a long-lived child. The work's value must pickle; it travels by pipe.
    `timeout` <= 0 runs the work here, unbounded (as QUERY_ISOLATION=inline)."""
    if timeout <= 0:
        return work()
    parent_end, child_end = Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which only ever _exits
        parent_end.close()
        try:
            os.setpgid(0, 0)  # its own group: a kill reaches Graphviz and any helper too
            child_signals()
            signal.setitimer(signal.ITIMER_REAL, timeout + 5)  # backstop if orphaned
            limit_memory(memory_mb)
            child_end.send(outcome_of(work))
        finally:
            os._exit(0)
    child_end.close()
    with contextlib.suppress(PermissionError, ProcessLookupError):
        os.setpgid(pid, pid)  # set on both sides, so a kill right now reaches the group
    kind: str
    value: Any = None
    try:
        answered = parent_end.poll(timeout)
        kind, value = parent_end.recv() if answered else ("overtime", None)
    except (EOFError, OSError):
        kind = "died"
    finally:
        status = end_child(pid)
        parent_end.close()
    if kind == "overtime":
        raise Overtime(timeout)
    if kind == "died":
        raise ChildFailed(describe(status, "the child stopped"))
    if kind == "value":
        result: T = value
        return result
    raise rebuilt_error(value)


def outcome_of(work: Callable[[], Any]) -> tuple[str, Any]:  # pragma: no cover - child
    """The work's value, or what it raised as (class, args, attributes): exceptions with
    their own __init__ (dataclasses) do not survive pickle's default round trip."""
    try:
        value = work()
    except Exception as error:  # sent to the parent, which raises it
        state = {k: v for k, v in vars(error).items() if k not in ("__traceback__",)}
        payload: tuple[str, Any] = ("error", (type(error), error.args, state))
    else:
        payload = ("value", value)
    try:
        pickle.dumps(payload)
    except Exception as error:
        log.exception("a bounded call's outcome could not be sent")
        payload = ("error", (RuntimeError, (f"unsendable outcome: {type(error).__name__}",), {}))
    return payload


def rebuilt_error(sent: tuple[type[BaseException], tuple[Any, ...], dict[str, Any]],
                  ) -> BaseException:
    cls, args, state = sent
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


def end_child(pid: int) -> int:
    """SIGKILL the child's process group (a no-op once it has exited) and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def describe(status: int, what: str) -> str:
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGSEGV):
        return f"{what} (most likely it needed more memory than it may use)"
    return f"{what} unexpectedly"


CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def isolate_network() -> bool:
    """Move this process into an empty network namespace (Linux user namespaces), so that
    even a query the screen missed cannot open a connection. Best effort: not every host
    allows unprivileged user namespaces; screening alone still refuses SERVICE then."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
            return True
        reason = os.strerror(ctypes.get_errno())
    except (OSError, AttributeError) as error:
        reason = str(error)
    log.warning("query child runs without network isolation (%s); relying on screening",
                reason)
    return False


def limit_memory(extra_mb: int) -> None:
    """Cap the child's address space at its current size plus `extra_mb` (0: no cap)."""
    if extra_mb <= 0:
        return
    size = current_address_space()
    if size:
        limit = size + extra_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def current_address_space() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def warm_up(store: ox.Store, served_graphs: frozenset[str] | None) -> None:
    """Run each code path once in the parent, so forked children start with everything
    imported and compiled (they may not be able to read files once isolated)."""
    evaluate(store, served_graphs, QueryJob("SELECT * FROM <urn:x> { SERVICE <urn:y> {} }"))
    evaluate(store, served_graphs, QueryJob("INSERT DATA { <urn:a> <urn:b> <urn:c> }"))
    evaluate(store, served_graphs, QueryJob("ASK {}"))
