"""`trace PROJECT OP`, `trace ops PROJECT`, `trace explain PROJECT OP`."""

from __future__ import annotations

from pathlib import Path

import click

from tracer.analysis.walk import Limits
from tracer.cli.app import TracerGroup, main
from tracer.files import write_atomic
from tracer.pipeline import Draft, Project
from tracer.problems import TracerError
from tracer.rules import available_projects, load_rules
from tracer.source import locate, locate_release
from tracer.wsd.emit import emit

source_option = click.option("--source", type=click.Path(path_type=Path), default=None,
                             help="Directory holding the project's package (checkout or sdist).")
driver_option = click.option("--driver", default=None, help="Virt driver binding to use (rules' choices).")
release_option = click.option("--release", default=None, metavar="NAME",
                              help="Trace a release (liberty, 2024.1) or version (15.1.5), fetched into the cache.")
offline_option = click.option("--offline", is_flag=True, help="With --release: use the cache only, never download.")
depth_option = click.option("--depth", type=click.IntRange(1, 50), default=Limits.depth, show_default=True,
                            help="How many nested calls to follow.")


def open_project(project: str, source: Path | None, driver: str | None = None,
                 release: str | None = None, offline: bool = False) -> Project:
    if release and source:
        raise click.UsageError("--release and --source do not go together; pick one")
    rules = load_rules(project)
    located = locate_release(rules, release, offline) if release else locate(rules, source)
    click.echo(located.how, err=True)
    return Project(rules, located.root, {"driver": driver} if driver else None)


def report(draft: Draft) -> None:
    for problem in draft.problems:
        click.echo(f"warning: {problem}", err=True)


def project_command(name: str) -> click.Command | None:
    if name not in available_projects():
        return None

    @click.command(name=name, help=f"Draft a sequence diagram of a {name} operation.")
    @click.argument("operation")
    @source_option
    @release_option
    @offline_option
    @click.option("-o", "--output", default=None, help="Where to write the draft; '-' prints it.")
    @click.option("--force", is_flag=True, help="Overwrite an existing diagram.")
    @driver_option
    @depth_option
    def command(operation: str, source: Path | None, release: str | None, offline: bool,
                output: str | None, force: bool,
                driver: str | None, depth: int) -> None:
        proj = open_project(name, source, driver, release, offline)
        draft = proj.draft(operation, Limits(depth=depth))
        report(draft)
        text = emit(draft.diagram)
        if output == "-":
            click.echo(text, nl=False)
            return
        path = Path(output) if output else Path("diagrams") / name / f"{operation}.wsd"
        if path.exists() and not force:
            raise TracerError(f"{path} exists and may hold hand edits; not overwritten. Pass --force to "
                              f"replace it, or -o PATH (or -o -) to write elsewhere", exit_code=1)
        write_atomic(path, text)
        click.echo(f"wrote {path}", err=True)

    return command


TracerGroup.project_command = staticmethod(project_command)


@main.command()
@click.argument("project")
@source_option
@release_option
@offline_option
def ops(project: str, source: Path | None, release: str | None, offline: bool) -> None:
    """List the operations found in a tree, with their API handlers."""
    proj = open_project(project, source, release=release, offline=offline)
    aliases: dict[str, list[str]] = {}
    for alias, target in proj.rules.aliases:
        aliases.setdefault(target, []).append(alias)
    for op in proj.operations():
        extra = [a for a in aliases.get(op.name, []) if a != op.name]
        also = f"  (also: {', '.join(sorted(extra))})" if extra else ""
        click.echo(op.describe() + also)


@main.command()
@click.argument("project")
@click.argument("operation")
@source_option
@release_option
@offline_option
@driver_option
@depth_option
def explain(project: str, operation: str, source: Path | None, release: str | None, offline: bool,
            driver: str | None, depth: int) -> None:
    """Show the call graph walked for an operation and every call left unresolved."""
    proj = open_project(project, source, driver, release, offline)
    draft = proj.draft(operation, Limits(depth=depth))
    report(draft)
    graph = draft.walk.graph
    click.echo(f"call graph: {graph.number_of_nodes()} functions, {graph.number_of_edges()} calls")
    for caller, callee, data in graph.edges(data=True):
        click.echo(f"  {data['line']}: {caller} -> {callee}  [{data['kind']}, {data['via']}]")
    for title, limit in (("unresolved", False), ("not followed (limits)", True)):
        items = list(dict.fromkeys(u for u in draft.walk.unresolved if u.limit == limit))
        click.echo(f"{title}: {len(items)}")
        for item in items:
            click.echo(f"  {item.where}: {item.call}: {item.reason}")
    click.echo(f"calls outside the tree (libraries): {draft.walk.external}")
