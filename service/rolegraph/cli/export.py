"""`rolegraph export -o DIR`: the open release of the current snapshot (or of the version a
SPARQL store serves) written to a folder: TriG, N-Quads (and gzipped), JSON-LD, the main
tables as CSV and datapackage.json, the same files /data/ serves (present/release.py)."""

from __future__ import annotations

from pathlib import Path

import click

from rolegraph.cli.options import load_analysis, read_store_option, say, source_option, state_option


@click.command("export")
@click.option("-o", "--output", "folder", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the files to (made if missing).")
@source_option
@state_option
@read_store_option
def export_command(folder: Path, source: Path | None, state_dir: Path | None,
                   store_url: str | None) -> None:
    """Write the data as an open release: RDF dumps, CSV tables and a Frictionless data
    package, each file with its size and sha256 checksum (Open Government Licence v3.0)."""
    from rolegraph.present import release

    analysis = load_analysis(source, state_dir, store_url)
    made = release.build(analysis.reader, analysis.graph, analysis.report, analysis.as_of)
    folder.mkdir(parents=True, exist_ok=True)
    for file in made.files.values():
        (folder / file.name).write_bytes(file.body)
        click.echo(f"{file.sha256}  {file.size:>10}  {file.name}")
    say(f"version {made.version} written to {folder}")
