"""Killable children: where queries and other bounded work run, so that work past its time
limit costs one SIGKILL and a fresh fork, never a stuck worker (pyoxigraph has no
cancellation and a thread cannot be killed). `ForkRunner` keeps a pool of forked query
children per worker; `run_in_child` forks once for one call (a proposal check, a drawing).
Each child may be cut off from the network and capped in memory."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import resource
import select
import signal
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe
from typing import Any, TypeVar

from rolegraph.query.safety import CRASHED, TIMEOUT, Outcome, QueryJob, Refusal, Work

log = logging.getLogger("rolegraph.isolation")
T = TypeVar("T")


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
