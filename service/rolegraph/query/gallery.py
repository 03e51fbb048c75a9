"""The gallery of named example queries: one `queries/{name}.rq` file per query, whose header
comments name it for people:

    # title: Who holds each function under the law as it stands?
    # group: trainers
    # description: One line saying what the answer tells you.

Groups are the three kinds of user: policy, trainers, developers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

GROUPS = {
    "policy": "Policy teams: coverage and model comparisons",
    "trainers": "Trainers: roles and functions",
    "developers": "Developers: joins with the legislation",
}
HEADER = re.compile(r"^#\s*(title|group|description|order):\s*(.+?)\s*$")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class GalleryError(ValueError):
    """A query file without the header the gallery needs; the message names the file."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    group: str
    description: str
    text: str
    order: int = 100


def query_dir() -> Path:
    return Path(str(resources.files("rolegraph"))) / "queries"


def parse(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := HEADER.match(line):
            fields[match.group(1)] = match.group(2)
    missing = [key for key in ("title", "group", "description") if key not in fields]
    if missing:
        raise GalleryError(f"{path.name}: header lacks {', '.join(missing)}")
    if fields["group"] not in GROUPS:
        raise GalleryError(f"{path.name}: group must be one of {', '.join(GROUPS)}")
    return NamedQuery(path.stem, fields["title"], fields["group"], fields["description"], text,
                      int(fields.get("order", "100")))


@lru_cache(maxsize=1)
def gallery() -> dict[str, NamedQuery]:
    """Every named query, by name, in gallery order (group, then `order`, then title)."""
    found = [parse(p) for p in sorted(query_dir().glob("*.rq")) if NAME.match(p.stem)]
    found.sort(key=lambda q: (list(GROUPS).index(q.group), q.order, q.title))
    return {q.name: q for q in found}


def by_group() -> list[tuple[str, str, list[NamedQuery]]]:
    queries = list(gallery().values())
    return [(group, title, [q for q in queries if q.group == group])
            for group, title in GROUPS.items()]
