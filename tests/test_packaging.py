"""The wheel carries the ontology, data and shapes, and an installed copy builds from them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    [built] = out.glob("rolegraph-*.whl")
    return built


def test_wheel_ships_every_turtle_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for part in ("ontology", "data", "shapes"):
        for path in (REPO / part).rglob("*.ttl"):
            assert f"rolegraph/ttl/{part}/{path.relative_to(REPO / part).as_posix()}" in names
    assert "rolegraph/py.typed" in names
    for path in (REPO / "service" / "rolegraph" / "queries").rglob("*.rq"):  # with evidence/
        assert f"rolegraph/{path.relative_to(REPO / 'service' / 'rolegraph').as_posix()}" in names


def test_installed_wheel_builds_from_its_own_copy(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from pathlib import Path; from rolegraph.graph.build import build;"
        "s = build(None, Path(sys.argv[2])).snapshot; print(s.manifest['source'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(target), str(tmp_path / "state")],
        capture_output=True, text=True, check=True,
    )
    assert Path(result.stdout.strip()) == target / "rolegraph" / "ttl"
