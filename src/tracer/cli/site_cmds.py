"""`trace site`: the catalogue as a static HTML folder."""

from __future__ import annotations

from pathlib import Path

import click

from tracer.cli.app import main
from tracer.site.build import build_site

_DIR = click.Path(file_okay=False, path_type=Path)


@main.command("site")
@click.option("-o", "--output", type=_DIR, default=Path("output/site"), show_default=True,
              help="Folder for the site (made if missing).")
@click.option("--diagrams", type=_DIR, default=Path("diagrams"), show_default=True,
              help="Catalogue of PROJECT/RELEASE/OP.wsd files.")
@click.option("--pictures", type=_DIR, default=Path("output"), show_default=True,
              help="Their pictures, PROJECT/RELEASE/OP.svg (from `trace render`).")
def site_cmd(output: Path, diagrams: Path, pictures: Path) -> None:
    """Build a static HTML catalogue: an index by project and release, and a page
    per operation with its picture, WSD text, source links and the diff against
    the neighbouring releases. Open OUTPUT/index.html from disk or serve the folder.
    """
    built = build_site(diagrams, pictures, output)
    for warning in built.warnings:
        click.echo(f"warning: {warning}", err=True)
    for page in built.unrendered:
        click.echo(f"warning: {page}: no picture under {pictures} (run `trace render`)", err=True)
    click.echo(f"wrote {built.pages} pages and {built.pictures} pictures; open {built.index}", err=True)
