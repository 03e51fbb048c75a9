"""The data as an open release, on the web: /data/ (an index page: every file with its
size and sha256 checksum, the licence and how to cite) and /data/{file} (TriG, N-Quads,
JSON-LD, the CSV tables and datapackage.json), made by present/release.py once per served
version and kept with its Site. Also what the rest of the service says about the release:
the "cite this" block on every page (a template global) and the VoID lines that link each
dump, name the licence and date the version (web/ops.py asks `void_lines`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from rolegraph.present import release
from rolegraph.present.release import Release
from rolegraph.present.views import Site
from rolegraph.query.reader import ReadError
from rolegraph.query.remote import StoreError
from rolegraph.web import problems, served_version
from rolegraph.web.problems import ProblemError
from rolegraph.web.respond import CACHE, page
from rolegraph.web.site import SITE, kept_with_site, site

bp = Blueprint("data", __name__)

RELEASE = "rolegraph.release"  # key in app.extensions: (Site, its release)
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
OWL_VERSION_INFO = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def release_of(s: Site) -> Release:
    """The release of the Site's version (about 1 s)."""
    a = s.analysis
    return kept_with_site(RELEASE, s, lambda: release.build(a.reader, a.graph, a.report, a.as_of),
                          "The release")


@bp.get("/data/")
def index() -> Response:
    """What can be downloaded, how big, its checksum, the licence and how to cite it."""
    made = release_of(site())
    return page("data.html", title="The data", release=made, licence=licence(),
                files=list(made.files.values()))


@bp.get("/data/<name>")
def download(name: str) -> Response:
    if name not in release.FILES:
        raise problems.not_found(f"no file '{name}' in the release (see /data/ for the list: "
                                 f"{', '.join(release.FILES)})")
    file = release_of(site()).files[name]
    response = Response(file.body, mimetype=file.media_type)
    if name.endswith(".gz"):
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = CACHE
    response.headers["Link"] = f'<{release.LICENCE_URL}>; rel="license"'
    return response


def licence() -> dict[str, str]:
    return {"name": release.LICENCE_NAME, "title": release.LICENCE_TITLE,
            "url": release.LICENCE_URL, "attribution": release.ATTRIBUTION}


def served_site() -> Site | None:
    """The served version's Site, or None where there is none (--graph files, a store that
    does not answer): never raises, for the footer of every page and for VoID."""
    sites = current_app.extensions.get(SITE)
    try:
        found: Site | None = sites.for_version(served_version()) if sites else None
    except (ReadError, StoreError, ProblemError):
        return None
    return found


def cite_this() -> dict[str, Any] | None:
    """The "cite this" block's facts: title, version id, date, URL and licence."""
    s = served_site()
    if s is None:
        return None
    modified: date | None = s.analysis.as_of
    return {"title": release.TITLE, "version": s.analysis.version,
            "date": f"{modified:%-d %B %Y}" if modified else None,
            "iso_date": modified.isoformat() if modified else None,
            "url": request.url_root, "licence": licence()}


@bp.app_context_processor
def citation_globals() -> dict[str, Any]:
    return {"cite_this": cite_this}


def void_lines(dataset: ox.NamedNode, root: str) -> list[ox.Triple]:
    """What VoID says of the release: each dump (void:dataDump), the licence, the version
    and its date. Nothing where no rolegraph version is served (--graph files)."""
    s = served_site()
    if s is None:
        return []
    lines = [ox.Triple(dataset, ox.NamedNode(DCTERMS + "license"),
                       ox.NamedNode(release.LICENCE_URL)),
             ox.Triple(dataset, OWL_VERSION_INFO, ox.Literal(s.analysis.version))]
    if s.analysis.as_of is not None:
        lines.append(ox.Triple(dataset, ox.NamedNode(DCTERMS + "modified"),
                               ox.Literal(s.analysis.as_of.isoformat(), datatype=XSD_DATE)))
    lines += [ox.Triple(dataset, ox.NamedNode(VOID + "dataDump"),
                        ox.NamedNode(f"{root}data/{name}")) for name in release.DUMPS]
    lines.append(ox.Triple(dataset, ox.NamedNode(DCTERMS + "hasPart"),
                           ox.NamedNode(f"{root}data/{release.PACKAGE}")))
    return lines
