"""`trace rules check`: validate every rules file and run each rule's examples."""

from __future__ import annotations

from pathlib import Path

import click

from tracer.cli.app import main
from tracer.examples import check_examples
from tracer.problems import TracerError
from tracer.releases import load_table, table_path
from tracer.rules import Rules, available_projects, load_rules, rules_dir
from tracer.source import FIXTURES


@main.group()
def rules() -> None:
    """Work with the rules in rules/<project>.toml."""


@rules.command()
@click.argument("projects", nargs=-1)
@click.option("--source", "source", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Also check the rules against each project this tree holds: classes and "
                   "operations they name that it lacks, and skip patterns hiding a call another "
                   "rule would draw (drafting its catalogue).")
def check(projects: tuple[str, ...], source: Path | None) -> None:
    """Load each rules file (all by default) and run every rule's example;
    with no PROJECTS, load the release table too.

    A failing example prints what it expected and what the rule drew.
    Exit 1 when anything is wrong.
    """
    names = projects or tuple(available_projects())
    if not names:
        raise TracerError(f"no rules files in {rules_dir()}")
    failures = 0
    for name in names:
        try:
            loaded = load_rules(name)
        except TracerError as err:
            click.echo(str(err))
            failures += 1
            continue
        outcomes = check_examples(loaded)
        for outcome in outcomes:
            if not outcome.ok:
                failures += 1
                click.echo(f"{loaded.path}: {outcome.name}: example draws other steps")
                click.echo("  expected: " + (" | ".join(outcome.expected) or "(nothing)"))
                click.echo("  drawn:    " + (" | ".join(outcome.actual) or "(nothing)"))
        passed = sum(o.ok for o in outcomes)
        click.echo(f"{name}: rules load, {passed} of {len(outcomes)} examples draw what they promise")
        if loaded.fixture and not (FIXTURES / loaded.fixture).is_dir():
            click.echo(f"warning: {loaded.path}: [project] fixture '{loaded.fixture}' names no folder "
                       f"in {FIXTURES}")
        if source is not None and (source / loaded.package / "__init__.py").is_file():
            _against_tree(loaded, source)
            _hidden_calls(loaded, source)
    if not projects:
        failures += not _check_release_table()
    if failures:
        raise SystemExit(1)


def _against_tree(loaded: Rules, source: Path) -> None:
    """Warn where the rules name what this tree does not have: classes of
    bindings, attributes and RPC clients/servers, and operations aliased."""
    from tracer.index.tree import SourceTree
    from tracer.pipeline import Project

    tree = SourceTree(source)

    def missing(name: str) -> bool:
        module, _, cls = name.rpartition(".")
        found = tree.module(module) if module.split(".")[0] == loaded.package else None
        return module.split(".")[0] == loaded.package and (found is None or cls not in found.classes)

    named = [(f"[[bindings]] returns", b.returns) for b in loaded.bindings] + \
        [(f"[[bindings]] choices", c) for b in loaded.bindings for _, c in b.choices] + \
        [("[[attributes]] type", a.type) for a in loaded.attributes] + \
        [(f"[[rpc]] {k}", n) for r in loaded.rpc for k, n in (("client", r.client), ("server", r.server))]
    for where, name in named:
        if missing(name):
            click.echo(f"warning: {loaded.path}: {where} '{name}' is no class of {source}")
    served = {op.name for op in Project(loaded, source).operations()}
    for alias, target in loaded.aliases:
        if target not in served:
            click.echo(f"warning: {loaded.path}: [aliases] {alias} = '{target}', an operation {source} does not serve")


def _hidden_calls(loaded: Rules, source: Path) -> None:
    """Draft the catalogue from `source` and warn, once each, where a skip
    pattern hides a call a notes or persist rule would draw."""
    from tracer.pipeline import Project

    project = Project(loaded, source)
    said: set[tuple[str, str, str]] = set()
    for name in loaded.catalogue:
        try:
            walked = project.draft(name).walk
        except TracerError:
            continue  # an operation this tree does not serve: `trace ops` says which
        for item in walked.unresolved:
            key = (item.where, item.call, item.reason)
            if "hides a call" in item.reason and key not in said:
                said.add(key)
                click.echo(f"warning: {loaded.path}: {item.reason} ({item.where}: {item.call}, in {name})")
    click.echo(f"{loaded.project}: {len(said)} calls hidden by skip patterns in {source}")


def _check_release_table() -> bool:
    """Load rules/_releases.toml, where there is one; say how it went."""
    path = table_path()
    if not path.is_file():
        return True
    try:
        releases = load_table(path).releases
    except TracerError as err:
        click.echo(str(err))
        return False
    click.echo(f"{path.name}: loads, {len(releases)} releases")
    return True


@rules.command()
def table() -> None:
    """Print the Markdown table of supported projects and operations
    (the README keeps it between <!-- projects:start --> and <!-- projects:end -->)."""
    from tracer.ruledoc import projects_table

    click.echo(projects_table(), nl=False)
