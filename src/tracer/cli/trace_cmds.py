"""`trace PROJECT OP`, `trace PROJECT --all`, `trace ops PROJECT`, `trace explain PROJECT OP`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import sys

import click

from tracer.analysis.limits import DETAILS, Limits
from tracer.cli.app import TracerGroup, main
from tracer.cli.outputs import (CONVERTED, GivenPath, check_writable, convert, deliver, folder_output, given,
                                one_output, refuse_existing)
from tracer.index.cache import IndexCache, default_dir
from tracer.pipeline import Project
from tracer.problems import TracerError
from tracer.rules import Rules, available_projects, load_rules
from tracer.source import locate, locate_release

if TYPE_CHECKING:
    from tracer.catalogue import Setup, Summary

_TREE = "give the folder that holds the project's package (a checkout or an unpacked sdist)"
_RELEASE = "give a release name (liberty, 2024.1) or a version (15.1.5), or leave the option out"
source_option = click.option("--source", "sources", multiple=True, metavar="[SERVICE=]TREE",
                             callback=given(_TREE + ", or SERVICE=TREE"),
                             help="Directory holding the project's package (checkout or sdist). "
                                  "SERVICE=TREE (repeatable) gives another service's tree: requests "
                                  "to it are walked on inside.")
own_source_option = click.option("--source", type=GivenPath(_TREE, path_type=Path), default=None,
                                 help="Directory holding the project's package (checkout or sdist).")
driver_option = click.option("--driver", default=None, help="Virt driver binding to use (rules' choices).")
release_option = click.option("--release", default=None, metavar="NAME", callback=given(_RELEASE),
                              help="Trace a release (liberty, 2024.1) or version (15.1.5), fetched into the cache.")
offline_option = click.option("--offline", is_flag=True, help="With --release: use the cache only, never download.")


def _named_folder(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """An empty --cache-dir is refused: it would fill the current folder."""
    if value is not None and not value.strip():
        raise click.BadParameter("an empty path names no folder; name one, or leave the option out "
                                 "for the default cache")
    return None if value is None else Path(value)


cache_dir_option = click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                                callback=_named_folder, envvar="TRACER_CACHE_DIR",
                                help="Where indexed modules (and the trees --release fetches) are kept "
                                "between runs (default $XDG_CACHE_HOME/tracer, else ~/.cache/tracer).")
no_cache_option = click.option("--no-cache", is_flag=True, help="Index afresh; neither read nor write the cache.")
detail_option = click.option(
    "--detail", type=click.Choice(DETAILS), default="normal", show_default=True,
    help="normal: what a person would draw; full: every step the walk meets; "
         "brief: only the messages between services.")
depth_option = click.option("--depth", type=click.IntRange(1, 50), default=Limits.depth, show_default=True,
                            help="How many nested calls to follow.")
granularity_option = click.option("--granularity", type=click.Choice(["service", "module"]), default=None,
                                  help="Participants per service, or per module (default: the rules' "
                                       "choice for the operation, usually service).")


def index_cache(cache_dir: Path | None, no_cache: bool) -> IndexCache | None:
    return None if no_cache else IndexCache(cache_dir or default_dir())


def split_sources(project: str, sources: tuple[str, ...]) -> tuple[Path | None, dict[str, Path]]:
    """`--source TREE` or `--source PROJECT=TREE` for the project's own tree;
    `--source SERVICE=TREE` for another service's."""
    own: Path | None = None
    others: dict[str, Path] = {}
    known = available_projects()
    for value in sources:
        name, eq, path = value.partition("=")
        if not eq or name not in known and not name.isidentifier():
            name, path = project, value
        elif name not in known:
            raise click.BadParameter(f"no rules for service '{name}' (known: {', '.join(known)})",
                                     param_hint="--source")
        elif not path.strip():
            raise click.UsageError(f"--source {value} names no tree: give {name}=TREE, the folder that "
                                   f"holds {name}'s package")
        if name == project:
            if own is not None:
                raise click.BadParameter(f"{project}'s own tree given twice", param_hint="--source")
            own = Path(path)
        elif name in others:
            raise click.BadParameter(f"{name}'s tree given twice", param_hint="--source")
        else:
            others[name] = Path(path)
    return own, others


def open_project(project: str, sources: tuple[str, ...] | Path | None, driver: str | None = None,
                 release: str | None = None, offline: bool = False,
                 cache: IndexCache | None = None, cache_dir: Path | None = None) -> Project:
    """The project on its tree (--source, --release, ...), with the trees of
    other services given as --source SERVICE=TREE. A release is fetched into
    `cache_dir` (--cache-dir; default: the cache's usual place)."""
    if isinstance(sources, tuple):
        source, others = split_sources(project, sources)
    else:
        source, others = sources, {}
    if release and source:
        raise click.UsageError("--release and --source do not go together; pick one")
    rules = load_rules(project)
    check_driver(rules, driver)
    located = locate_release(rules, release, offline, cache_dir) if release else locate(rules, source)
    click.echo(located.how, err=True)
    proj = Project(rules, located.root, {"driver": driver} if driver else None, cache)
    for name, path in others.items():
        other = locate(load_rules(name), path)
        click.echo(f"{other.how}, for requests to {name}", err=True)
        proj.with_service(Project(load_rules(name), other.root, None, cache))
    return proj


