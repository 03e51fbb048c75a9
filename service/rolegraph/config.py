"""Service settings: defaults here, overridden by ROLEGRAPH_* environment variables (read
by Flask's `from_prefixed_env`, values parsed as JSON: ROLEGRAPH_QUERY_TIMEOUT=2.5) and then
by CLI flags / `create_app(overrides)`. Every key is named once, as a constant below."""

from __future__ import annotations

from typing import Any

GRAPH_FILES = "GRAPH_FILES"              # RDF files to serve instead of the built snapshot
SOURCE = "SOURCE"                        # a source tree for the snapshot (None: the shipped one)
STATE_DIR = "STATE_DIR"                  # where snapshots are kept (None: ROLEGRAPH_HOME or cache)
QUERY_TIMEOUT = "QUERY_TIMEOUT"          # seconds per query before 503
MAX_ROWS = "MAX_ROWS"                    # solutions (or triples) per result before 503
MAX_RESULT_BYTES = "MAX_RESULT_BYTES"    # serialised result size before 503
QUERY_MEMORY_MB = "QUERY_MEMORY_MB"      # extra address space a query child may use
ISOLATION = "QUERY_ISOLATION"            # "fork" (killable child per worker) or "inline"
CACHE_MAX_AGE = "CACHE_MAX_AGE"          # seconds, Cache-Control on GET query answers
CORS_ORIGINS = "CORS_ORIGINS"            # Access-Control-Allow-Origin, every answer
ACCESS_LOG = "ACCESS_LOG"                # one JSON line per request on the rolegraph.access logger
RESULT_CACHE_MB = "RESULT_CACHE_MB"      # per worker: answers kept for repeated queries (0: off)
UNKNOWN_GRAPHS = "UNKNOWN_GRAPHS"        # "refuse" (400) or "empty": FROM/*-graph-uri not served
# A remote SPARQL 1.1 store instead of the embedded one (remote.py, docs/remote-stores.md).
STORE_URL = "STORE_URL"                  # its query endpoint; None: the embedded store
UPDATE_URL = "UPDATE_URL"                # its update endpoint (rolegraph load); None: STORE_URL
GRAPH_STORE_URL = "GRAPH_STORE_URL"      # its Graph Store Protocol endpoint, if any (load)
STORE_USER = "STORE_USER"                # credentials, from the environment only; never logged
STORE_PASSWORD = "STORE_PASSWORD"
STORE_AUTH = "STORE_AUTH"                # "basic" or "digest" (Virtuoso's /sparql-auth)
STORE_REFRESH = "STORE_REFRESH"          # seconds between reads of the served-version pointer
# Rate limits per client address, per worker (web/ratelimit.py, SECURITY.md).
RATE_LIMIT = "RATE_LIMIT"                # /sparql and /query: requests a second (0: all off)
RATE_LIMIT_BURST = "RATE_LIMIT_BURST"    # requests an idle address may make at once
RATE_LIMIT_EXEMPT = "RATE_LIMIT_EXEMPT"  # addresses never limited, e.g. ["127.0.0.1"]
RATE_LIMIT_PROXY_HOPS = "RATE_LIMIT_PROXY_HOPS"  # X-Forwarded-For entries to trust (0: none)
# Proposal checks run pySHACL in the worker (seconds each): a much lower limit of their own.
VALIDATE_RATE_LIMIT = "VALIDATE_RATE_LIMIT"
VALIDATE_RATE_LIMIT_BURST = "VALIDATE_RATE_LIMIT_BURST"
DRAW_RATE_LIMIT = "DRAW_RATE_LIMIT"      # diagrams and cards (Graphviz, WeasyPrint)
DRAW_RATE_LIMIT_BURST = "DRAW_RATE_LIMIT_BURST"  # a training pack's worth of cards at once
# Work that is not a query, bounded like one: a killable child per call (query/isolation.py
# run_in_child); past the limit, 503 check-timeout / render-timeout. 0: in the worker, unbounded.
VALIDATE_TIMEOUT = "VALIDATE_TIMEOUT"    # seconds per proposal check (/validate, /api/validate)
RENDER_TIMEOUT = "RENDER_TIMEOUT"        # seconds per drawing, card, brief, who's who, slides
# Drawings kept on disk per served version, shared by the workers (query/artefacts.py).
RENDER_CACHE_MB = "RENDER_CACHE_MB"      # the folder's size bound, oldest out (0: off)
# Not a Flask setting: read from the environment before the app exists (web/audit.py).
AUDIT_LOG_ENV = "ROLEGRAPH_AUDIT_LOG"    # a file to record every open and connect (tests)


class DefaultConfig:
    """Safe defaults: read-only, bounded in time, rows and size."""

    GRAPH_FILES: list[str] = []
    SOURCE: str | None = None
    STATE_DIR: str | None = None
    QUERY_TIMEOUT: float = 10.0
    MAX_ROWS: int = 100_000
    MAX_RESULT_BYTES: int = 64 * 1024 * 1024
    QUERY_MEMORY_MB: int = 2048
    QUERY_ISOLATION: str = "fork"
    CACHE_MAX_AGE: int = 300
    CORS_ORIGINS: str = "*"
    ACCESS_LOG: bool = True
    UNKNOWN_GRAPHS: str = "refuse"
    RESULT_CACHE_MB: int = 32
    STORE_URL: str | None = None
    UPDATE_URL: str | None = None
    GRAPH_STORE_URL: str | None = None
    STORE_USER: str | None = None
    STORE_PASSWORD: str | None = None
    STORE_AUTH: str = "basic"
    STORE_REFRESH: float = 5.0
    RATE_LIMIT: float = 100.0
    RATE_LIMIT_BURST: int = 1000
    RATE_LIMIT_EXEMPT: list[str] = []
    RATE_LIMIT_PROXY_HOPS: int = 0
    VALIDATE_RATE_LIMIT: float = 0.2
    VALIDATE_RATE_LIMIT_BURST: int = 10
    DRAW_RATE_LIMIT: float = 2.0
    DRAW_RATE_LIMIT_BURST: int = 60
    VALIDATE_TIMEOUT: float = 10.0
    RENDER_TIMEOUT: float = 15.0
    RENDER_CACHE_MB: int = 256
    # Flask's own request-size limit: a bigger body is 413 before we read it.
    MAX_CONTENT_LENGTH: int = 1024 * 1024
    MAX_FORM_MEMORY_SIZE: int = 1024 * 1024
    # The request target (path and query string, as sent): longer is 414 (queries: POST them).
    MAX_URL_LENGTH: int = 16 * 1024
    # flask-compress: SPARQL and RDF media types too, and only the algorithms we ship.
    COMPRESS_ALGORITHM: list[str] = ["br", "gzip"]
    COMPRESS_MIMETYPES: list[str] = [
        "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
        "text/tab-separated-values", "text/turtle", "application/n-triples",
        "application/ld+json", "application/rdf+xml", "application/json", "text/html",
        "application/problem+json",
    ]


def settings_summary(config: dict[str, Any]) -> dict[str, Any]:
    """The limits a client may want to know (served in the service description and /ready)."""
    return {key: config[key] for key in (QUERY_TIMEOUT, MAX_ROWS, MAX_RESULT_BYTES,
                                         "MAX_CONTENT_LENGTH")}
