"""`trace rules check`: validate every rules file and run each rule's examples."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracer.analysis.plugins import defined_targets
from tracer.cli.app import main
from tracer.cli.trace_cmds import cache_dir_option, index_cache, no_cache_option
from tracer.entrypoints import entry_points
from tracer.examples import check_examples
from tracer.problems import TracerError
from tracer.releases import load_table, table_path
from tracer.rules import Rules, available_projects, load_rules, rules_dir
from tracer.source import FIXTURES

if TYPE_CHECKING:
    from tracer.pipeline import Project


@main.group()
def rules() -> None:
    """Work with the rules in rules/<project>.toml."""


@rules.command()
@click.argument("projects", nargs=-1)
@click.option("--source", "source", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Also check the rules against each project this tree holds: classes and "
                   "operations they name that it lacks, patterns that match nothing in it, and "
                   "skip patterns hiding a call another rule would draw (drafting its catalogue).")
@cache_dir_option
@no_cache_option
def check(projects: tuple[str, ...], source: Path | None, cache_dir: Path | None, no_cache: bool) -> None:
    """Load each rules file (all by default) and run every rule's example;
    with no PROJECTS, load the release table too.

    A failing example prints what it expected and what the rule drew.
    Exit 1 when anything is wrong; what --source finds are warnings (a
    pattern may be meant for another release).
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
            from tracer.pipeline import Project

            project = Project(loaded, source, cache=index_cache(cache_dir, no_cache))
            _against_tree(loaded, project, source)
            _unmatched(loaded, project, source)
            _hidden_calls(loaded, project, source)
    if not projects:
        failures += not _check_release_table()
    if failures:
        raise SystemExit(1)


def _against_tree(loaded: Rules, project: "Project", source: Path) -> None:
    """Warn where the rules name what this tree does not have: classes of
    bindings, attributes and RPC clients/servers, and operations aliased."""
    tree = project.tree

    def missing(name: str) -> bool:
        module, _, cls = name.rpartition(".")
        found = tree.module(module) if module.split(".")[0] == loaded.package else None
        return module.split(".")[0] == loaded.package and (found is None or cls not in found.classes)

    named = [(f"[[bindings]] returns", b.candidates) for b in loaded.bindings] + \
        [(f"[[bindings]] choices", (c,)) for b in loaded.bindings for _, c in b.choices] + \
        [("[[attributes]] type", a.candidates) for a in loaded.attributes] + \
        [(f"[[rpc]] {k}", (n,)) for r in loaded.rpc for k, n in (("client", r.client), ("server", r.server))]
    for where, names in named:  # a list of variants is wrong only when the tree has none of them
        if all(missing(name) for name in names):
            said = " nor ".join(f"'{name}'" for name in names)
            click.echo(f"warning: {loaded.path}: {where} {said} is no class of {source}")
    points = entry_points(tree) if loaded.plugins else {}
    for i, plugin in enumerate(loaded.plugins):  # the plugin the rules draw: an entry point, else a target
        found = plugin.name is None or plugin.name in points.get(plugin.namespace, {}) or \
            bool(defined_targets(plugin, project.resolver))
        if not found:
            click.echo(f"warning: {loaded.path}: [[plugins]] #{i + 1} '{plugin.name}' is no entry point of "
                       f"{plugin.namespace} in {source} (setup.cfg, pyproject.toml), and no target it defines")
    served = {op.name for op in project.operations()}
    for alias, target in loaded.aliases:
        if target not in served:
            click.echo(f"warning: {loaded.path}: [aliases] {alias} = '{target}', an operation {source} does not serve")


def _unmatched(loaded: Rules, project: "Project", source: Path) -> None:
    """Warn, at its line, of each glob pattern that matches nothing in the tree."""
    from tracer.rulecheck import names_in, unmatched

    found = unmatched(loaded, names_in(project.tree, loaded.package))
    for item in found:
        p = item.pattern
        click.echo(f"warning: {loaded.path}:{item.line}: {p.where} '{p.glob}' matches nothing in {source}")
    click.echo(f"{loaded.project}: {len(found)} patterns match nothing in {source}")


def _hidden_calls(loaded: Rules, project: "Project", source: Path) -> None:
    """Draft the catalogue from `source` and warn, once each, where a skip
    pattern hides a call a notes or persist rule would draw."""
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
