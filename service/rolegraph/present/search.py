"""Search over one served version: an in-memory SQLite FTS5 index (the trigram tokenizer, so
"s.25B", "reg 44" and part-words match) of the names people use for roles, functions, models,
provisions, instruments, sources, positions, people, organisations and settings: labels,
alternative names, notations, titles, plain names and definitions.

The index is built once per version from the named query `queries/read/search-texts.rq`
read through the read path (`Reader.select`), so a remote store gives the same answers.
Query text never reaches SQL as SQL: every term is a bound parameter, quoted as an FTS5
string (or a LIKE pattern with its wildcards escaped). Typing slips are forgiven cheaply:
when nothing matches, each unknown word is replaced by its nearest word in the index
(difflib) and the answer says what it searched for instead."""

from __future__ import annotations

import difflib
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rolegraph.present.records import href
from rolegraph.query.reader import Reader

RG = "https://w3id.org/rolegraph/def#"
# The kind each class is shown as, in order of preference when an entity has several.
KIND_OF_CLASS = {
    RG + "Role": "role", RG + "Function": "function", RG + "ReformModel": "model",
    RG + "Provision": "provision", RG + "LegalInstrument": "instrument",
    RG + "Person": "person", RG + "Source": "source", RG + "Position": "position",
    RG + "Organisation": "organisation", RG + "Setting": "setting",
}
KINDS = tuple(KIND_OF_CLASS.values())
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
NAME_PROPERTIES = {"http://www.w3.org/2004/02/skos/core#altLabel",
                   "http://www.w3.org/2004/02/skos/core#notation",
                   "http://purl.org/dc/terms/title", RG + "plainName"}
MAX_QUERY = 200  # characters
MAX_RESULTS = 50
TRIGRAM = 3  # shorter words cannot use the trigram index: they filter with LIKE instead
SNIPPET = 180  # characters of definition around the first match
WEIGHTS = (10.0, 6.0, 1.0)
KIND_WEIGHT = {"role": 3.0, "function": 2.0, "model": 2.0, "provision": 1.0, "instrument": 1.0,
               "person": 1.0}  # bm25 weights of the label, names and text columns
WORD = re.compile(r"[\w][\w.'’-]*[\w]|\w")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Spellings people use for the same citation: "s.25B" / "section 25B", "reg 44" / "regulation 44".
VARIANTS = ((re.compile(r"\bsection\s+(?=\d)"), "s."), (re.compile(r"\bs\.\s*(?=\d)"), "section "),
            (re.compile(r"\bregulation\s+(?=\d)"), "reg "), (re.compile(r"\breg\.?\s+(?=\d)"),
                                                               "regulation "))


class QueryProblem(ValueError):
    """The search text cannot be searched for (empty, too long); the message says why."""


@dataclass(frozen=True)
class Hit:
    """One thing found: what it is, what it is called, and where the words matched."""

    iri: str
    kind: str
    label: str
    snippet: str
    href: str
    also: tuple[str, ...] = ()  # the alternative names that matched ("Reg 44 visitor")
    marked: tuple[tuple[str, bool], ...] = ()  # the snippet in parts, True where it matched

    def record(self) -> dict[str, str]:
        """The JSON API's form: {"iri", "kind", "label", "href", "snippet"} (a reference, as
        everywhere in the API, plus what it is and where the words matched)."""
        return {"iri": self.iri, "kind": self.kind, "label": self.label, "href": self.href,
                "snippet": self.snippet}


@dataclass(frozen=True)
class Answer:
    query: str
    hits: tuple[Hit, ...]
    searched: str  # what was searched for: the query, or its corrected spelling
    version: str

    @property
    def corrected(self) -> bool:
        return self.searched != self.query


@dataclass(frozen=True)
class Entry:
    iri: str
    kind: str
    label: str
    names: tuple[str, ...]
    text: str


def clean(text: str) -> str:
    """The query as searched: control characters dropped, white space collapsed; refuses
    what cannot be searched for."""
    query = " ".join(CONTROL.sub(" ", text).split())
    if not query:
        raise QueryProblem("give some words to search for, e.g. ?q=reviewing+officer")
    if len(text) > MAX_QUERY:
        raise QueryProblem(f"the search text is {len(text)} characters long; at most "
                           f"{MAX_QUERY} are searched")
    return query


