"""`trace fetch PROJECT RELEASE` and `trace compare PROJECT OP OLD NEW`."""

from __future__ import annotations

import errno
import sys
from pathlib import Path

import click

from tracer.analysis.limits import Limits
from tracer.cli.app import color_default, main
from tracer.cli.outputs import given
from tracer.compare import compare as compare_drafts
from tracer.compare import format_json_text, format_stat_text, format_text
from tracer.fetch import Options, cache_root, cached, fetch as fetch_target, sources_folder
from tracer.index.cache import IndexCache
from tracer.pipeline import Project
from tracer.problems import TracerError
from tracer.releases import Target, resolve
from tracer.rules import load_rules
from tracer.source import check_tree
from tracer.wsd.emit import emit
from tracer.wsd.parse import parse_text


@main.command()
@click.argument("project")
@click.argument("release", metavar="RELEASE|VERSION",
                callback=given("give a release name (liberty, 2024.1) or a version (15.1.5)"))
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=Options.timeout, show_default=True,
              help="Seconds to wait to connect and between reads.")
@click.option("--retries", type=click.IntRange(0, 10), default=Options.retries, show_default=True,
              help="Retries of a URL on connection errors and server errors.")
@click.option("--deadline", type=click.FloatRange(0.1, 24 * 3600), default=Options.deadline, show_default=True,
              help="Seconds the whole fetch may take.")
@click.option("--max-size", type=click.IntRange(1, 1 << 20), default=Options.max_size >> 20, show_default=True,
              metavar="MIB", help="Largest download, and largest unpacked tree, in MiB.")
@click.option("--git", "git", is_flag=False, flag_value="", default=None, metavar="URL|PATH",
              help="Take the release's tag from this git repository (a URL or a local clone or "
                   "mirror; alone: the project's public repository).")
def fetch(project: str, release: str, timeout: float, retries: int, deadline: float, max_size: int,
          git: str | None) -> None:
    """Download a release's source into the cache and print its path.

    RELEASE is a name from rules/_releases.toml (liberty, 2024.1, caracal) or a
    version (15.1.5). A second run reuses the cached tree.
    """
    target = resolve(project, release)
    _warn_unverified(target)
    options = Options(timeout, retries, deadline=deadline, max_size=max_size << 20)
    if git is not None:
        from tracer.gitsource import fetch_git

        if not (git or target.git):
            raise TracerError(f"the release table names no git repository for {project}: pass --git URL|PATH")
        if cached(target) is None:
            sources_folder()  # where the tree goes can be written: checked before the clone
        fetched = fetch_git(target, git or target.git or "", options)
    else:
        fetched = fetch_target(target, options=options)
    click.echo(fetched.how, err=True)
    click.echo(str(fetched.root))


_SIDE = "give a release name (liberty, 2024.1), a version (15.1.5) or a folder holding a tree"


@main.command()
@click.argument("project")
@click.argument("operation")
@click.argument("old", metavar="OLD", callback=given(_SIDE))
@click.argument("new", metavar="NEW", callback=given(_SIDE))
@click.option("--stat", is_flag=True, help="Per-kind counts instead of the steps.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
@click.option("--color/--no-color", default=None, help="Colour the output (default: on a terminal).")
@click.option("--offline", is_flag=True, help="Use cached trees only, never download.")
@click.option("--driver", default=None, help="Virt driver binding to use (rules' choices).")
@click.option("--depth", type=click.IntRange(1, 50), default=Limits.depth, show_default=True,
              help="How many nested calls to follow.")
def compare(project: str, operation: str, old: str, new: str, stat: bool, as_json: bool,
            color: bool | None, offline: bool, driver: str | None, depth: int) -> None:
    """Draft OPERATION from two releases (or versions) and diff the drafts.

    OLD and NEW are release names, versions, or folders holding a tree (as
    --source takes: `trace compare PROJECT OP ~/old-tree ~/new-tree`).
    Shows what `trace diff` shows, then the functions the steps point to that
    moved, were renamed, are gone or are new. Exit 0 same, 1 different.
    """
    if stat and as_json:
        raise click.UsageError("--stat and --json do not go together; pick one")
    sides = [_draft(project, operation, what, offline, driver, depth) for what in (old, new)]
    (a_name, a), (b_name, b) = sides
    result = compare_drafts(a, b)
    if as_json:
        click.echo(format_json_text(result, a_name, b_name), nl=False)
    elif stat:
        click.echo(format_stat_text(result, a_name, b_name), nl=False)
    else:
        paint = color_default(color)
        click.echo(format_text(result, a_name, b_name, color=paint), nl=False, color=paint)
    sys.exit(0 if result.same else 1)


def _draft(project: str, operation: str, what: str, offline: bool, driver: str | None, depth: int):
    """(label, diagram) of one side."""
    rules = load_rules(project)
    if _is_folder(what):  # a tree on disk, as --source takes
        root, label, short = Path(what), what, Path(what).name
    else:
        target = resolve(project, what)
        _warn_unverified(target)
        fetched = fetch_target(target, offline=offline)
        click.echo(fetched.how, err=True)
        root, label, short = fetched.root, target.label, target.version
    check_tree(root, rules.package)
    options = {"driver": driver} if driver else None
    draft = Project(rules, root, options, IndexCache(cache_root())).draft(operation, Limits(depth=depth))
    for problem in draft.problems:
        click.echo(f"warning: {short}: {problem}", err=True)
    # re-read as text so steps carry the line numbers of `trace PROJECT OP --release X -o -`
    return label, parse_text(emit(draft.diagram)).diagram


def _is_folder(what: str) -> bool:
    """`what` names a folder (a name too long for one names none: resolve says so)."""
    try:
        return Path(what).is_dir()
    except OSError as err:
        if err.errno == errno.ENAMETOOLONG:
            return False
        raise


def _warn_unverified(target: Target) -> None:
    if target.checked == "unverified":
        click.echo(f"warning: {target.label}: the release table marks this entry as not checked", err=True)
