"""A remote SPARQL 1.1 store behind the same service (Virtuoso, Oxigraph server, Fuseki, ...).

Queries go through the SPARQL 1.1 Protocol (SPARQLWrapper). The store may hold many
snapshot versions, each in its own named graph (`GRAPH_BASE + snapshot id`); a pointer in a
control graph names the one served, so a load is switched in by one small update
(loader.py). `RemoteRunner` answers a `QueryJob` as the embedded runners do: the same
screening first, then the query is forwarded with an explicit dataset (the served version's
graph as the default graph, never the store's own default or union), and the answer is
parsed and re-serialised here, so every store gives the same formats, row cap and byte cap.
Dialect notes (what each store does differently): docs/remote-stores.md."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import Any

import pyoxigraph as ox
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from SPARQLWrapper import BASIC, DIGEST, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from rolegraph import config
from rolegraph.query import safety
from rolegraph.query.safety import Outcome, QueryJob, Refusal

log = logging.getLogger("rolegraph.remote")

GRAPH_BASE = "https://w3id.org/rolegraph/graph/"
CONTROL_GRAPH = GRAPH_BASE + "control"  # version records and the served pointer
SERVED_POINTER = GRAPH_BASE + "served"  # <served> sd:defaultGraph <version graph>
EMPTY_GRAPH = GRAPH_BASE + "empty"  # never written: stands for "no graph" in a dataset
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
USER_ENV, PASSWORD_ENV = "ROLEGRAPH_STORE_USER", "ROLEGRAPH_STORE_PASSWORD"

SOLUTIONS_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
TIMED_OUT = re.compile(r"timed? ?out|timeout|SR171", re.IGNORECASE)  # SR171: Virtuoso's
BNODE_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
EMPTY_STORE = ox.Store()  # parses a query (and tells its form) without touching data


def version_graph(snapshot_id: str) -> str:
    return GRAPH_BASE + snapshot_id


# --- settings and errors ----------------------------------------------------------------

@dataclass(frozen=True)
class StoreSettings:
    """Where the store is and how to log in; the password is never shown (repr=False)."""

    query_url: str
    update_url: str | None = None
    graph_store_url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"  # or "digest" (Virtuoso's /sparql-auth)

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> StoreSettings:
        auth = str(cfg.get(config.STORE_AUTH) or "basic").lower()
        if auth not in ("basic", "digest"):
            raise ValueError(f"{config.STORE_AUTH} must be 'basic' or 'digest', not {auth!r}")
        # Credentials straight from the environment (Flask's prefixed-env reading would turn
        # a password such as "true" or "123" into JSON values).
        user = os.environ.get(USER_ENV) or cfg.get(config.STORE_USER) or None
        password = os.environ.get(PASSWORD_ENV) or cfg.get(config.STORE_PASSWORD) or None
        return cls(str(cfg[config.STORE_URL]), cfg.get(config.UPDATE_URL) or None,
                   cfg.get(config.GRAPH_STORE_URL) or None, str(user) if user else None,
                   str(password) if password else None, auth)

    @property
    def where(self) -> str:
        """The query URL without any user:password@ part, for messages and logs."""
        parts = urllib.parse.urlsplit(self.query_url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class StoreError(Exception):
    """The store answered with an error (status > 0) or not at all."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class StoreUnavailable(StoreError):
    """No answer: connection refused, reset or the store went away mid-answer."""


class StoreTimeout(StoreError):
    """No answer within the time limit (ours, or the store's own)."""


@dataclass(frozen=True)
class ServedVersion:
    """The snapshot version the store's pointer names, as the version record describes it."""

    id: str
    graph: str
    triples: int
    subjects: int = 0
    named_graphs: frozenset[str] = frozenset()


# --- the store ----------------------------------------------------------------------------