def fts_string(word: str) -> str:
    """A word as an FTS5 string: double quotes doubled, so no operator or column filter in
    it (AND, NEAR, *, ^, :, parentheses) means anything to FTS5."""
    return '"' + word.replace('"', '""') + '"'


def like_pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def entries_of(rows: Iterable[Mapping[str, str]]) -> list[Entry]:
    """The searchable entities from the rows of search-texts.rq, in IRI order (whatever
    order the store answered in), each with one kind and its texts sorted."""
    kinds: dict[str, set[str]] = {}
    texts: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        iri, cls = row.get("entity", ""), row.get("class", "")
        if cls not in KIND_OF_CLASS or "text" not in row:
            continue
        kinds.setdefault(iri, set()).add(KIND_OF_CLASS[cls])
        prop = row.get("property", "")
        field = ("label" if prop == RDFS_LABEL else "names" if prop in NAME_PROPERTIES else
                 "definition" if prop == DEFINITION else "text")
        texts.setdefault(iri, {}).setdefault(field, set()).add(row["text"])
    entries = []
    for iri in sorted(kinds):
        kind = min(kinds[iri], key=KINDS.index)
        fields = texts[iri]
        labels = sorted(fields.get("label", set()))
        names = tuple(sorted(fields.get("names", set()) - set(labels[:1]), key=str.casefold))
        label = labels[0] if labels else (names[0] if names else iri.rsplit("/", 1)[-1])
        text = "\n".join([*sorted(fields.get("definition", set())),
                          *sorted(fields.get("text", set()))])
        entries.append(Entry(iri, kind, label, (*labels[1:], *names), text))
    return entries


class SearchIndex:
    """The full-text index of one version (in memory, one connection, used under a lock)."""

    def __init__(self, version: str, entries: list[Entry]) -> None:
        self.version = version
        self.entries = entries
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("CREATE VIRTUAL TABLE entries USING fts5(label, names, text, "
                         "tokenize = 'trigram')")
        self._db.executemany(
            "INSERT INTO entries (rowid, label, names, text) VALUES (?, ?, ?, ?)",
            [(n, e.label, "\n".join(e.names), e.text) for n, e in enumerate(entries)])
        words = (w.casefold() for e in entries for part in (e.label, *e.names, e.text)
                 for w in WORD.findall(part))
        self.vocabulary = sorted({w for w in words if len(w) >= TRIGRAM})

    @classmethod
    def of(cls, reader: Reader) -> SearchIndex:
        """The index of the version `reader` reads, from queries/read/search-texts.rq."""
        return cls(reader.version, entries_of(reader.select("search-texts")))

    def search(self, text: str, limit: int = 20) -> Answer:
        query = clean(text)
        limit = max(1, min(limit, MAX_RESULTS))
        words = [w.casefold() for w in query.split()]
        scores: dict[int, float] = {}
        for spelling in variants(" ".join(words)):  # "section 25B" is also "s.25B"
            for row, score in self._scores(spelling.split()).items():
                scores[row] = max(score, scores.get(row, score))
        searched = query
        if not scores:
            fixed = self.corrected(words)
            if fixed != words:
                scores, searched = self._scores(fixed), " ".join(fixed)
                words = fixed
        if not scores and len(words) > 1:  # no entity has every word: those with most
            for word in words:
                for row, score in self._scores([word]).items():
                    scores[row] = scores.get(row, 0.0) + score
        ranked = sorted(scores, key=lambda n: (-round(scores[n], 6),
                                               KINDS.index(self.entries[n].kind),
                                               self.entries[n].label.casefold(),
                                               self.entries[n].iri))
        hits = tuple(self.hit(self.entries[n], words) for n in ranked[:limit])
        return Answer(query, hits, searched, self.version)

    def _scores(self, words: list[str]) -> dict[int, float]:
        """Row -> score for the entities that hold every word: bm25 (label and names weigh
        most), and more when the whole phrase is a name, or in one."""
        long = [w for w in words if len(w) >= TRIGRAM]
        short = [w for w in words if len(w) < TRIGRAM]
        clauses, params = [], []
        if long:
            clauses.append("entries MATCH ?")
            params.append(" AND ".join(fts_string(w) for w in long))
        for word in short:
            clauses.append("(label || ' ' || names || ' ' || text) LIKE ? ESCAPE '\\'")
            params.append(like_pattern(word))
        rank = f"bm25(entries, {', '.join(map(str, WEIGHTS))})" if long else "0.0"
        sql = f"SELECT rowid, {rank} FROM entries WHERE {' AND '.join(clauses)}"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        phrases = variants(" ".join(words))
        return {row: -float(bm25) + boost(self.entries[row], phrases) for row, bm25 in rows}

    def corrected(self, words: list[str]) -> list[str]:
        """Each word the index lacks replaced by its nearest word in the index, if any."""
        known = set(self.vocabulary)
        result = []
        for word in words:
            if len(word) < 4 or word in known or any(word in v for v in self.vocabulary):
                result.append(word)
                continue
            near = difflib.get_close_matches(word, self.vocabulary, n=1, cutoff=0.75)
            result.append(near[0] if near else word)
        return result

    def hit(self, entry: Entry, words: list[str]) -> Hit:
        also = tuple(n for n in entry.names if any(w in n.casefold() for w in words))[:3]
        snippet, marked = excerpt(entry.text, words)
        return Hit(entry.iri, entry.kind, entry.label, snippet, href(entry.iri), also, marked)


