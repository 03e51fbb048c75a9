"""From source files to an immutable snapshot: load, reason, validate, build."""