class RemoteStore:
    """A SPARQL 1.1 store reached through the protocol (queries, updates, Graph Store)."""

    def __init__(self, settings: StoreSettings, timeout: float = 10.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RemoteStore({self.settings.where})"

    # queries --------------------------------------------------------------------------

    def request(self, text: str, *, accept: str, default_graphs: list[str] | None = None,
                named_graphs: list[str] | None = None, timeout: float | None = None,
                max_bytes: int = 0) -> tuple[bytes, str]:
        """POST a query; returns the body (at most max_bytes + 1 bytes) and its media type."""
        client = self._client(self.settings.query_url, timeout)
        client.setQuery(text)
        for iri in default_graphs or ():
            client.addParameter("default-graph-uri", iri)
        for iri in named_graphs or ():
            client.addParameter("named-graph-uri", iri)
        client.addCustomHttpHeader("Accept", accept)
        with store_errors():
            response = client.query().response
            try:
                body = response.read(max_bytes + 1) if max_bytes > 0 else response.read()
                media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            finally:
                response.close()
        return body, media_type

    def select(self, text: str, timeout: float | None = None) -> list[dict[str, str]]:
        """Rows of a SELECT (the store's whole dataset) as plain strings, for control work."""
        body, _ = self.request(text, accept=SOLUTIONS_ACCEPT, timeout=timeout)
        document = json.loads(body)
        return [{name: term["value"] for name, term in row.items()}
                for row in document.get("results", {}).get("bindings", [])]

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                           timeout=max(self.timeout, 300))
        return int(rows[0]["n"]) if rows else 0

    def served_version(self) -> ServedVersion | None:
        """The version the pointer names, or None if nothing was ever switched in."""
        rows = self.select(f"""
            SELECT ?graph ?id ?triples ?subjects ?named ?created WHERE {{
                GRAPH <{CONTROL_GRAPH}> {{
                <{SERVED_POINTER}> <{SD}defaultGraph> ?graph .
                ?graph <{DCTERMS}identifier> ?id ; <{VOID}triples> ?triples .
                OPTIONAL {{ ?graph <{DCTERMS}created> ?created }}
                OPTIONAL {{ ?graph <{VOID}distinctSubjects> ?subjects }}
                OPTIONAL {{ ?graph <{SD}namedGraph> ?named }} }} }}""")
        if not rows:
            return None
        # Two pointers only for the instant of a switch (loader.switch): the newer wins.
        first = max(rows, key=lambda row: row.get("created", ""))
        rows = [row for row in rows if row["graph"] == first["graph"]]
        return ServedVersion(first["id"], first["graph"], int(first["triples"]),
                             int(first.get("subjects", 0)),
                             frozenset(row["named"] for row in rows if "named" in row))

    # updates --------------------------------------------------------------------------

    def update(self, text: str, timeout: float | None = None) -> None:
        client = self._client(self.settings.update_url or self.settings.query_url,
                              timeout or max(self.timeout, 300))
        client.setQuery(text)
        client.setMethod(POST)
        with store_errors():
            client.query().response.close()

    def post_graph(self, graph: str, turtle: bytes, timeout: float | None = None) -> None:
        """Graph Store Protocol POST (merge): add a Turtle / N-Triples document to `graph`."""
        url = self.settings.graph_store_url
        assert url, "post_graph needs a Graph Store URL"
        separator = "&" if "?" in url else "?"
        target = f"{url}{separator}graph={urllib.parse.quote(graph, safe='')}"
        request = urllib.request.Request(target, data=turtle, method="POST",
                                         headers={"Content-Type": "text/turtle"})
        with store_errors():
            try:
                with self._opener(target).open(request, timeout=timeout or 300) as answer:
                    answer.read()
            except urllib.error.HTTPError as error:
                raise StoreError(f"Graph Store POST to {graph} failed: {error.code} "
                                 f"{error.read()[:500].decode(errors='replace')}",
                                 error.code) from error

    # plumbing -------------------------------------------------------------------------

    def _client(self, url: str, timeout: float | None) -> SPARQLWrapper:
        client = SPARQLWrapper(url)
        client.setOnlyConneg(True)  # no format=/output= parameters: Accept alone decides
        client.setMethod(POST)  # form-encoded: no URL length limit
        # setTimeout() would round to whole seconds; urllib takes a float
        client.timeout = timeout or self.timeout  # type: ignore[assignment]
        if self.settings.user and self.settings.password:
            client.setHTTPAuth(DIGEST if self.settings.auth == "digest" else BASIC)
            client.setCredentials(self.settings.user, self.settings.password)
        return client

    def _opener(self, url: str) -> urllib.request.OpenerDirector:
        if not (self.settings.user and self.settings.password):
            return urllib.request.build_opener()
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, self.settings.user, self.settings.password)
        handler: urllib.request.BaseHandler = (
            urllib.request.HTTPDigestAuthHandler(passwords) if self.settings.auth == "digest"
            else urllib.request.HTTPBasicAuthHandler(passwords))
        return urllib.request.build_opener(handler)


