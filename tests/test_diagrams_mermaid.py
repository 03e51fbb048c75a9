"""The Mermaid text parses and renders in Mermaid itself: @mermaid-js/mermaid-cli (installed
by scripts/setup into tests/mermaid/) driving Debian's chromium, not string matching."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from rolegraph.analysis.questions import Analysis
from rolegraph.trainer import diagrams

HERE = Path(__file__).resolve().parent / "mermaid"
MMDC = HERE / "node_modules" / ".bin" / "mmdc"


def mermaid_cli(tmp_path: Path) -> list[str]:
    """The mmdc command with a puppeteer config naming this machine's chromium."""
    assert MMDC.exists(), "run scripts/setup: it installs mermaid-cli into tests/mermaid/"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "run scripts/setup: it installs Debian's chromium"
    config = tmp_path / "puppeteer.json"
    base = json.loads((HERE / "puppeteer.json").read_text())
    config.write_text(json.dumps({**base, "executablePath": chromium}))
    return [str(MMDC), "--quiet", "--puppeteerConfigFile", str(config)]


def check(text: str, tmp_path: Path, name: str) -> str:
    source, target = tmp_path / f"{name}.mmd", tmp_path / f"{name}.svg"
    source.write_text(text)
    done = subprocess.run([*mermaid_cli(tmp_path), "-i", str(source), "-o", str(target)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return target.read_text()


def test_model_and_comparison_mermaid_render(analysis: Analysis, facts: diagrams.Facts,
                                             tmp_path: Path) -> None:
    texts = {
        "current": diagrams.to_mermaid(diagrams.model_view(facts, "current")),
        "home": diagrams.to_mermaid(diagrams.model_view(facts, "care-review-2022",
                                                        setting="childrens-home")),
        "compare": diagrams.comparison_mermaid(
            diagrams.comparison(facts, analysis.diff("current", "care-review-2022")),
            facts.report),
    }
    for name, text in texts.items():
        svg = check(text, tmp_path, name)
        assert "independent advocate" in svg  # drawn, not just accepted
        assert "Syntax error" not in svg


def test_the_checker_rejects_broken_mermaid(tmp_path: Path) -> None:
    """The check has teeth: an unclosed label fails."""
    source = tmp_path / "bad.mmd"
    source.write_text('flowchart LR\n  a["unclosed --> b\n')
    done = subprocess.run([*mermaid_cli(tmp_path), "-i", str(source), "-o",
                           str(tmp_path / "bad.svg")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
