"""The query engine and the stores it answers from: embedded, remote, and the read path."""
