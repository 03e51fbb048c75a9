"""DOT text -> SVG, PNG or PDF with Graphviz's `dot` (Debian's graphviz, installed by
scripts/setup), run as a subprocess with a time limit. Nothing is downloaded at run time."""

from __future__ import annotations

import subprocess

MEDIA_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
    "mermaid": "text/vnd.mermaid; charset=utf-8",
}
SUFFIXES = {"svg": "svg", "png": "png", "pdf": "pdf", "dot": "dot", "mermaid": "mmd"}
# Printable area of A4 landscape with 1.2 cm margins, in inches: print formats are scaled
# down to fit it (never up); PNG at 300 dpi is print quality.
A4_LANDSCAPE = "11.0,7.3"
PNG_DPI = 300
# Seconds one Graphviz run may take before it is killed (RenderError). A backstop for the
# command line; the service bounds the whole drawing more tightly (RENDER_TIMEOUT).
TIMEOUT = 120.0


class RenderError(RuntimeError):
    """Graphviz is missing or refused the DOT text."""


def render(dot: str, fmt: str, *, dpi: int = PNG_DPI, fit: str | None = A4_LANDSCAPE,
           pinned: bool = False, timeout: float = TIMEOUT) -> bytes:
    """Lay out `dot` and draw it as svg, png or pdf. SVG keeps its natural size (it zooms);
    PNG and PDF are fitted to `fit` (inches, "w,h"; None for natural size). `pinned`: every
    node carries its own pos (points) and size, drawn as given (neato -n2), for charts."""
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"cannot render {fmt!r}: choose svg, png or pdf")
    source = dot
    if fmt in ("png", "pdf"):
        attrs = [f'size="{fit}"'] if fit else []
        if fmt == "png":
            attrs.append(f"dpi={dpi}")
        if attrs:
            source = with_graph_attrs(dot, " ".join(attrs))
    # Graphviz's own command line (as graphviz.Source.pipe builds it), run with a time limit:
    # the package's pipe has none, and a layout can run for minutes on a pathological graph.
    engine = "neato" if pinned else "dot"
    command = ["dot", f"-K{engine}", f"-T{fmt}", *(["-n2"] if pinned else [])]
    try:
        done = subprocess.run(command, input=source.encode(), capture_output=True,
                              timeout=timeout, check=False)
    except FileNotFoundError as error:
        raise RenderError("Graphviz's `dot` is not installed: run scripts/setup "
                          "(Debian package graphviz)") from error
    except subprocess.TimeoutExpired as error:  # run() has killed it
        raise RenderError(f"Graphviz ran past its time limit of {timeout:g} s") from error
    if done.returncode != 0:
        raise RenderError(f"Graphviz refused the diagram: {done.stderr!r}")
    return done.stdout


def with_graph_attrs(dot: str, attrs: str) -> str:
    """Add graph attributes right after the opening brace (later lines may not override
    size or dpi: the diagrams never set them)."""
    head, brace, rest = dot.partition("{")
    if not brace:
        raise ValueError("not a DOT graph")
    return f"{head}{{\n  graph [{attrs}];{rest}"
