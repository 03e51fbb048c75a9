"""A training pack ready to use (issue 18, part 5): for the model a trainer asks for, written
into one folder with an index that says in a sentence what each file is.

- "Around the child" (around-the-child.html): for each setting, today's law and the reform side
  by side, each drawing linked to its diagrams, role cards and who's who.
- Comparisons today-first (current -> the reform): the changes-only drawing, the full one, the
  flows view (one band per pair of roles), as SVG, PDF and PNG.
- Each model's diagram (and per setting), PNGs, the slide deck, who's who pages, role cards.

Asked for `current` itself, the comparisons are today against every other model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from rolegraph.analysis.coverage import slug
from rolegraph.trainer import cards, diagrams, render, slides, whoswho

if TYPE_CHECKING:
    from rolegraph.analysis.questions import Analysis
    from rolegraph.trainer.facts import Facts

Progress = Callable[[str], None]
TODAY = "current"
PNG_DPI = 150  # pack PNGs: sharp on a screen or a slide, a quarter of print size
KINDS = {"svg": "SVG (zooms on screen; open in a browser)", "pdf": "PDF (A4, to print)",
         "png": "PNG (a picture for slides and documents)", "dot": "Graphviz DOT source",
         "mmd": "Mermaid text (paste into Markdown or a wiki)",
         "html": "web page (open in a browser; prints on A4)", "pptx": "PowerPoint deck"}
SECTIONS = ("Start here", "Comparisons, today first", "Diagrams", "Slides", "Who's who",
            "Role cards")


@dataclass(frozen=True)
class Written:
    name: str
    section: str
    description: str  # one sentence: what the file shows


@dataclass
class Pack:
    folder: Path
    files: list[Path] = field(default_factory=list)
    described: list[Written] = field(default_factory=list)

    def write(self, name: str, data: str | bytes, section: str = "Diagrams",
              description: str = "") -> Path:
        path = self.folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        self.files.append(path)
        kind = KINDS.get(name.rsplit(".", 1)[-1], "file")
        self.described.append(Written(name, section, f"{description} {kind[:1].upper()}"
                                                     f"{kind[1:]}."))
        return path


def diagram_output(dot: str, mermaid: str, fmt: str) -> str | bytes:
    """One diagram in a format of diagrams.FORMATS."""
    if fmt == "dot":
        return dot
    if fmt == "mermaid":
        return mermaid
    return render.render(dot, fmt)


def picture(dot: str, fmt: str) -> bytes:
    return render.render(dot, fmt, dpi=PNG_DPI) if fmt == "png" else render.render(dot, fmt)


@dataclass
class Side:
    """One model's column on the "around the child" page, per setting."""

    slug: str
    title: str
    settings: dict[str, dict[str, str]] = field(default_factory=dict)  # setting -> links
    cards: list[tuple[str, str]] = field(default_factory=list)  # (role name, file)


