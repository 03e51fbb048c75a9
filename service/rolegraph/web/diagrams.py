"""Diagrams and role cards over HTTP, for trainers:

    /diagrams/model/{model}.{svg|png|pdf|dot|mmd}?role=&setting=&compare=&only=changes
    /roles/{role}/card?model=        (HTML with print styles)
    /roles/{role}/card.pdf?model=
    /timeline/{role|function}/{slug}.{svg|pdf|png}   (a drawn time line, A4 landscape)

Wherever a model is named, law@YYYY-MM-DD names the law on that date (Analysis.viewing, as
the CLI). Every name is checked against a strict slug (or law@date) pattern and the
snapshot's own lists before use (unknown path names 404, bad or unknown query parameters 400,
a law@ date the statutory system does not cover 404 as on /diff, all as problem+json), so no
user text reaches a file path or a query. Outputs depend only on the immutable snapshot and
are kept in a small in-memory cache per worker and on disk per served version, shared by the
workers (query/artefacts.py: drawn once per version). Each drawing runs in a killable child
with a time limit, RENDER_TIMEOUT (`bounded`: 503 render-timeout past it)."""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, Response, abort, current_app, request

from rolegraph import config
from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.graph import lawtime
from rolegraph.graph.snapshot import default_state_dir
from rolegraph.query.artefacts import ArtefactCache, code_fingerprint
from rolegraph.query.isolation import ChildFailed, Overtime, run_in_child
from rolegraph.trainer import cards, diagrams, pack, render
from rolegraph.trainer import timeline as timeline_drawing
from rolegraph.vocab import UnknownName, is_slug
from rolegraph.web import problems
from rolegraph.web.problems import (
    CHECK_TIMEOUT,
    ENGINE_FAILURE,
    RENDER_TIMEOUT,
    ProblemError,
    to_response,
)
from rolegraph.web.site import site

bp = Blueprint("diagrams", __name__)
log = logging.getLogger("rolegraph.web.diagrams")

TRAINER = "rolegraph.trainer"  # key in app.extensions: the Outputs, built on first use
EXTENSIONS = {"svg": "svg", "png": "png", "pdf": "pdf", "dot": "dot", "mmd": "mermaid"}
MEDIA = {**render.MEDIA_TYPES, "mermaid": "text/plain; charset=utf-8"}
DIAGRAM_PARAMS = {"role", "setting", "compare", "only", "view"}
CARD_PARAMS = {"model"}
MODEL_PARAMS = {"compare", "model"}  # parameters that name a model, so may be law@YYYY-MM-DD
CACHE_CONTROL = "public, max-age=3600"
CACHE_ENTRIES = 64
ARTEFACTS = "rolegraph.artefacts"  # key in app.extensions: the ArtefactCache on disk
PACKAGE = Path(__file__).resolve().parents[1]  # the rolegraph package: its code draws
T = TypeVar("T")
_lock = threading.Lock()


# --- bounded work: a killable child per call (query/isolation.py run_in_child) -----------------

def bounded(work: Callable[[], T], *settings: str) -> T:
    """`work()` in a killable child, limited to the seconds the `settings` name, summed
    (RENDER_TIMEOUT unless named; VALIDATE_TIMEOUT for a proposal; 0: in the worker,
    unbounded). Past the limit the child (and any Graphviz it started) is SIGKILLed and the
    answer is 503 problem+json with Retry-After, so no request holds a worker longer than
    the limit. What the work raises (a 404, a 422) is raised here."""
    settings = settings or (config.RENDER_TIMEOUT,)
    limits = [float(current_app.config[setting]) for setting in settings]
    timeout = 0.0 if 0 in limits else sum(limits)
    checking = config.VALIDATE_TIMEOUT in settings
    try:
        return run_in_child(work, timeout)
    except Overtime:
        what = "checking the proposal" if checking else "drawing this"
        problem = ProblemError(
            503, "Took too long", f"{what} ran past the time limit of {timeout:g} s and was "
            "stopped; try again later" + (", or send a smaller proposal" if checking else ""),
            CHECK_TIMEOUT if checking else RENDER_TIMEOUT, {"limit_seconds": timeout})
    except ChildFailed as error:
        log.warning("bounded work failed: %s", error)
        problem = ProblemError(503, "Service Unavailable", f"{error}; try again",
                               ENGINE_FAILURE)
    response = to_response(problem)
    response.headers["Retry-After"] = str(max(1, math.ceil(timeout)))
    abort(response)


