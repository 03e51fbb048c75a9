"""rolegraph: who does what for a child in care in England, under which law."""

__version__ = "0.1.0"
