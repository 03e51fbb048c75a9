"""A rate limit per client address on the surfaces that run queries, checks or drawings:
/sparql and the /query page (RATE_LIMIT), proposal checks, /validate (VALIDATE_RATE_LIMIT,
lower), and diagrams and role cards, /diagrams and /roles (DRAW_RATE_LIMIT: Graphviz and
WeasyPrint take 0.1-1 s a drawing, and parameters make thousands of distinct ones).
Over the limit: 429 problem+json with Retry-After, before any work is done (response-cache
hits included).

A token bucket per address, per worker process (workers share nothing): each
address may make RATE_LIMIT requests a second on average, in bursts of up to
RATE_LIMIT_BURST. Since the kernel spreads connections over the workers, one address gets
between RATE_LIMIT and workers x RATE_LIMIT a second in all. This is flask-limiter's
"memory://" storage semantics without the dependency; a limit that must be exact across
workers or hosts belongs in the reverse proxy (nginx `limit_req`) in front. The table of
addresses is bounded (least recently seen out first), so address spraying costs memory
that is capped, not unbounded."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from rolegraph import config
from rolegraph.web.problems import RATE_LIMITED, ProblemError, to_response

QUERY_PATHS: tuple[str, ...] = ("/sparql", "/query")
VALIDATE_PATHS: tuple[str, ...] = ("/validate", "/api/validate")
DRAW_PATHS: tuple[str, ...] = ("/diagrams", "/roles", "/whos-who", "/slides", "/briefs")
MAX_CLIENTS = 10_000

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class TokenBuckets:
    """One bucket per key: `rate` tokens a second, at most `burst` held."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = MAX_CLIENTS) -> None:
        self.rate, self.burst, self.clock, self.max_keys = rate, float(burst), clock, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, when
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 if the request may go ahead, else the seconds until it could."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)  # most recently seen last
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimit:
    """WSGI middleware: the outermost layer, so refusals cost no Flask cycle."""

    def __init__(self, app: WsgiApp, rules: list[tuple[tuple[str, ...], TokenBuckets]],
                 exempt: Iterable[str] = (), proxy_hops: int = 0) -> None:
        self.app, self.rules = app, rules  # (paths, their buckets): the first match counts
        self.exempt, self.proxy_hops = frozenset(exempt), proxy_hops

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") in ("GET", "POST"):
            for paths, buckets in self.rules:
                if any(path == p or path.startswith(p + "/") for p in paths):
                    client = self.client(environ)
                    if client in self.exempt:
                        break
                    wait = buckets.take(client)
                    if wait > 0:
                        return self.refuse(wait, environ, start_response)
                    break
        return self.app(environ, start_response)

    def client(self, environ: dict[str, Any]) -> str:
        """REMOTE_ADDR, or with trusted proxies the address the nearest of them saw."""
        if self.proxy_hops > 0:
            hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")
                    if h.strip()]
            if len(hops) >= self.proxy_hops:
                return str(hops[-self.proxy_hops])
        return str(environ.get("REMOTE_ADDR", ""))

    @staticmethod
    def refuse(wait: float, environ: dict[str, Any],
               start_response: StartResponse) -> Iterable[bytes]:
        seconds = max(1, math.ceil(wait))
        response = to_response(ProblemError(
            429, "Too Many Requests", f"this address sent more requests than this service "
            f"answers for one client; try again in {seconds} s", RATE_LIMITED))
        response.headers["Retry-After"] = str(seconds)
        result: Iterable[bytes] = response(environ, start_response)
        return result


def init_app(app: Flask) -> None:
    """Wrap the app in the limits (config.py), unless RATE_LIMIT is 0 (which switches all
    three limits off)."""
    rate = float(app.config[config.RATE_LIMIT])
    if rate <= 0:
        return
    rules = [(QUERY_PATHS, TokenBuckets(rate, max(1, int(app.config[config.RATE_LIMIT_BURST]))))]
    for paths, limit, burst in ((VALIDATE_PATHS, config.VALIDATE_RATE_LIMIT,
                                 config.VALIDATE_RATE_LIMIT_BURST),
                                (DRAW_PATHS, config.DRAW_RATE_LIMIT, config.DRAW_RATE_LIMIT_BURST)):
        if (lower := float(app.config[limit])) > 0:
            rules.append((paths, TokenBuckets(lower, max(1, int(app.config[burst])))))
    app.wsgi_app = RateLimit(app.wsgi_app, rules,  # type: ignore[method-assign]
                             app.config[config.RATE_LIMIT_EXEMPT] or (),
                             int(app.config[config.RATE_LIMIT_PROXY_HOPS]))
