"""The questions: coverage, diffs, proposals, evidence, from one served version."""