def artefacts() -> ArtefactCache:
    """The workers' shared disk cache of drawings (STATE_DIR/rendered, RENDER_CACHE_MB)."""
    found: ArtefactCache | None = current_app.extensions.get(ARTEFACTS)
    if found is None:
        state = current_app.config.get(config.STATE_DIR)
        root = (Path(state) if state else default_state_dir()) / "rendered"
        found = ArtefactCache(root, int(current_app.config[config.RENDER_CACHE_MB]) << 20,
                              code_fingerprint(PACKAGE))
        current_app.extensions[ARTEFACTS] = found
    return found


class Outputs:
    """The analysis of the served snapshot and the outputs already made from it."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.version = analysis.version  # names the disk cache's folder
        self.facts = diagrams.collect(analysis)
        self.made: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self.views: OrderedDict[tuple[str, ...], tuple[Analysis, diagrams.Facts]] = OrderedDict()

    def viewing(self, names: list[str]) -> tuple[Analysis, diagrams.Facts]:
        """The analysis and facts with the law@DATE models among `names` added (as the CLI's
        `viewing`); a few are kept, since collecting facts takes a while. A date the
        statutory system does not cover is a 404, as on /diff."""
        laws = tuple(sorted({lawtime.canonical(n) for n in names if lawtime.LAW.match(n)}))
        if not laws:
            return self.analysis, self.facts
        with _lock:
            found = self.views.get(laws)
        if found is None:
            view = self.analysis.viewing(list(laws))
            found = (view, diagrams.collect(view))
        with _lock:
            self.views[laws] = found
            while len(self.views) > CACHE_ENTRIES // 8:
                self.views.popitem(last=False)
        return found

    def get(self, key: tuple[Any, ...], make: Callable[[], bytes]) -> bytes:
        """The output for `key`: from this worker's memory, else the version's disk cache
        (another worker may have drawn it), else drawn now in a bounded child and kept."""
        with _lock:
            if key in self.made:
                self.made.move_to_end(key)
                return self.made[key]
        disk = artefacts()
        body = disk.get(self.version, key)
        if body is None:
            body = bounded(make)
            disk.put(self.version, key, body)
        with _lock:
            self.made[key] = body
            while len(self.made) > CACHE_ENTRIES:
                self.made.popitem(last=False)
        return body


def outputs() -> Outputs:
    """The outputs of the pages' analysis of the served version (one analysis per worker,
    following a remote store's switches; 503 without the snapshot, as the pages)."""
    analysis = site().analysis
    with _lock:
        found: Outputs | None = current_app.extensions.get(TRAINER)
        if found is None or found.analysis is not analysis:
            found = Outputs(analysis)
            current_app.extensions[TRAINER] = found
    return found


def checked_args(allowed: set[str]) -> dict[str, str]:
    """The query parameters, each at most once and a well-formed slug (or, for a model,
    law@YYYY-MM-DD); others refused."""
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise problems.bad_parameter(f"unknown query parameter(s): {', '.join(unknown)}; "
                                     f"allowed: {', '.join(sorted(allowed))}")
    args = {}
    for name in request.args:
        values = request.args.getlist(name)
        if len(values) != 1 or not (is_slug(values[0]) or (
                name in MODEL_PARAMS and lawtime.LAW.match(values[0]))):
            also = " or law@YYYY-MM-DD" if name in MODEL_PARAMS else ""
            raise problems.bad_parameter(f"'{name}' must be given once, as a lower-case slug "
                                         f"such as 'care-review-2022'{also}")
        args[name] = values[0]
    return args


def known(kind: str, name: str, names: list[str], status: int) -> str:
    """`name` if it is one of `names` (or, for a model, law@YYYY-MM-DD: its date is checked
    when the analysis views it), else a problem with `status`."""
    if kind == "model" and lawtime.LAW.match(name):
        return name
    if not is_slug(name) or name not in names:
        unknown = f"unknown {kind} '{name[:80]}' (known: {', '.join(names)})"
        raise UnknownName(unknown) if status == 404 else problems.bad_parameter(unknown)
    return name