@contextmanager
def store_errors() -> Iterator[None]:
    """Map urllib / SPARQLWrapper failures onto the StoreError kinds."""
    try:
        yield
    except StoreError:
        raise
    except SPARQLWrapperException as error:
        status = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404,
                  "URITooLong": 414}.get(type(error).__name__, 500)
        message = error_text(error)
        if status >= 500 and TIMED_OUT.search(message):
            raise StoreTimeout(message, status) from error
        raise StoreError(message, status) from error
    except urllib.error.HTTPError as error:
        message = error.read()[:2000].decode(errors="replace")
        if error.code >= 500 and TIMED_OUT.search(message):
            raise StoreTimeout(message, error.code) from error
        if error.code in (502, 503, 504):
            raise StoreUnavailable(f"{error.code} {message}", error.code) from error
        raise StoreError(message, error.code) from error
    except (urllib.error.URLError, OSError, HTTPException) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise StoreTimeout("no answer within the time limit") from error
        raise StoreUnavailable(f"{type(reason).__name__}: {reason}") from error


def error_text(error: SPARQLWrapperException) -> str:
    """The store's own message, without the query some stores echo after it (Virtuoso)."""
    raw = getattr(error, "response", None)
    body = raw.decode(errors="replace") if isinstance(raw, bytes) else str(error)
    return body.split("\nSPARQL query:")[0].strip()[:1000]


def open_served(cfg: Mapping[str, Any]) -> tuple[RemoteStore, ServedVersion]:
    """The store `cfg` names (STORE_URL, STORE_AUTH, credentials from the environment; queries
    bounded by QUERY_TIMEOUT) and the version its pointer serves: how `rolegraph serve` and
    every command with --store-url reach a store. StoreError, saying what to do, when it does
    not answer or serves no version yet."""
    settings = StoreSettings.from_config(cfg)
    store = RemoteStore(settings, timeout=float(cfg.get(config.QUERY_TIMEOUT) or
                                                config.DefaultConfig.QUERY_TIMEOUT))
    try:
        version = store.served_version()
    except StoreError as error:
        raise StoreError(f"the SPARQL store at {settings.where} did not answer: {error}",
                         error.status) from error
    if version is None:
        raise StoreError(f"the SPARQL store at {settings.where} serves no rolegraph version "
                         "yet: run `rolegraph load --store-url ...` first")
    return store, version


# --- answering a query ------------------------------------------------------------------

