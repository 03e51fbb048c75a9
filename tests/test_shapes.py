"""Each shape case in tests/shapes/ (data, shapes, expected results; W3C SHACL test suite
layout): pySHACL's results for the shapes a case checks are exactly the expected ones."""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyshacl import validate
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

CASES = sorted((Path(__file__).parent / "shapes").glob("*.trig"))
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
RG = Namespace("https://w3id.org/rolegraph/def#")


def results(graph: Graph, shapes: set[Node], with_value: bool) -> set[tuple[Node | None, ...]]:
    """(focus node, [value,] shape, severity) of each result that one of `shapes` produced."""
    found = set()
    for result, shape in graph.subject_objects(SH.sourceShape):
        if shape in shapes:
            row = (graph.value(result, SH.focusNode), graph.value(result, SH.value), shape,
                   graph.value(result, SH.resultSeverity))
            found.add(row if with_value else row[:1] + row[2:])
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_shape_case(case: Path) -> None:
    base = case.as_uri().rsplit("/", 1)[0] + "/"
    dataset = Dataset()
    with warnings.catch_warnings():  # rdflib's TriG parser uses its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=case.read_text(), format="trig", publicID=case.as_uri())
    this = URIRef(base + "case")
    manifest = dataset.default_graph
    shapes_file = Path(urlsplit(str(manifest.value(this, SHT.shapesGraph))).path)
    checked = set(manifest.objects(this, RG.checks))
    assert checked and shapes_file.is_file(), f"{case.name}: name the shapes file and shapes"
    data, expected = (dataset.graph(URIRef(base + name)) for name in ("data", "expected"))
    with_value = (None, SH.value, None) in expected
    _, report, _ = validate(Graph() + data, shacl_graph=Graph().parse(shapes_file))
    assert isinstance(report, Graph)
    assert results(report, checked, with_value) == results(expected, checked, with_value)
