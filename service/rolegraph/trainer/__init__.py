"""For trainers: diagram facts, drawings (Graphviz, Mermaid), role cards, packs, time lines."""
