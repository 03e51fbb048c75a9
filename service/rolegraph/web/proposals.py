"""A proposal posted to the service (a file, pasted text, or the body), checked against the
served graph without storing anything: what the /validate routes (web/api.py) and the
proposal's brief (web/briefs.py) share. Never a file a request names: the bytes go to a
temporary file that only this module names. The check runs in a killable child with a time
limit (`checked_answer`, VALIDATE_TIMEOUT), as a query does."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Response, request

from rolegraph import config
from rolegraph.analysis.coverage import CoverageReport, slug
from rolegraph.analysis.questions import Analysis
from rolegraph.graph import lawtime
from rolegraph.graph.proposal import ProposalError
from rolegraph.vocab import is_slug
from rolegraph.web import problems
from rolegraph.web.diagrams import bounded
from rolegraph.web.problems import INVALID_PROPOSAL, REQUEST_TOO_LARGE, ProblemError
from rolegraph.web.respond import HTML
from rolegraph.web.site import site

PROPOSAL_MAX_BYTES = 256 * 1024
# Upload media type -> the file suffix Analysis.check reads it by.
PROPOSAL_TYPES = {"text/turtle": ".ttl", "application/x-turtle": ".ttl",
                  "application/json": ".json", "application/yaml": ".yaml",
                  "application/x-yaml": ".yaml", "text/yaml": ".yaml"}
PROPOSAL_SUFFIXES = {".ttl", ".turtle", ".json", ".yaml", ".yml"}


@dataclass
class CheckedProposal:
    """A posted proposal, checked: the analysis with it added, and its model."""

    view: Analysis
    models: list[str]
    text: str

    @property
    def slug(self) -> str:
        return slug(self.models[0])

    def report(self) -> CoverageReport:
        return self.view.report.only(self.models)

    def against(self) -> str:
        """The model to compare with (`against`: a shipped slug or law@YYYY-MM-DD)."""
        name = request.form.get("against") or request.args.get("against") or "current"
        if not (is_slug(name) or lawtime.LAW.match(name)):
            raise problems.bad_request(f"'against' must be a model slug or law@YYYY-MM-DD, "
                                       f"not {name[:80]!r}")
        self.view.model(name)
        return name


def checked_answer(answer: Callable[[CheckedProposal], Response],
                   *limits: str) -> Response:
    """The answer to a posted proposal, bounded like a query: the body is read and written
    to a private temporary file here, then the check and `answer` run in a killable child
    (web/diagrams.py `bounded`) within VALIDATE_TIMEOUT seconds (plus any other `limits`,
    e.g. RENDER_TIMEOUT for a printed brief); past them the child is killed and the answer
    is 503 check-timeout, so no proposal holds a worker. 4xx problems raised in the child
    are raised here; the file is removed here, whatever became of the child."""
    site()  # 503 without the snapshot, before any work
    data, suffix = proposal_upload()
    with tempfile.TemporaryDirectory(prefix="rolegraph-proposal-") as folder:
        path = Path(folder) / f"proposal{suffix}"
        path.write_bytes(data)

        def work() -> tuple[bytes, int, list[tuple[str, str]]]:
            response = answer(proposal_at(path, data))
            return response.get_data(), response.status_code, list(response.headers.items())

        body, status, headers = bounded(work, config.VALIDATE_TIMEOUT, *limits)
    return Response(body, status=status, headers=headers)


def checked_proposal() -> CheckedProposal:
    """The posted proposal checked against the served graph (nothing is stored), in this
    process, unbounded: the routes call `checked_answer` instead."""
    data, suffix = proposal_upload()
    with tempfile.TemporaryDirectory(prefix="rolegraph-proposal-") as folder:
        path = Path(folder) / f"proposal{suffix}"
        path.write_bytes(data)
        return proposal_at(path, data)


def proposal_at(path: Path, data: bytes) -> CheckedProposal:
    """The proposal in `path` (`data`, its bytes) checked against the served graph; 422
    with every problem and its line when it is malformed."""
    try:
        view, models = site().analysis.proposing(path)
    except ProposalError as error:
        problems = [{"line": line, "message": message} for line, message in error.problems]
        raise ProblemError(422, "Invalid proposal", "; ".join(
            message for _, message in error.problems), INVALID_PROPOSAL,
            {"errors": problems}) from error
    return CheckedProposal(view, models, data.decode("utf-8", errors="replace"))


def wants_html() -> bool:
    return request.accept_mimetypes.best_match(["application/json", HTML]) == HTML and (
        request.accept_mimetypes[HTML] > request.accept_mimetypes["application/json"])


def proposal_upload() -> tuple[bytes, str]:
    """The proposal's bytes (a multipart `proposal` file, the form's pasted `text`, or the
    body: also a form post with neither field, as curl -d sends a file) and its suffix."""
    length = request.content_length
    if length is not None and length > PROPOSAL_MAX_BYTES:
        raise too_large()
    # the body kept before the form is read, as the file itself may be the body of a form
    # post: curl -d @file sends it as application/x-www-form-urlencoded
    raw = request.get_data() if request.mimetype == "application/x-www-form-urlencoded" else b""
    upload = request.files.get("proposal")
    if upload is not None and upload.filename:
        data = upload.read(PROPOSAL_MAX_BYTES + 1)
        suffix = os.path.splitext(upload.filename or "")[1].lower()
        if suffix not in PROPOSAL_SUFFIXES:
            suffix = PROPOSAL_TYPES.get(upload.mimetype, ".yaml")
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        field = request.form.get("text", request.form.get("proposal"))  # or -F proposal=<file
        data = raw if field is None else field.replace("\r\n", "\n").encode()
        suffix = sniff(data)
    else:
        data = request.get_data(cache=False)
        suffix = PROPOSAL_TYPES.get(request.mimetype, "")
        if not suffix:
            raise problems.unsupported_media_type(
                "send the proposal as text/turtle, application/json or application/yaml, or as "
                "a multipart form field 'proposal'")
    if len(data) > PROPOSAL_MAX_BYTES:
        raise too_large()
    if not data.strip():
        raise problems.bad_request("the proposal is empty: choose a file or paste the "
                                   "proposal's text", INVALID_PROPOSAL)
    return data, suffix


def sniff(data: bytes) -> str:
    """The suffix of pasted text: JSON opens with {, Turtle declares a prefix, else YAML."""
    text = data.lstrip()
    if text.startswith(b"{"):
        return ".json"
    if text.startswith((b"@prefix", b"@base", b"PREFIX", b"BASE", b"<")):
        return ".ttl"
    return ".yaml"


def too_large() -> ProblemError:
    return ProblemError(413, "Proposal too large",
                        f"a proposal may be at most {PROPOSAL_MAX_BYTES // 1024} KiB",
                        REQUEST_TOO_LARGE)


