"""`trace diff` and `trace lint`: commands over .wsd files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracer.cli.app import color_default, main
from tracer.cli.outputs import STDIN, GivenPath, read_diagram
from tracer.lint import lint_anchors
from tracer.problems import TracerError
from tracer.wsd.diff import diff_diagrams, format_json, format_stat, format_unified, parse_aliases
from tracer.wsd.diff_dirs import diff_folders, format_table
from tracer.wsd.diff_dirs import format_json as folders_json
from tracer.wsd.parse import Parsed, parse_file

_FILE = GivenPath("give a .wsd file, a folder of them, or - for standard input", path_type=Path, dir_okay=True)


@main.command()
@click.argument("a", type=_FILE)
@click.argument("b", type=_FILE)
@click.option("--stat", is_flag=True, help="Per-kind counts instead of the steps.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result, with every pairing.")
@click.option("--alias", "aliases", multiple=True, metavar="NAME=OTHER",
              help="Read participant NAME as OTHER on both sides (image_api=images); repeatable.")
@click.option("--color/--no-color", default=None, help="Colour the output (default: on a terminal).")
def diff(a: Path, b: Path, stat: bool, as_json: bool, aliases: tuple[str, ...], color: bool | None) -> None:
    """Compare two diagrams step by step: exit 0 same, 1 different, 2 trouble.

    Steps pair by meaning within each `# path func()` section. Given two
    folders, the same-named diagrams are compared and a table printed.
    One side may be -, read from standard input.
    """
    if stat and as_json:
        raise click.UsageError("--stat and --json do not go together; pick one")
    try:
        renames = parse_aliases(aliases)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--alias") from None
    if str(a) == str(b) == STDIN:
        raise click.UsageError("only one side can be - (standard input)")
    if a.is_dir() or b.is_dir():
        _diff_folders(a, b, renames, as_json)
    parsed_a, parsed_b = read_diagram(a), read_diagram(b)
    _warn(parsed_a, parsed_b)
    result = diff_diagrams(parsed_a.diagram, parsed_b.diagram, renames)
    for note in result.coarse:
        click.echo(f"warning: {note}", err=True)
    if as_json:
        click.echo(format_json(result, str(a), str(b)), nl=False)
    elif stat:
        click.echo(format_stat(result, str(a), str(b)), nl=False)
    else:
        paint = color_default(color)
        click.echo(format_unified(result, str(a), str(b), color=paint), nl=False, color=paint)
    sys.exit(0 if result.same else 1)


def _diff_folders(a: Path, b: Path, renames: dict[str, str], as_json: bool) -> None:
    """The table (or JSON) of two folders' same-named diagrams; exits 1 when any differ."""
    if not (a.is_dir() and b.is_dir()):
        raise TracerError(f"{a if b.is_dir() else b}: a file beside a folder; give two .wsd files or two folders")
    diffs = diff_folders(a, b, renames)
    text = folders_json(diffs, str(a), str(b)) if as_json else format_table(diffs, str(a), str(b))
    click.echo(text, nl=False)
    sys.exit(0 if all(d.same for d in diffs) else 1)


@main.command()
@click.argument("files", nargs=-1, required=True, type=GivenPath("give a .wsd file", path_type=Path))
@click.option("--source", "trees", required=True, multiple=True,
              type=GivenPath("give the root of the source tree the anchors point into", path_type=Path),
              help="Root of the source tree the anchors point into; repeat it for a draft that "
                   "crosses services (each anchor is checked in the tree holding its top folder).")
def lint(files: tuple[Path, ...], trees: tuple[Path, ...]) -> None:
    """Check each anchor comment against the source tree: exit 1 on problems."""
    for tree in trees:
        if not tree.is_dir():
            raise TracerError(f"{tree}: no such directory; give --source the root of a source tree")
    parsed = {f: parse_file(f) for f in files}
    _warn(*parsed.values())
    problems = [p for f, one in parsed.items() for p in lint_anchors(one.diagram, str(f), *trees)]
    for problem in problems:
        click.echo(str(problem))
    sys.exit(1 if problems else 0)


def _warn(*parsed: Parsed) -> None:
    """The parser's warnings on standard error, each once."""
    for p in dict.fromkeys(p for one in parsed for p in one.problems):
        where = f"{p.path}:{p.line}" if p.line else p.path
        click.echo(f"{where}: warning: {p.message}", err=True)
