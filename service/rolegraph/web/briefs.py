"""Policy briefs as downloads: /briefs/{a}/{b}.docx and .pdf for any two models (slugs or
law@YYYY-MM-DD), and /validate/brief.docx|pdf for a posted proposal against a model (under
/validate, so it shares that rate limit). The brief is present/brief.py's; a brief of two
served models is kept per version (in memory, and on disk for all the workers:
query/artefacts.py), since a PDF takes a second to print; each is printed in a killable
child with a time limit (RENDER_TIMEOUT; a proposal's brief: VALIDATE_TIMEOUT, as its check)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Blueprint, Response

from rolegraph import config
from rolegraph.graph import lawtime
from rolegraph.present.brief import FORMATS, Brief, make_brief
from rolegraph.vocab import is_slug
from rolegraph.web import problems
from rolegraph.web.diagrams import artefacts, bounded
from rolegraph.web.proposals import CheckedProposal, checked_answer
from rolegraph.web.site import site

bp = Blueprint("briefs", __name__)

KEPT = 16  # briefs of served models kept (a few hundred KB each)
_kept: OrderedDict[tuple[str, str, str, str], bytes] = OrderedDict()
_lock = threading.Lock()


@bp.get("/briefs/<a>/<b>.<any(docx, pdf):fmt>")
def brief(a: str, b: str, fmt: str) -> Response:
    """The brief of model `a` against model `b`."""
    for name in (a, b):
        if not (is_slug(name) or lawtime.LAW.match(name)):
            raise problems.bad_request(f"'{name[:80]}' is not a model slug or law@YYYY-MM-DD, "
                                       "e.g. /briefs/current/care-review-2022.docx")
    s = site()
    version = s.analysis.version
    key = (version, a, b, fmt)
    disk = artefacts()
    with _lock:
        body = _kept.get(key)
    if body is None:
        body = disk.get(version, ("brief", a, b, fmt))
    if body is None:
        body = bounded(lambda: printed(make_brief(s.analysis, a, b), fmt))
        disk.put(version, ("brief", a, b, fmt), body)
    with _lock:
        if key not in _kept:
            _kept[key] = body
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return download(body, fmt, f"brief-{a}-{b}".replace("@", "-"))


@bp.post("/validate/brief.<any(docx, pdf):fmt>")
def proposal_brief(fmt: str) -> Response:
    """The brief of a posted proposal against `against` (current law unless named)."""

    def answer(proposal: CheckedProposal) -> Response:
        against = proposal.against()
        body = printed(make_brief(proposal.view, against, proposal.slug), fmt)
        return download(body, fmt, f"brief-{against}-{proposal.slug}".replace("@", "-"))

    # the check and the printing in one killable child, within both their limits
    return checked_answer(answer, config.RENDER_TIMEOUT)


def download(body: bytes, fmt: str, name: str) -> Response:
    return Response(body, mimetype=FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def printed(brief: Brief, fmt: str) -> bytes:
    """The brief as DOCX or PDF. python-docx loads on the first brief, not at every start
    (a tenth of a second each time a server starts, as the W3C check does 69 times)."""
    from rolegraph.present.brief_render import render

    return render(brief, fmt)
