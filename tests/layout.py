"""Where Graphviz puts things: each node's box and each edge label's text box, read from
`dot -Tjson` (points: x0, y0, x1, y1), to check that no label lies on a box or another label."""

from __future__ import annotations

import json
import subprocess

Box = tuple[str, tuple[float, float, float, float]]


def drawn_boxes(dot: str) -> tuple[list[Box], list[Box]]:
    """The nodes of `dot` as laid out, and its edge labels (one box per label, however many
    lines; an HTML label's lines are left-aligned on their point, a plain one's centred)."""
    laid = json.loads(subprocess.run(["dot", "-Tjson"], input=dot.encode(), check=True,
                                     capture_output=True).stdout)
    nodes = []
    for node in laid["objects"]:
        if "pos" in node:  # a subgraph has none
            x, y = map(float, node["pos"].split(","))
            w, h = float(node["width"]) * 36, float(node["height"]) * 36
            nodes.append((node["name"], (x - w, y - h, x + w, y + h)))
    labels = []
    for edge in laid.get("edges", []):
        for key in ("_ldraw_", "_xldraw_", "_hldraw_", "_tldraw_"):
            size, lines = 14.0, []
            for op in edge.get(key, []):
                size = op["size"] if op["op"] == "F" else size
                if op["op"] == "T":  # text on pt, its baseline at pt's y
                    (x, y), w = op["pt"], op["width"]
                    x0 = {"l": x, "r": x - w}.get(op.get("align", "c"), x - w / 2)
                    lines.append((op["text"], (x0, y - 0.25 * size, x0 + w, y + 0.8 * size)))
            if lines:
                labels.append((" ".join(t for t, _ in lines),
                               (min(b[0] for _, b in lines), min(b[1] for _, b in lines),
                                max(b[2] for _, b in lines), max(b[3] for _, b in lines))))
    return nodes, labels


def overlaps(a: Box, b: Box) -> bool:
    (_, (ax0, ay0, ax1, ay1)), (_, (bx0, by0, bx1, by1)) = a, b
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def crowded(dot: str) -> list[tuple[str, str]]:
    """Each label of `dot` that lies on a node or on another label, with what it lies on."""
    nodes, labels = drawn_boxes(dot)
    return [(a[0], b[0]) for i, a in enumerate(labels) for b in nodes + labels[i + 1:]
            if overlaps(a, b)]