class RemoteRunner:
    """Answers QueryJobs from the remote store: screen, parse locally, forward with the served
    version's dataset, re-serialise. No fork: the time limit is the HTTP timeout (and the
    store's own limit, which should be set too: docs/remote-stores.md)."""

    def __init__(self, store: RemoteStore, version: ServedVersion, *, timeout: float,
                 unknown_graphs: str = "refuse", refresh: float = 5.0,
                 on_change: Callable[[ServedVersion], None] = lambda _v: None) -> None:
        self.store = store
        self.version = version
        self.timeout = timeout
        self.unknown_graphs = unknown_graphs
        self.refresh = refresh
        self.on_change = on_change
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    def run(self, job: QueryJob) -> Outcome:
        try:
            version = self.current()
        except StoreError as error:
            return self.failure(error)
        if refusal := safety.screen(job.text, version.named_graphs, job.base_iri, job.prefixes):
            return refusal
        try:  # parsed here, so an error's line and column are the query's own
            form = EMPTY_STORE.query(job.text, base_iri=job.base_iri, prefixes=dict(job.prefixes))
        except SyntaxError as error:
            return safety.classify_syntax_error(job.text, error)
        graph_form = isinstance(form, ox.QueryTriples)
        if (job.graph_format if graph_form else job.solutions_format) is None:
            what = ("an RDF graph (CONSTRUCT/DESCRIBE)" if graph_form
                    else "SELECT/ASK results")
            return Refusal(safety.NOT_ACCEPTABLE,
                           f"none of the accepted media types can carry {what}")
        defaults, named = self.dataset(job, version)
        prologue = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in job.prefixes)
        text = (f"BASE <{job.base_iri}>\n" if job.base_iri else "") + prologue + job.text
        try:
            body, media_type = self.store.request(
                text, accept=GRAPH_ACCEPT if graph_form else SOLUTIONS_ACCEPT,
                default_graphs=defaults, named_graphs=named, timeout=self.timeout,
                max_bytes=job.max_bytes)
        except StoreError as error:
            return self.failure(error)
        if len(body) > job.max_bytes:
            return Refusal(safety.TOO_LARGE, f"the result is larger than {job.max_bytes} "
                           "bytes; narrow the query or page through it with LIMIT and OFFSET")
        try:
            if graph_form:
                return safety.graph_answer(parse_triples(body, media_type), job)  # type: ignore[arg-type]
            return safety.solutions_answer(parse_solutions(body), job)
        except safety.ResultTooLarge:
            return Refusal(safety.TOO_LARGE, f"the result is larger than {job.max_bytes} "
                           "bytes; narrow the query or page through it with LIMIT and OFFSET")
        except (SyntaxError, ValueError, OSError) as error:
            return Refusal(safety.UNAVAILABLE, f"the store's answer could not be read: {error}")

    def dataset(self, job: QueryJob, version: ServedVersion) -> tuple[list[str], list[str]]:
        """Always an explicit dataset: stores differ in what an unspecified one means (Virtuoso:
        the union of every graph) and in how FROM combines with the protocol's graphs
        (Virtuoso: adds them up). Graphs outside the served set read as empty."""
        served = version.named_graphs
        if job.default_graphs is not None or job.named_graphs is not None:
            defaults = [g for g in job.default_graphs or () if g in served]
            named = [g for g in job.named_graphs or () if g in served]
        elif (clauses := dataset_clauses(job.text, job.base_iri or "", job.prefixes)) is not None:
            defaults, named = clauses
        else:
            defaults, named = [version.graph], sorted(served)
        return defaults or [EMPTY_GRAPH], named or [EMPTY_GRAPH]

    def current(self) -> ServedVersion:
        """The served version, re-read from the store's pointer every `refresh` seconds."""
        if time.monotonic() - self._checked < self.refresh:
            return self.version
        with self._lock:
            if time.monotonic() - self._checked < self.refresh:
                return self.version
            found = self.store.served_version()
            self._checked = time.monotonic()
            if found is None:
                raise StoreError("the store has no served rolegraph version "
                                 "(its control graph was cleared): run `rolegraph load`")
            if found != self.version:
                log.warning("the store now serves version %s (was %s)", found.id,
                            self.version.id)
                self.version = found
                self.on_change(found)
            return found

    def version_now(self) -> str:
        """The served version id for cache keys: refreshed when due, the last known if the
        store does not answer (a cached answer then stays right for that version)."""
        try:
            return self.current().id
        except StoreError:
            return self.version.id

    def failure(self, error: StoreError) -> Refusal:
        where = self.store.settings.where
        if isinstance(error, StoreTimeout):
            return Refusal(safety.TIMEOUT, f"the query ran past the time limit of "
                           f"{self.timeout:g} s and was stopped ({where}: {error})")
        if isinstance(error, StoreUnavailable) or error.status in (0, 401, 403, 404) \
                or error.status >= 500:
            log.warning("store %s: %s", where, error)
            return Refusal(safety.UNAVAILABLE, f"the SPARQL store behind this endpoint "
                           f"({where}) did not answer: {error}; try again shortly")
        return Refusal(safety.EVALUATION, f"the store could not evaluate the query: {error}")

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


def dataset_clauses(text: str, base: str, prefixes: tuple[tuple[str, str], ...] = ()
                    ) -> tuple[list[str], list[str]] | None:
    """The query's own FROM and FROM NAMED IRIs (None when it has neither). Only called
    after screening, which already refused graphs outside the served set."""
    if not safety.needs_screening(text):
        return None
    try:
        parsed = parseQuery(text)
    except ParseBaseException:
        return None
    query: CompValue = parsed[1]
    clauses = dict.get(query, "datasetClause") or []
    if not clauses:
        return None
    iris = list(safety.dataset_iris(parsed, base, prefixes))
    defaults = [iri for clause, iri in zip(clauses, iris, strict=True)
                if dict.get(clause, "default") is not None]
    named = [iri for clause, iri in zip(clauses, iris, strict=True)
             if dict.get(clause, "default") is None]
    return defaults, named


# --- reading the store's answers ----------------------------------------------------------

def parse_solutions(body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    """SPARQL JSON results from any store, read by Oxigraph; Virtuoso's dialect (its
    "typed-literal" term type, "nodeID://..." blank node labels) is put right first."""
    if b'"typed-literal"' in body or b'"bnode"' in body:
        body = normalised_json(body)
    result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert not isinstance(result, ox.QueryTriples)
    return result


def normalised_json(body: bytes) -> bytes:
    document = json.loads(body)
    labels: dict[str, str] = {}
    for row in document.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "typed-literal":
                term["type"] = "literal"
            elif term.get("type") == "bnode" and not BNODE_LABEL.match(term["value"]):
                term["value"] = labels.setdefault(term["value"], f"b{len(labels)}")
    return json.dumps(document).encode()


def parse_triples(body: bytes, media_type: str) -> Iterator[ox.Triple]:
    fmt = ox.RdfFormat.from_media_type(media_type) or ox.RdfFormat.N_TRIPLES
    for quad in ox.parse(body, format=fmt):
        yield quad.triple
