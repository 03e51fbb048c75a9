"""The training pack (issue 18, part 5): its index lists every file it wrote, each with a
sentence; comparisons read today first against the reform asked for (changes only, in full
and as flows); PNGs and the deck are there; "around the child" puts today and the reform side
by side, linking to existing diagrams, cards and who's who."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rolegraph.analysis.coverage import slug
from rolegraph.analysis.questions import Analysis
from rolegraph.trainer import diagrams, pack

REFORM = "care-review-2022"


class Links(HTMLParser):
    """The index's rows (file -> description) and every href and img src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self.targets: list[str] = []
        self._file: str | None = None
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.targets.append(str(found["href"]))
            if self._in == "file":
                self._file = str(found["href"])
        if tag == "img" and found.get("src"):
            self.targets.append(str(found["src"]))
        if tag == "td":
            self._in = found.get("class")

    def handle_data(self, data: str) -> None:
        if self._in == "description" and self._file:
            self.rows[self._file] = self.rows.get(self._file, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in = None


def parsed(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text())
    return links


@pytest.fixture(scope="module")
def written(analysis: Analysis, tmp_path_factory: pytest.TempPathFactory) -> pack.Pack:
    steps: list[str] = []
    result = pack.write_pack(analysis, REFORM, tmp_path_factory.mktemp("pack"),
                             progress=steps.append)
    assert steps and steps[-1].startswith(f"[{len(steps)}/{len(steps)}]")
    return result


def test_the_index_describes_every_file_written(written: pack.Pack) -> None:
    on_disk = {p.name for p in written.folder.iterdir()}
    assert on_disk == {p.name for p in written.files}
    rows = parsed(written.folder / "index.html").rows
    assert set(rows) == on_disk  # every file, and nothing that is not there
    for name, sentence in rows.items():
        words = sentence.split()
        assert len(words) >= 6 and sentence.strip().endswith("."), name


def test_comparisons_read_today_first_against_the_reform(written: pack.Pack,
                                                         analysis: Analysis,
                                                         facts: diagrams.Facts) -> None:
    names = {p.name for p in written.files}
    base = f"current-vs-{REFORM}"
    for stem in (f"compare-{base}-changes", f"flows-{base}"):
        assert {f"{stem}.{x}" for x in ("svg", "pdf", "png")} <= names
    assert {f"compare-{base}.svg", f"compare-{base}.pdf", f"compare-{base}.mmd"} <= names
    assert not [n for n in names if re.match(rf"(compare|flows)-{REFORM}-vs-", n)]
    assert f"slides-{base}.pptx" in names
    # the changes-only drawing draws exactly the functions the analysis says change
    svg = (written.folder / f"compare-{base}-changes.svg").read_text()
    changed = {slug(c.function) for c in analysis.diff("current", REFORM).changes}
    drawn = set(re.findall(r'id="a_fn&#45;&#45;([a-z0-9&#;]+)"', svg))
    assert {d.replace("&#45;", "-") for d in drawn} == changed
    for name in ("current", REFORM):
        for setting in facts.settings:
            assert f"diagram-{name}-{slug(setting)}.png" in names
            assert f"whos-who-{slug(setting)}-{name}.html" in names


def test_around_the_child_sets_today_beside_the_reform(written: pack.Pack,
                                                       facts: diagrams.Facts) -> None:
    page = written.folder / "around-the-child.html"
    text = page.read_text()
    links = parsed(page).targets
    names = {p.name for p in written.files}
    assert set(links) - {"index.html"} <= names  # nothing links to a file that is not there
    for setting in facts.settings:
        s = slug(setting)
        for name in ("current", REFORM):
            assert f"diagram-{name}-{s}.png" in links and f"whos-who-{s}-{name}.html" in links
        # today's column comes first in each setting's pair
        assert text.index(f"diagram-current-{s}.png") < text.index(f"diagram-{REFORM}-{s}.png")
    reform_roles = facts.included[facts.model(REFORM)]
    assert {f"card-{slug(r)}-{REFORM}.html" for r in reform_roles} <= set(links)
    assert "card-iro-current.html" in links and f"card-iro-{REFORM}.html" not in links
