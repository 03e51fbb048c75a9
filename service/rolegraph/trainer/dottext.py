"""Text inside Graphviz DOT built with graphviz.Digraph, which quotes values itself: markup
for HTML-like labels, and plain text that must stay as written."""

from __future__ import annotations

import html

from graphviz import escape


def esc(text: str) -> str:
    """Text inside an HTML-like label, or a URL (Graphviz copies a URL into the SVG as it is,
    so an unescaped & would make the SVG invalid)."""
    return html.escape(text, quote=True)


def plain(text: str) -> str:
    """A plain-text attribute such as a tooltip, as written: a backslash is not a DOT escape
    (a trailing one would swallow the closing quote) and text in <...> is not an HTML-like
    label (graphviz.escape marks it so; str() would drop the mark)."""
    return escape(text)  # type: ignore[no-any-return]


def html_label(markup: str) -> str:
    """An HTML-like label: graphviz.quoting passes a value in <...> through unquoted."""
    return f"<{markup}>"
