"""The data as an open release: one served version as TriG and N-Quads (each gzipped too)
and JSON-LD, the main tables (assignments, functions, roles, provisions, coverage) as CSV,
and a Frictionless data package (`datapackage.json`) describing every file with its size
and sha256 checksum, under the Open Government Licence v3.0
(docs/decisions/20261202-open-data-licence.md).

Everything is made from the read path: the version's graph (the CONSTRUCT the analysis
reads), the tables from `queries/read/release-tables.rq` through `Reader.select`, coverage
from the SHACL report. Blank nodes are canonicalised (RDFC-1.0) and lines sorted, and gzip
carries no time stamp, so one version gives the same bytes, and checksums, in every worker,
embedded or over a remote store. No Flask here: the CLI (`rolegraph export`) and /data/
share it."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox
from rdflib import Graph

from rolegraph.analysis.coverage import CoverageReport
from rolegraph.present.reports import coverage_csv
from rolegraph.query.reader import Reader
from rolegraph.query.remote import version_graph
from rolegraph.vocab import PREFIXES

TITLE = "rolegraph: who does what for a child in care in England"
DESCRIPTION = ("The roles around a child in care in England, the functions each holds under the "
               "law and under each reform model since 2016, and the provisions and sources "
               "behind every assignment.")
LICENCE_NAME = "OGL-UK-3.0"  # SPDX
LICENCE_TITLE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence "
               "v3.0: legislation from legislation.gov.uk, © Crown and database right.")
PACKAGE = "datapackage.json"

RG = PREFIXES["rg"]
RDFS, SKOS, DCT = PREFIXES["rdfs"], PREFIXES["skos"], PREFIXES["dcterms"]


@dataclass(frozen=True)
class Column:
    name: str
    property: str
    description: str
    type: str = "string"


# The tables: name -> (title, columns); every table's first column is the entity's IRI.
TABLES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "assignments": ("Who holds which function under which model, and why", (
        Column("model", RG + "model", "the reform model (or the law) this holding is under"),
        Column("role", RG + "role", "the role that holds the function"),
        Column("function", RG + "function", "the function held"),
        Column("confidence", RG + "confidence", "stated, inferred or contested"),
        Column("basis", RG + "basis", "the provisions or instruments it rests on"),
        Column("sources", DCT + "source", "the sources it rests on"),
        Column("valid_from", RG + "validFrom", "first day it held (the law over time)"),
        Column("valid_until", RG + "validUntil", "first day it no longer held"),
        Column("quote", RG + "quote", "the words of its basis that say so"),
        Column("label", RDFS + "label", "a name for the holding"))),
    "functions": ("The functions performed for a child in care", (
        Column("notation", SKOS + "notation", "the catalogue number"),
        Column("label", RDFS + "label", "name"),
        Column("definition", SKOS + "definition", "what the function is"),
        Column("requires_independence", RG + "requiresIndependence",
               "whether the holder must be independent of the local authority"),
        Column("created_by", RG + "createdBy", "the provisions that create it"),
        Column("applies_in", RG + "appliesIn", "the settings it applies in"))),
    "roles": ("The roles around a child in care", (
        Column("label", RDFS + "label", "name"),
        Column("alt_labels", SKOS + "altLabel", "other names people use"),
        Column("definition", SKOS + "definition", "who the role is"),
        Column("employed_by", RG + "employedBy", "the employing organisation"),
        Column("appointed_by", RG + "appointedBy", "who appoints the holder"),
        Column("established_by", RG + "establishedBy", "the provisions that establish it"))),
    "provisions": ("Sections, regulations and paragraphs cited", (
        Column("label", RDFS + "label", "short citation"),
        Column("definition", SKOS + "definition", "what the provision does"),
        Column("part_of", RG + "partOf", "the provision or instrument it is part of"),
        Column("in_force_from", RG + "inForceFrom", "in force (England) from"),
        Column("in_force_until", RG + "inForceUntil", "in force (England) until"),
        Column("inserted_by", RG + "insertedBy", "the amending provision that inserted it"),
        Column("url", PREFIXES["schema"] + "url", "its page on legislation.gov.uk"))),
}
COVERAGE_FIELDS = (("model", "the reform model"), ("function", "the function"),
                   ("holders", "the roles holding it, or 'retired'"),
                   ("confidence", "each holder's confidence"),
                   ("basis", "the provisions cited"), ("sources", "the sources cited"),
                   ("severity", "Violation, Warning or Info from the SHACL coverage checks"),
                   ("findings", "what the checks found"))

# name -> (media type, title); the order of the /data/ page and of the data package.
DUMPS: dict[str, tuple[str, str]] = {
    "rolegraph.trig": ("application/trig", "The whole version as TriG (one named graph)"),
    "rolegraph.trig.gz": ("application/gzip", "The same TriG, gzipped"),
    "rolegraph.nq": ("application/n-quads", "The whole version as N-Quads (one named graph)"),
    "rolegraph.nq.gz": ("application/gzip", "The same N-Quads, gzipped"),
    "rolegraph.jsonld": ("application/ld+json", "The whole version as JSON-LD (default graph)"),
}
CSV_FILES = {f"{name}.csv": ("text/csv", title) for name, (title, _) in TABLES.items()}
CSV_FILES["coverage.csv"] = ("text/csv", "Coverage: who holds each function under each model")
FILES: dict[str, tuple[str, str]] = {**DUMPS, **CSV_FILES,
                                     PACKAGE: ("application/json", "The Frictionless data package")}


@dataclass(frozen=True)
class Download:
    name: str
    media_type: str
    title: str
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True)
class Release:
    version: str
    modified: date | None  # the date the data describes (rg:asOf of model:current)
    files: dict[str, Download]


def build(reader: Reader, graph: Graph, report: CoverageReport,
          modified: date | None) -> Release:
    """The release of the version `reader` reads: `graph` is that version's graph (the
    analysis's CONSTRUCT through the read path), `report` its coverage."""
    files: dict[str, bytes] = dict(dumps(graph, reader.version))
    rows = reader.select("release-tables")
    for name, (_, columns) in TABLES.items():
        files[f"{name}.csv"] = table_csv(columns, [r for r in rows if r.get("table") == name])
    files["coverage.csv"] = coverage_csv(report).encode()
    downloads = {name: Download(name, *FILES[name], body) for name, body in files.items()}
    package = datapackage(reader.version, modified, list(downloads.values()))
    downloads[PACKAGE] = Download(PACKAGE, *FILES[PACKAGE], package)
    return Release(reader.version, modified, downloads)


