"""RDF/XML entity declarations, checked before Oxigraph parses a file.

Oxigraph's RDF/XML parser refuses external entities (SYSTEM/PUBLIC: no file or network
read) but expands internal ones, nested ones included: ten levels of ten references
("billion laughs") ask it for gigabytes and abort the process (measured: a 1 KB file, an
allocation of 4.8 GB). Real RDF/XML uses entities as namespace abbreviations
(`<!ENTITY owl "http://www.w3.org/2002/07/owl#">`), so those stay allowed: flat values of
bounded size whose total expansion is bounded. Anything else is refused, and so is any
declaration this check cannot read (fail closed)."""

from __future__ import annotations

import re

ENTITY_START = re.compile(r"<!ENTITY\b")
# A general entity with a literal value: <!ENTITY name "value"> or 'value'.
FLAT_ENTITY = re.compile(r"""<!ENTITY\s+([A-Za-z_:][\w.:-]*)\s+("[^"&%<]*"|'[^'&%<]*')\s*>""")
MAX_VALUE = 2048            # characters in one entity's value
MAX_EXPANSION = 4 * 1024 * 1024  # characters all references expand to, in total


def entity_refusal(data: bytes) -> str | None:
    """Why this RDF/XML document is refused, or None if its entities (if any) are safe."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "RDF/XML is read as UTF-8 only (other encodings could hide entity declarations)"
    starts = ENTITY_START.findall(text)
    if not starts:
        return None
    flat = FLAT_ENTITY.findall(text)
    if len(flat) != len(starts):
        return ("entity declarations other than flat abbreviations are refused: no external "
                "(SYSTEM/PUBLIC), parameter (%) or nested (&name; inside a value) entities")
    expansion = 0
    for name, quoted in flat:
        value = quoted[1:-1]
        if len(value) > MAX_VALUE:
            return f"entity '{name}' is longer than {MAX_VALUE} characters"
        expansion += text.count(f"&{name};") * len(value)
    if expansion > MAX_EXPANSION:
        return f"entity references would expand to more than {MAX_EXPANSION:,} characters"
    return None