def variants(phrase: str) -> list[str]:
    found = [phrase]
    for pattern, replacement in VARIANTS:
        other = pattern.sub(replacement, phrase)
        if other != phrase:
            found.append(other)
    return found


def boost(entry: Entry, phrases: list[str]) -> float:
    """How well the whole phrase names the entity: a name equal to it, then a label that
    begins or ends with it (names are head-final: "independent reviewing officer"), then
    one that holds it as whole words, or inside words; a little for the kind (a role before
    the sources about it)."""
    best = 0.0
    for phrase in phrases:
        best = max(best, naming(entry.label.casefold(), phrase),
                   *(naming(n.casefold(), phrase) * (1.0 if n.casefold() == phrase else 0.9)
                     for n in entry.names),
                   2.0 if phrase in entry.text.casefold() else 0.0)
    return best + KIND_WEIGHT.get(entry.kind, 0.0) if best else 0.0


def naming(name: str, phrase: str) -> float:
    if name == phrase:
        return 50.0
    whole = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", name)
    if whole and whole.start() == 0:
        return 25.0
    if whole and whole.end() == len(name):
        return 24.0
    if whole:
        return 20.0
    return 16.0 if phrase in name else 0.0


def excerpt(text: str, words: list[str]) -> tuple[str, tuple[tuple[str, bool], ...]]:
    """About SNIPPET characters of the entity's first text (its definition) around the first
    matching word (its opening when none matches), cut at word boundaries, and the same
    split where the words matched."""
    first = " ".join(text.split("\n", 1)[0].split()) if text else ""
    folded = first.casefold()
    places = [at for at in (folded.find(w) for w in words if w) if at >= 0]
    start = max(0, min(places) - SNIPPET // 3) if places else 0
    if start:
        start = first.rfind(" ", 0, start) + 1
    piece = first[start:start + SNIPPET]
    cut = start + len(piece) < len(first)
    if cut and " " in piece:
        piece = piece[: piece.rfind(" ")]
    snippet = ("…" if start else "") + piece.strip() + ("…" if cut else "")
    return snippet, marks(snippet, words)


def marks(snippet: str, words: list[str]) -> tuple[tuple[str, bool], ...]:
    terms = sorted({w for w in words if w}, key=len, reverse=True)
    if not terms:
        return ((snippet, False),)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + ")",
                         re.IGNORECASE)  # at the start of a word: "reg" not in "registered"
    parts: list[tuple[str, bool]] = []
    at = 0
    for found in pattern.finditer(snippet):
        if found.start() > at:
            parts.append((snippet[at:found.start()], False))
        parts.append((found.group(), True))
        at = found.end()
    if at < len(snippet):
        parts.append((snippet[at:], False))
    return tuple(parts)