def dumps(graph: Graph, version: str) -> Iterable[tuple[str, bytes]]:
    """TriG, N-Quads (and gzipped) and JSON-LD of the graph, blank nodes canonical."""
    triples = ox.parse(graph.serialize(format="nt", encoding="utf-8"),
                       format=ox.RdfFormat.N_TRIPLES)
    name = ox.NamedNode(version_graph(version))
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    quads = sorted(dataset, key=str)
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    trig = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES) or b""
    jsonld = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads),
                          format=ox.RdfFormat.JSON_LD) or b""
    yield "rolegraph.trig", trig
    yield "rolegraph.trig.gz", gzip.compress(trig, mtime=0)
    yield "rolegraph.nq", nquads
    yield "rolegraph.nq.gz", gzip.compress(nquads, mtime=0)
    yield "rolegraph.jsonld", jsonld


def table_csv(columns: tuple[Column, ...], rows: Iterable[Mapping[str, str]]) -> bytes:
    """One line per entity, IRI first; several values of one column sorted and joined by
    ' | ' (so the store's order never shows)."""
    values: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        values.setdefault(row["entity"], {}).setdefault(row["property"], set()).add(row["value"])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["iri", *(c.name for c in columns)])
    for iri in sorted(values):
        writer.writerow([iri, *(" | ".join(sorted(values[iri].get(c.property, set())))
                                for c in columns)])
    return out.getvalue().encode()


def datapackage(version: str, modified: date | None, downloads: list[Download]) -> bytes:
    """The Frictionless data package (v1 descriptor) of these files."""
    resources = [resource(d) for d in downloads]
    package = {
        "profile": "data-package",
        "name": "rolegraph",
        "title": TITLE,
        "description": DESCRIPTION,
        "version": version,
        **({"created": f"{modified.isoformat()}T00:00:00Z"} if modified else {}),
        "licenses": [{"name": LICENCE_NAME, "path": LICENCE_URL, "title": LICENCE_TITLE}],
        "sources": [{"title": "legislation.gov.uk", "path": "https://www.legislation.gov.uk/"}],
        "keywords": ["children in care", "England", "independent reviewing officer",
                     "legislation", "knowledge graph"],
        "resources": resources,
    }
    return (json.dumps(package, indent=1, ensure_ascii=False) + "\n").encode()


def resource(download: Download) -> dict[str, object]:
    name, _, suffix = download.name.partition(".")
    described: dict[str, object] = {
        "name": f"{name}-{suffix.replace('.', '-')}" if suffix != "csv" else name,
        "path": download.name, "title": download.title, "mediatype": download.media_type,
        "bytes": download.size, "hash": f"sha256:{download.sha256}",
    }
    if suffix == "csv":
        described.update(profile="tabular-data-resource", format="csv", encoding="utf-8",
                         schema=schema(name))
    else:
        described.update(format=suffix.split(".")[0],
                         **({"compression": "gz"} if suffix.endswith(".gz") else {}))
    return described


def schema(table: str) -> dict[str, object]:
    if table == "coverage":
        return {"fields": [{"name": n, "type": "string", "description": d}
                           for n, d in COVERAGE_FIELDS],
                "primaryKey": ["model", "function"]}
    _, columns = TABLES[table]
    return {"fields": [{"name": "iri", "type": "string", "format": "uri",
                        "description": "the entity's IRI"},
                       *({"name": c.name, "type": c.type, "description": c.description}
                         for c in columns)],
            "primaryKey": ["iri"]}