def slugs(iris: Any) -> list[str]:
    return [slug(str(i)) for i in iris]


@bp.get("/diagrams/model/<filename>")
def model_diagram(filename: str) -> Response:
    name, dot, ext = filename.rpartition(".")
    if not dot or ext not in EXTENSIONS:
        raise problems.not_found("diagrams are /diagrams/model/{model}."
                                 f"{{{'|'.join(EXTENSIONS)}}}")
    out = outputs()
    args = checked_args(DIAGRAM_PARAMS)
    model = known("model", name, slugs(out.facts.report.models), 404)
    role = args.get("role")
    setting = args.get("setting")
    compare = args.get("compare")
    analysis, facts = out.viewing([model, compare or ""])
    if role is not None:
        known("role", role, sorted(slugs(facts.roles)), 400)
    if setting is not None:
        known("setting", setting, sorted(slugs(facts.settings)), 400)
    if compare is not None:
        known("model", compare, slugs(facts.report.models), 400)
    changes_only = args.get("only") is not None
    if changes_only and (args["only"] != "changes" or compare is None):
        raise problems.bad_parameter("'only=changes' goes with 'compare=B' and leaves out "
                                     "the functions that do not change")
    flows = args.get("view") is not None
    if flows and (args["view"] != "flows" or compare is None or role or setting
                  or changes_only):
        raise problems.bad_parameter("'view=flows' goes with 'compare=B' only: one band per "
                                     "pair of roles, its width the functions that move")
    fmt = EXTENSIONS[ext]

    def make() -> bytes:
        if flows and compare:
            dot_text, mmd = diagrams.flows_drawing(analysis, facts, model, compare)
        else:
            dot_text, mmd = diagrams.drawing(analysis, facts, model, role, setting, compare,
                                             changes_only)
        body = pack.diagram_output(dot_text, mmd, fmt)
        return body if isinstance(body, bytes) else body.encode()

    body = out.get(("diagram", model, role, setting, compare, changes_only, flows, fmt), make)
    name = (f"{model}{'-vs-' + compare if compare else ''}{'-changes' if changes_only else ''}"
            f"{'-flows' if flows else ''}")
    return respond(body, MEDIA[fmt], f"{name}.{ext}")


@bp.get("/roles/<name>/card")
@bp.get("/roles/<name>/card.pdf", endpoint="role_card_pdf")
def role_card(name: str) -> Response:
    out = outputs()
    args = checked_args(CARD_PARAMS)
    role = known("role", name, sorted(slugs(out.facts.roles)), 404)
    model = known("model", args.get("model", "current"), slugs(out.facts.report.models), 400)
    analysis, facts = out.viewing([model])
    pdf = request.path.endswith(".pdf")

    def make() -> bytes:
        page = cards.card_html([cards.role_card(analysis, facts, role, model)])
        return cards.card_pdf(page) if pdf else page.encode()

    body = out.get(("card", role, model, pdf), make)
    if pdf:
        return respond(body, "application/pdf", f"card-{role}-{model}.pdf")
    return respond(body, "text/html; charset=utf-8", None)


@bp.get("/timeline/<any(role, function):kind>/<name>.<any(svg, pdf, png):ext>")
def timeline_drawing_of(kind: str, name: str, ext: str) -> Response:
    """A role's or a function's time line, drawn (the page is /timeline/{kind}/{slug})."""
    out = outputs()
    checked_args(set())
    report = out.facts.report
    iris = report.roles if kind == "role" else report.functions
    known(kind, name, sorted(slugs(iris)), 404)
    iri = next(i for i in iris if slug(i) == name)
    body = out.get(("timeline", kind, name, ext),
                   lambda: timeline_drawing.drawing(out.analysis, iri, ext))
    return respond(body, render.MEDIA_TYPES[ext], f"timeline-{kind}-{name}.{ext}")


def respond(body: bytes, media: str, filename: str | None) -> Response:
    response = Response(body, mimetype=media.split(";")[0])
    response.headers["Content-Type"] = media
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
