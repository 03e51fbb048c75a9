"""The flows view of a comparison (issue 18, part 4): each band's width and number are the
count of functions Analysis.diff moves from that role under A to that role under B; the SVG
fits one A4 landscape page at full size with no text under 9 pt; CLI and web serve it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.cli.main import main
from rolegraph.trainer import diagrams, flows, render

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
PAIRS = [("current", "care-review-2022"), ("current", "adcs-2018"),
         ("current", "government-response-2023"), ("care-review-2022", "current")]


def moved_counts(analysis: Analysis, a: str, b: str) -> Counter[tuple[str, str]]:
    """From the diff, not from flows.py: (loser, joiner or sink) -> functions moved."""
    counts: Counter[tuple[str, str]] = Counter()
    for change in analysis.diff(a, b).changes:
        gained = {h.role for h in change.after} - {h.role for h in change.before}
        lost = {h.role for h in change.before} - {h.role for h in change.after}
        sink = "retired" if change.kind == "retired" else "no-holder"
        for loser in lost:
            for target in gained or {sink}:
                counts[(slug(loser), slug(target))] += 1
    return counts


def points(value: str) -> float:
    return float(value.removesuffix("pt"))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_band_widths_are_the_moved_function_counts(analysis: Analysis, facts: diagrams.Facts,
                                                   a: str, b: str) -> None:
    expected = moved_counts(analysis, a, b)
    dot, _ = diagrams.flows_drawing(analysis, facts, a, b)
    root = ET.fromstring(render.render(dot, "svg"))
    drawn = {}
    for group in root.iter(f"{SVG}g"):
        key = group.get("id", "")
        if key.startswith("band--"):
            loser, target = key.removeprefix("band--").split("--")
            path = next(group.iter(f"{SVG}path"))
            width = float(path.get("stroke-width", "1"))
            label = "".join(t.text or "" for t in group.iter(f"{SVG}text"))
            drawn[(loser, target)] = (width, int(label))
    assert set(drawn) == set(expected)  # one band per pair, and only pairs that move
    for pair, count in expected.items():
        width, label = drawn[pair]
        assert label == count, pair
        assert width == pytest.approx(1 + flows.WIDTH_PER_FUNCTION * count), pair
    if (a, b) == ("current", "care-review-2022"):  # the IRO's functions fan out
        fanned = {t for (loser, t) in expected if loser == "iro"}
        assert {"team-manager", "advocate", "social-worker"} <= fanned


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_flows_fit_a4_landscape_with_no_text_under_9pt(analysis: Analysis,
                                                       facts: diagrams.Facts,
                                                       a: str, b: str) -> None:
    dot, _ = diagrams.flows_drawing(analysis, facts, a, b)
    root = ET.fromstring(render.render(dot, "svg"))
    # at its natural size on A4 landscape (1.2 cm margins), so a print is not scaled down
    width, height = points(root.get("width", "0")), points(root.get("height", "0"))
    assert width <= 11.0 * 72 and height <= 7.3 * 72, (width, height)
    sizes = [float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")]
    assert sizes and min(sizes) >= 9, min(sizes)


def test_mermaid_sankey_has_the_same_bands(analysis: Analysis, facts: diagrams.Facts) -> None:
    _, text = diagrams.flows_drawing(analysis, facts, "current", "care-review-2022")
    assert text.startswith("sankey-beta")
    values = sorted(int(row.rsplit(",", 1)[1]) for row in text.splitlines()[2:] if row)
    assert values == sorted(moved_counts(analysis, "current", "care-review-2022").values())


def test_cli_writes_the_flows_in_every_picture_format(runner: CliRunner, tmp_path: Path,
                                                      state_dir: Path) -> None:
    out = REPO / "test-output" / "flows"
    out.mkdir(parents=True, exist_ok=True)
    for fmt, magic in (("svg", b"<?xml"), ("pdf", b"%PDF"), ("png", b"\x89PNG")):
        target = tmp_path / f"flows.{fmt}"
        result = runner.invoke(main, ["diagram", "--model", "current", "--compare",
                                      "care-review-2022", "--flows", "--format", fmt, "-o",
                                      str(target), "--state-dir", str(state_dir)])
        assert result.exit_code == 0, result.output
        assert target.read_bytes().startswith(magic)
        (out / f"flows-current-vs-care-review-2022.{fmt}").write_bytes(target.read_bytes())
    refused = runner.invoke(main, ["diagram", "--model", "current", "--flows",
                                   "--state-dir", str(state_dir)])
    assert refused.exit_code != 0 and "--compare" in refused.output


def test_web_serves_the_flows_view(site_client: FlaskClient) -> None:
    answer = site_client.get("/diagrams/model/current.svg?compare=care-review-2022&view=flows")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    ids = {e.get("id") for e in ET.fromstring(answer.data).iter()}
    assert "band--iro--advocate" in ids
    for bad in ("view=flows", "compare=care-review-2022&view=grid",
                "compare=care-review-2022&view=flows&role=iro"):
        refused = site_client.get(f"/diagrams/model/current.svg?{bad}")
        assert refused.status_code == 400, bad
        assert refused.mimetype == "application/problem+json"
