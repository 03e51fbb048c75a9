"""For children and trainers: the who's who in plain words and the trainer's slide deck.

    /whos-who/{setting}?model=&view=child|adults   (HTML; the adults' view traces each sentence)
    /whos-who/{setting}.pdf?model=&view=            (A4, WeasyPrint)
    /slides/{model}.pptx?compare=                    (PowerPoint, python-pptx)

Names are checked as on /diagrams (a strict slug or law@YYYY-MM-DD, then the snapshot's own
lists: unknown path names 404, bad or unknown parameters 400, all problem+json); outputs are
kept in the trainer outputs' caches (memory, and on disk per version) and each is made in a
killable child within RENDER_TIMEOUT (web/diagrams.py `Outputs.get`); the paths are
rate-limited as drawings."""

from __future__ import annotations

from flask import Blueprint, Response, request

from rolegraph.trainer import slides, whoswho
from rolegraph.web import problems
from rolegraph.web.diagrams import (
    checked_args,
    known,
    outputs,
    respond,
    slugs,
)

bp = Blueprint("children", __name__)

WHOS_WHO_PARAMS = {"model", "view"}
SLIDES_PARAMS = {"compare"}
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@bp.get("/whos-who/<name>")
def whos_who(name: str) -> Response:
    pdf = name.endswith(".pdf")
    setting_name = name.removesuffix(".pdf")
    out = outputs()
    args = checked_args(WHOS_WHO_PARAMS)
    setting = known("setting", setting_name, sorted(slugs(out.facts.settings)), 404)
    model = known("model", args.get("model", whoswho.DEFAULT_MODEL),
                  slugs(out.facts.report.models), 400)
    view = args.get("view", "child")
    if view not in whoswho.VIEWS:
        raise problems.bad_parameter("'view' is 'child' (the default) or 'adults'")
    analysis, facts = out.viewing([model])

    def make() -> bytes:
        page = whoswho.whos_who(analysis, facts, setting, model)
        return whoswho.page_pdf(page, view) if pdf else whoswho.page_html(page, view).encode()

    body = out.get(("whos-who", setting, model, view, pdf), make)
    if pdf:
        return respond(body, "application/pdf", f"whos-who-{setting}-{model}.pdf")
    return respond(body, "text/html; charset=utf-8", None)


@bp.get("/slides/<name>")
def slide_deck(name: str) -> Response:
    model_name, dot, ext = name.rpartition(".")
    if not dot or ext != "pptx":
        raise problems.not_found("slide decks are /slides/{model}.pptx")
    out = outputs()
    args = checked_args(SLIDES_PARAMS)
    model = known("model", model_name, slugs(out.facts.report.models), 404)
    compare = args.get("compare")
    if compare is not None:
        known("model", compare, slugs(out.facts.report.models), 400)
        if compare == model:
            raise problems.bad_parameter("'compare' names a second, different model")
    analysis, facts = out.viewing([model, compare or ""])
    body = out.get(("slides", model, compare),
                   lambda: slides.deck(analysis, facts, model, compare))
    filename = f"slides-{model}{'-vs-' + compare if compare else ''}.pptx"
    response = respond(body, PPTX, filename)
    if request.method == "GET":
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
