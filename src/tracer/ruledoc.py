"""The README's table of supported projects, generated from the rules:
each project, the releases the release table covers for it, the
operations its catalogue drafts, and the services it sends requests to
(marked * where that service's rules route them on into its tree)."""

from __future__ import annotations

from tracer.releases import Table, load_table, table_path
from tracer.rules import Rules, available_projects, load_rules

START, END = "<!-- projects:start -->", "<!-- projects:end -->"


def projects_table() -> str:
    """A Markdown table, one row per rules file (a rules folder without a
    release table covers no releases; a broken one is an error)."""
    table: Table | None = load_table() if table_path().is_file() else None
    lines = ["| project | releases | operations | requests to |", "| --- | --- | --- | --- |"]
    for name in available_projects():
        rules = load_rules(name)
        lines.append(f"| {name} | {_coverage(table, name)} | {_operations(rules)} | {_requests(rules)} |")
    return "\n".join(lines) + "\n"


def _coverage(table: Table | None, project: str) -> str:
    """First and last release that name a version of the project."""
    if table is None:
        return "—"
    found = [(r.name, e.version) for r in table.releases if (e := r.entry(project)) is not None]
    if not found:
        return "—"
    (first, v1), (last, v2) = found[0], found[-1]
    return f"{first} ({v1}) to {last} ({v2})" if len(found) > 1 else f"{first} ({v1})"


def _operations(rules: Rules) -> str:
    return ", ".join(f"`{op}`" for op in rules.catalogue) or "—"


def _requests(rules: Rules) -> str:
    """The services its client calls reach; * where their rules have routes."""
    known = available_projects()
    services = dict.fromkeys(c.service for c in rules.clients)
    marked = [f"{s}*" if s in known and load_rules(s).routes else s for s in services]
    return ", ".join(marked) or "—"
