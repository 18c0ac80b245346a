"""`trace rules check`: validate every rules file and run each rule's examples."""

from __future__ import annotations

from pathlib import Path

import click

from tracer.cli.app import main
from tracer.examples import check_examples
from tracer.problems import TracerError
from tracer.releases import load_table, table_path
from tracer.rules import Rules, available_projects, load_rules, rules_dir


@main.group()
def rules() -> None:
    """Work with the rules in rules/<project>.toml."""


@rules.command()
@click.argument("projects", nargs=-1)
@click.option("--source", "source", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Also draft the catalogue of each project this tree holds and warn where a skip "
                   "pattern hides a call another rule would draw.")
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
        if source is not None and (source / loaded.package / "__init__.py").is_file():
            _hidden_calls(loaded, source)
    if not projects:
        failures += not _check_release_table()
    if failures:
        raise SystemExit(1)


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
