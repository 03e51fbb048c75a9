"""The guides in docs/guides/ are worked examples: every `sh` and `python` block runs against a
live `rolegraph serve`, and a `text` block right after one lists lines its output must contain."""

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
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            if (following is not None and following.group(1) == "text"
                    and not text[block.end():following.start()].strip()):
                expected = tuple(line for line in following.group(2).splitlines()
                                 if line.strip() and line.strip() != "...")
            found.append(Example(path.name, text.count("\n", 0, block.start()) + 1,
                                 block.group(1), block.group(2), expected))
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
    for line in example.expected:
        assert line in done.stdout, f"{example.id}: {line!r} not in output:\n{done.stdout}"
