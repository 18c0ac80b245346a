"""`trace site`: the catalogue as a static HTML folder."""

from __future__ import annotations

from pathlib import Path

import click

from tracer.cli.app import main
from tracer.cli.outputs import GivenPath, check_writable
from tracer.site.build import MARKER, build_site


def _dir(what: str) -> GivenPath:
    """A folder option; empty is refused (it would quietly be the current folder)."""
    return GivenPath(what, file_okay=False, path_type=Path)


@main.command("site")
@click.option("-o", "--output", type=_dir("give the folder for the site (made if missing)"),
              default=Path("output/site"), show_default=True,
              help="Folder for the site (made if missing).")
@click.option("--diagrams", type=_dir("give the folder of PROJECT/RELEASE/OP.wsd diagrams"),
              default=Path("diagrams"), show_default=True,
              help="Catalogue of PROJECT/RELEASE/OP.wsd files.")
@click.option("--pictures", type=_dir("give the folder of their pictures (from `trace render`)"),
              default=Path("output"), show_default=True,
              help="Their pictures, PROJECT/RELEASE/OP.svg (from `trace render`).")
@click.option("--force", is_flag=True,
              help=f"Build into a folder that `trace site` did not make (no {MARKER} in it), "
                   "replacing the files of the same names.")
def site_cmd(output: Path, diagrams: Path, pictures: Path, force: bool) -> None:
    """Build a static HTML catalogue: an index by project and release, and a page
    per operation with its picture, WSD text, source links and the diff against
    the neighbouring releases. Open OUTPUT/index.html from disk or serve the folder.

    OUTPUT must be new, empty, or a site `trace site` made before (it keeps the
    list of its files in OUTPUT/.trace-site); other files are never replaced
    without --force.
    """
    check_writable(output, folder_too=True)
    built = build_site(diagrams, pictures, output, force=force)
    for warning in built.warnings:
        click.echo(f"warning: {warning}", err=True)
    for page in built.unrendered:
        click.echo(f"warning: {page}: no picture under {pictures} (run `trace render`)", err=True)
    click.echo(f"wrote {built.pages} pages and {built.pictures} pictures; open {built.index}", err=True)
