"""The guides in docs/guides/ are worked examples: every `sh` and `python` block runs against a
live `rolegraph serve`, and a `text` block right after one is its output: the whole of it, or,
where the block elides with a "..." line, the lines shown, in that order."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, LiveServer

GUIDES = REPO / "docs" / "guides"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$\n?", re.M | re.S)
RUNNABLE = ("sh", "python")


@dataclass(frozen=True)
class Example:
    guide: str
    line: int
    language: str
    code: str
    expected: tuple[str, ...]
    whole: bool = False  # the text block is the whole output (it elides nothing)

    @property
    def id(self) -> str:
        return f"{self.guide}:{self.line}"


def examples() -> list[Example]:
    found = []
    for path in sorted(GUIDES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        blocks = list(FENCE.finditer(text))
        for i, block in enumerate(blocks):
            if block.group(1) not in RUNNABLE:
                continue
            expected: tuple[str, ...] = ()
            whole = False
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            if (following is not None and following.group(1) == "text"
                    and not text[block.end():following.start()].strip()):
                shown = following.group(2).splitlines()
                expected = tuple(line for line in shown if line.strip() and line.strip() != "...")
                whole = all(line.strip() != "..." for line in shown)
            found.append(Example(path.name, text.count("\n", 0, block.start()) + 1,
                                 block.group(1), block.group(2), expected, whole))
    return found


EXAMPLES = examples()


def test_every_guide_has_tested_examples() -> None:
    guides = {e.guide for e in EXAMPLES}
    assert {"policy.md", "trainers.md", "developers.md"} <= guides
    assert all(any(e.expected for e in EXAMPLES if e.guide == g) for g in guides)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_guide_example_runs(example: Example, site_server: LiveServer, state_dir: Path,
                            tmp_path: Path) -> None:
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "ROLEGRAPH_URL": site_server.url, "ROLEGRAPH_HOME": str(state_dir),
           "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    if example.language == "sh":
        command = ["bash", "-euo", "pipefail", "-c", example.code]
    else:
        command = [sys.executable, "-c", example.code]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, f"{example.id} failed:\n{done.stdout}\n{done.stderr}"
    printed = [line.rstrip() for line in done.stdout.splitlines() if line.strip()]
    if example.whole and example.expected:
        assert printed == [line.rstrip() for line in example.expected], (
            f"{example.id}: the guide shows\n" + "\n".join(example.expected)
            + "\nbut it prints\n" + done.stdout)
        return
    at = 0
    for line in example.expected:
        found = next((i for i in range(at, len(printed)) if line.strip() in printed[i]), None)
        assert found is not None, f"{example.id}: {line!r} not in output (in order):\n{done.stdout}"
        at = found + 1