def write_pack(analysis: Analysis, model: str, folder: Path, *, pdf: bool = False,
               progress: Progress = lambda _: None) -> Pack:
    """Write the pack for model slug `model` into `folder` (created if missing)."""
    facts = diagrams.collect(analysis)
    m = facts.model(model)
    folder.mkdir(parents=True, exist_ok=True)
    pack = Pack(folder)
    report = facts.report
    others = [slug(x) for x in report.models
              if slug(x) not in (TODAY, "statutory-system") and not slug(x).startswith("law-")]
    reforms = others if model == TODAY else [model]
    models = [TODAY] if model == TODAY else [TODAY, model]
    settings = sorted(slug(s) for s in facts.settings)
    steps = (len(models) * (1 + len(settings)) + 2 * len(reforms) + 1 + len(models)
             + (1 if pdf else 0) + 1)
    done = 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        progress(f"[{done}/{steps}] {what}")

    sides = {x: Side(x, report.models[facts.model(x)]) for x in models}
    for name in models:
        title = sides[name].title
        view = diagrams.model_view(facts, name)
        dot, mmd = diagrams.to_dot(view), diagrams.to_mermaid(view)
        for fmt in ("svg", "png", "pdf", "dot", "mermaid"):
            pack.write(f"diagram-{name}.{render.SUFFIXES[fmt]}",
                       picture(dot, fmt) if fmt in ("svg", "png", "pdf")
                       else diagram_output(dot, mmd, fmt), "Diagrams",
                       f"Every role under {title}, the functions each holds and their law, "
                       "with the child at the centre and who appoints, visits and reports to "
                       "whom.")
        step(f"diagram of {name}")
        for setting in settings:
            label = facts.settings[facts.setting(setting)]
            dot = diagrams.to_dot(diagrams.model_view(facts, name, setting=setting))
            links = {}
            for fmt in ("svg", "png", "pdf"):
                file = f"diagram-{name}-{setting}.{fmt}"
                pack.write(file, picture(dot, fmt), "Diagrams",
                           f"Around the child in {label} under {title}: the roles, what each "
                           "does there and how they relate.")
                links[fmt] = file
            who = whoswho.whos_who(analysis, facts, setting, name)
            file = f"whos-who-{setting}-{name}.html"
            pack.write(file, cards.standalone(whoswho.page_html(who, links=False)), "Who's who",
                       f"Who's who for a child in {label} under {title}, in plain words "
                       "for a reader of about 11.")
            links["whos-who"] = file
            sides[name].settings[setting] = links
            step(f"around the child under {name}: {setting}")
    for reform in reforms:
        write_comparison(analysis, facts, pack, reform)
        step(f"comparison of {TODAY} with {reform}")
        deck = slides.deck(analysis, facts, TODAY, reform)
        pack.write(f"slides-{TODAY}-vs-{reform}.pptx", deck, "Slides",
                   f"A trainer's deck: the child at the centre today, one slide per role, "
                   f"what changes under {report.models[facts.model(reform)]} and the sources; "
                   "every word editable.")
        step(f"slide deck: {TODAY} -> {reform}")
    if model == TODAY:
        pack.write(f"slides-{TODAY}.pptx", slides.deck(analysis, facts, TODAY), "Slides",
                   "A trainer's deck of today's law: the child at the centre, one slide per "
                   "role with its functions and law, the sources; every word editable.")
    step("slide deck")
    role_cards = []
    for name in models:
        mm = facts.model(name)
        for role in [r for r in report.roles if r in facts.included.get(mm, frozenset())]:
            card = cards.role_card(analysis, facts, slug(role), name)
            page = cards.card_html([card])
            what = f"Role card: the {card.title} under {sides[name].title} on one A4 page."
            pack.write(f"card-{slug(role)}-{name}.html", cards.standalone(page), "Role cards",
                       what)
            if name == model:
                role_cards.append(card)
                pack.write(f"card-{slug(role)}-{name}.pdf", cards.card_pdf(page), "Role cards",
                           what)
            sides[name].cards.append((card.title, f"card-{slug(role)}-{name}.html"))
        step(f"role cards under {name}")
    if pdf:
        pack.write(f"pack-{model}.pdf", cards.card_pdf(cards.card_html(
            role_cards, title=f"Role cards: {report.models[m]}")), "Role cards",
            f"Every role card under {report.models[m]} in one document to print.")
        step(f"all cards in one PDF: pack-{model}.pdf")
    labels = {s: facts.settings[facts.setting(s)] for s in settings}
    pack.write("around-the-child.html", environment().get_template("around.html").render(
        sides=[sides[x] for x in models], settings=labels, version=analysis.version),
        "Start here", "Around the child, setting by setting: today's law"
        + (f" and {report.models[m]} side by side" if model != TODAY else "")
        + ", each picture linked to its diagrams, role cards and who's who.")
    step("around the child")
    pack.write("index.html", index_html(report.models[m], pack, analysis.version))
    return pack


def write_comparison(analysis: Analysis, facts: Facts, pack: Pack, reform: str) -> None:
    """Today -> `reform`: changes only, in full, and as flows; pictures and Mermaid text."""
    report = facts.report
    title = report.models[facts.model(reform)]
    section = "Comparisons, today first"
    changes, _ = diagrams.drawing(analysis, facts, TODAY, None, None, reform, True)
    full, full_mmd = diagrams.drawing(analysis, facts, TODAY, None, None, reform)
    flows, flows_mmd = diagrams.flows_drawing(analysis, facts, TODAY, reform)
    base = f"{TODAY}-vs-{reform}"
    for fmt in ("svg", "pdf", "png"):
        pack.write(f"compare-{base}-changes.{fmt}", picture(changes, fmt), section,
                   f"Only what changes from today's law to {title}: each function that moves, "
                   "is shared, lost or retired, between its holders today and under the reform.")
        pack.write(f"flows-{base}.{fmt}", picture(flows, fmt), section,
                   f"Where today's functions go under {title}: one band per pair of roles, "
                   "its width the number of functions that move; one A4 landscape page.")
        if fmt != "png":
            pack.write(f"compare-{base}.{fmt}", picture(full, fmt), section,
                       f"Every function, today's holders on the left and {title}'s on the "
                       "right, changes marked in colour and in words.")
    pack.write(f"compare-{base}.mmd", full_mmd, section,
               f"The full comparison of today's law with {title} as text.")
    pack.write(f"flows-{base}.mmd", flows_mmd, section,
               f"The flows from today's law to {title} as a Mermaid Sankey diagram.")


def environment() -> Environment:
    return Environment(loader=PackageLoader("rolegraph", "templates/pack"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def index_html(title: str, pack: Pack, version: str) -> str:
    """The index: every file written, grouped and in order, each with its sentence."""
    grouped = {s: [w for w in pack.described if w.section == s] for s in SECTIONS}
    return environment().get_template("index.html").render(
        title=title, sections={s: ws for s, ws in grouped.items() if ws}, version=version,
        count=len(pack.described) + 1)
