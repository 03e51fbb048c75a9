"""Deterministic larger graphs for benchmarks: local-authority variants of every model.

Each variant copies a shipped model (roles, retired functions, assignments with their basis
and sources) under a new IRI, then drops about 3% of its assignments so the coverage check
has gaps to find. `--scale N` makes the graph about N times the shipped size.

    python bench/generate.py --scale 100 --seed 20261122 -o /tmp/s100.nt
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, URIRef

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
from rolegraph.graph.build import build
from rolegraph.vocab import RG, entity

DROP_RATE = 0.03


def variants(base: Graph, scale: int, seed: int) -> Graph:
    """The shipped graph plus enough local variants of its models to reach `scale` x its size."""
    rng = random.Random(seed)
    models = sorted(base.subjects(RDF.type, RG.ReformModel))
    per_variant = sum(variant_size(base, m) for m in models) / len(models)
    count = max(0, round((scale - 1) * len(base) / per_variant))
    out = Graph()
    out += base
    for i in range(count):
        model = models[i % len(models)]
        add_variant(
            out, base, model, f"{str(model).rsplit('/', 1)[1]}--la-{i // len(models) + 1:03d}", rng
        )
    return out


def variant_size(graph: Graph, model: URIRef) -> int:
    assignments = list(graph.subjects(RG.model, model))
    return len(list(graph.predicate_objects(model))) + sum(
        len(list(graph.predicate_objects(a))) for a in assignments
    )


def add_variant(out: Graph, base: Graph, model: URIRef, slug: str, rng: random.Random) -> None:
    variant = entity("model", slug)
    for prop, value in base.predicate_objects(model):
        out.add(
            (
                variant,
                prop,
                Literal(f"{value} ({slug})", lang="en") if prop == RDFS.label else value,
            )
        )
    out.add((variant, RG.basedOn, model))
    for assignment in base.subjects(RG.model, model):
        if rng.random() < DROP_RATE:
            continue
        copy = URIRef(f"{assignment}--{slug}")
        for prop, value in base.predicate_objects(assignment):
            out.add((copy, prop, variant if prop == RG.model else value))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    snapshot = build().snapshot
    graph = variants(snapshot.graph(), args.scale, args.seed)
    graph.serialize(args.output, format="nt", encoding="utf-8")
    print(f"scale {args.scale}: {len(graph)} triples -> {args.output}")


if __name__ == "__main__":
    main()
