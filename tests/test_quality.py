"""The code stays lint-clean and type-checked (settings in pyproject.toml), so CI enforces it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOLS = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing() -> None:
    result = run(str(TOOLS / "ruff"), "check", "service", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    result = run(str(TOOLS / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_stage_imports_only_the_stages_before_it() -> None:
    """cli > web > trainer | present > analysis > query > graph ([tool.importlinter])."""
    result = run(str(TOOLS / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_imports_itself_back() -> None:
    """No import cycles between modules (grimp: the import graph import-linter reads)."""
    import grimp

    graph = grimp.build_graph("rolegraph")
    cycles = sorted(
        f"{a} -> {b} -> ... -> {a}"
        for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
        if a < b and graph.find_shortest_chain(importer=b, imported=a) is not None
        and not b.startswith(a + ".") and not a.startswith(b + ".")
    )
    assert not cycles, "\n".join(cycles)


def test_each_module_says_what_it_owns_first() -> None:
    for path in sorted((REPO / "service" / "rolegraph").rglob("*.py")):
        first = path.read_text().lstrip().splitlines()[0] if path.read_text().strip() else ""
        assert first.startswith('"""'), f"{path.relative_to(REPO)}: no docstring first"