def check_driver(rules: Rules, driver: str | None) -> None:
    """--driver names one of the rules' choices for the `driver` option."""
    choices = sorted({name for b in rules.bindings if b.option == "driver" for name, _ in b.choices})
    if driver is None or driver in choices:
        return
    known = f"one of {', '.join(choices)}" if choices else f"none: {rules.project}'s rules offer no driver choice"
    raise click.BadParameter(f"unknown driver '{driver}' for {rules.project}; known: {known}",
                             param_hint="--driver")


def operation_names(project: str) -> list[str]:
    """The rules' catalogue operations and aliases (what help and completion offer)."""
    try:
        rules = load_rules(project)
    except TracerError:
        return []
    return list(dict.fromkeys([*rules.catalogue, *(alias for alias, _ in rules.aliases)]))


def complete_operation(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    return [name for name in operation_names(ctx.command.name or "") if name.startswith(incomplete)]


def report(problems: list[str], proj: Project) -> None:
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    shown(proj, problems)


def shown(proj: Project, problems: Iterable[str]) -> None:
    """Said once: a tree's notes are not repeated on later runs."""
    for tree in (proj.tree, *(s.tree for s in proj.services.trees.values())):
        tree.shown(problems)


def project_command(name: str) -> click.Command | None:
    if name not in available_projects():
        return None

    ops = operation_names(name)

    @click.command(name=name, help=f"Draft a sequence diagram of a {name} operation (or of --all).",
                   epilog=f"Operations: {', '.join(ops)}. `trace ops {name}` lists what a tree serves."
                   if ops else None)
    @click.argument("operation", required=False, shell_complete=complete_operation)
    @click.option("--all", "everything", is_flag=True, help="Draft every operation of the tree into -o DIR.")
    @click.option("--catalogue", is_flag=True,
                  help="Draft the rules' catalogue of operations into -o DIR (as --all does).")
    @click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
                  help="Processes to draft with (default: one per core); for one operation, "
                       "more than one lets a second process index the modules the rules name meanwhile.")
    @source_option
    @release_option
    @offline_option
    @click.option("-o", "--output", default=None, metavar="PATH",
                  callback=given("give a file (FILE.wsd, .svg, .png, .puml, .mmd), a folder (DIR/), "
                                 "or - to print it"),
                  help="FILE.wsd (or .svg, .png, .puml, .mmd: the format from the extension), a folder "
                       "(DIR/), or - to print it. With --all: a folder.")
    @click.option("--force", is_flag=True, help="Overwrite an existing diagram.")
    @driver_option
    @depth_option
    @granularity_option
    @detail_option
    @click.option("--brief", "short", is_flag=True, help="The same as --detail brief.")
    @cache_dir_option
    @no_cache_option
    def command(operation: str | None, everything: bool, catalogue: bool, jobs: int | None, sources: tuple[str, ...],
                release: str | None, offline: bool, output: str | None, force: bool,
                driver: str | None, depth: int, granularity: str | None, detail: str, short: bool,
                cache_dir: Path | None, no_cache: bool) -> None:
        if [operation is not None, everything, catalogue].count(True) != 1:
            raise click.UsageError("give an OPERATION or --all or --catalogue (one of them)")
        if operation is not None:  # refuse a bad or existing output before the work
            from tracer.catalogue import file_name
            out = one_output(output, Path("diagrams") / name / file_name(operation), "wsd", CONVERTED)
            refuse_existing(out, force)
            check_writable(out.path)
        else:
            out_dir = folder_output(output, Path("diagrams") / name)
            check_writable(out_dir, folder_too=True)
        cache = index_cache(cache_dir, no_cache)
        proj = open_project(name, sources, driver, release, offline, cache, cache_dir)
        detail = "brief" if short else detail
        if everything or catalogue:
            from tracer.catalogue import Setup, default_jobs
            services = tuple((n, s.tree.root) for n, s in proj.services.trees.items())
            setup = Setup(name, proj.tree.root, {"driver": driver} if driver else None,
                          cache.root if cache else None, depth, granularity, services, detail)
            draft_catalogue(proj, setup, out_dir, force, jobs or default_jobs(), catalogue)
            return
        from tracer.workers import cores
        drafted = proj.drafted(operation, Limits(depth=depth, detail=detail), granularity,
                              prefetch=(jobs or cores()) > 1)
        report(drafted.problems, proj)
        if out.fmt == "wsd":
            data, dropped = drafted.text.encode("utf-8"), []
        else:
            from tracer.wsd.parse import parse_text
            data, dropped = convert(parse_text(drafted.text).diagram, out.fmt, str(out.path or operation))
        for problem in dropped:
            click.echo(f"warning: {problem}", err=True)
        deliver(out, data, force)
        if out.path is not None:
            click.echo(f"wrote {out.path}", err=True)

    return command


