"""The `rolegraph` command and its subcommands."""
