"""The README's generated tables: the projects (from the rules) and the
catalogue (from the committed diagrams); `python -m tracer.readme` rewrites
them between their markers."""

from __future__ import annotations

from pathlib import Path

from tracer.files import write_atomic
from tracer.problems import TracerError
from tracer.releases import load_table, version_key
from tracer.rules import load_rules

START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"
PROJECTS = "<!-- projects:start -->", "<!-- projects:end -->"


def catalogue_table(root: Path, project: str) -> str:
    """Operation x release, each cell linking the picture and the WSD text."""
    versions = _versions(project)
    releases = sorted((p.name for p in (root / "diagrams" / project).iterdir() if p.is_dir()),
                      key=lambda r: (version_key(versions[r]) if r in versions else (10**9,), r))
    head = " | ".join(f"{r} ({project} {versions.get(r, '?')})" for r in releases)
    lines = [f"| operation | {head} |", "|" + " --- |" * (len(releases) + 1)]
    for op in load_rules(project).catalogue:
        cells = []
        for release in releases:
            svg = f"output/{project}/{release}/{op}.svg"
            wsd = f"diagrams/{project}/{release}/{op}.wsd"
            cells.append(f"[picture]({svg}) · [wsd]({wsd})" if (root / wsd).is_file() else "—")
        lines.append(f"| {op} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def catalogue_tables(root: Path) -> str:
    """One table per project that has committed diagrams, by project name."""
    projects = sorted(p.name for p in (root / "diagrams").iterdir() if p.is_dir())
    return "\n".join(f"#### {project}\n\n{catalogue_table(root, project)}" for project in projects)


def _versions(project: str) -> dict[str, str]:
    """Release name -> the project's version in it, from the release table."""
    try:
        table = load_table()
    except TracerError:
        return {}
    return {r.name: e.version for r in table.releases if (e := r.entry(project)) is not None}


def update(readme: Path, table: str, markers: tuple[str, str] = (START, END)) -> bool:
    """Put the table between the markers; True when the file changed."""
    text = readme.read_text(encoding="utf-8")
    start, end = markers
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    new = f"{before}{start}\n{table}{end}{after}"
    if new != text:
        write_atomic(readme, new)
    return new != text


if __name__ == "__main__":
    from tracer.ruledoc import projects_table

    here = Path.cwd()
    changed = update(here / "README.md", catalogue_tables(here))
    changed = update(here / "README.md", projects_table(), PROJECTS) or changed
    print("README.md tables " + ("updated" if changed else "unchanged"))