TracerGroup.project_command = staticmethod(project_command)


def draft_catalogue(proj: Project, setup: "Setup", out_dir: Path, force: bool, jobs: int,
                    catalogue: bool = False) -> None:
    """`--all` (every operation) or `--catalogue` (the rules' list) into a
    directory, with a progress bar and a summary."""
    from tracer.catalogue import draft_all
    if catalogue:
        found = [(name, proj.find(name)) for name in proj.rules.catalogue]
        names = [name for name, op in found if not op.removed]
        for name, op in found:
            if op.removed:
                click.echo(f"{name}: removed in {op.removed} (only an error answers it): not drafted", err=True)
        removed = 0
    else:
        names = [op.name for op in proj.operations(prefetch=jobs > 1) if not op.removed]
        removed = len(proj.operations()) - len(names)
    if removed:
        click.echo(f"{removed} operations removed from this tree (only an error answers them): not drafted",
                   err=True)
    if sys.stderr.isatty():
        with click.progressbar(length=len(names), label="drafting", file=sys.stderr,
                               show_pos=True, item_show_func=lambda n: n) as bar:
            summary = draft_all(setup, names, out_dir, force, jobs, lambda op: bar.update(1, op))
    else:
        summary = draft_all(setup, names, out_dir, force, jobs)
    summary.problems.update(proj.tree.problems)  # what finding the operations read
    shown(proj, summary.problems)
    report_summary(summary, out_dir)


def report_summary(summary: "Summary", out_dir: Path) -> None:
    for problem in sorted(summary.problems):
        click.echo(f"warning: {problem}", err=True)
    for op, reason in summary.failed:
        click.echo(f"{op}: {reason}", err=True)
    click.echo(f"{summary.line()} into {out_dir}", err=True)
    if summary.failed:
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("project")
@own_source_option
@release_option
@offline_option
@cache_dir_option
@no_cache_option
def ops(project: str, source: Path | None, release: str | None, offline: bool,
        cache_dir: Path | None, no_cache: bool) -> None:
    """List the operations found in a tree, with their API handlers."""
    proj = open_project(project, source, release=release, offline=offline,
                        cache=index_cache(cache_dir, no_cache), cache_dir=cache_dir)
    aliases: dict[str, list[str]] = {}
    for alias, target in proj.rules.aliases:
        aliases.setdefault(target, []).append(alias)
    for op in proj.operations():
        extra = [a for a in aliases.get(op.name, []) if a != op.name]
        also = f"  (also: {', '.join(sorted(extra))})" if extra else ""
        click.echo(op.describe() + also)
    for problem in proj.tree.unread():  # it may hold operations (other notes: said when drafting)
        click.echo(f"warning: {problem}", err=True)


@main.command()
@click.argument("project")
@click.argument("operation")
@source_option
@release_option
@offline_option
@driver_option
@depth_option
@granularity_option
@detail_option
@cache_dir_option
@no_cache_option
def explain(project: str, operation: str, sources: tuple[str, ...], release: str | None, offline: bool,
            driver: str | None, depth: int,
            granularity: str | None, detail: str, cache_dir: Path | None, no_cache: bool) -> None:
    """Show the call graph walked for an operation and every call left unresolved."""
    proj = open_project(project, sources, driver, release, offline, index_cache(cache_dir, no_cache), cache_dir)
    draft = proj.draft(operation, Limits(depth=depth, detail=detail), granularity)
    report(draft.problems, proj)
    graph = draft.walk.graph()
    click.echo(f"call graph: {graph.number_of_nodes()} functions, {graph.number_of_edges()} calls")
    for caller, callee, data in graph.edges(data=True):
        click.echo(f"  {data['line']}: {caller} -> {callee}  [{data['kind']}, {data['via']}]")
    for title, keep in (("unresolved", lambda u: not u.limit and not u.folded),
                        ("not followed (limits)", lambda u: u.limit),
                        ("followed, drawn folded", lambda u: u.folded)):
        items = list(dict.fromkeys(u for u in draft.walk.unresolved if keep(u)))
        click.echo(f"{title}: {len(items)}")
        for item in items:
            click.echo(f"  {item.where}: {item.call}: {item.reason}")
    click.echo(f"calls outside the tree (libraries): {draft.walk.external}")
