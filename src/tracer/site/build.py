"""Write the site: style.css, favicon.ico, index.html, and per operation
<project>/<release>/<op>.html with its picture copied beside it.

Output depends only on the inputs (sorted, no dates), so a rebuild of an
unchanged catalogue writes the same bytes. Files are written atomically;
files of a previous build that are no longer produced are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tracer.files import write_atomic
from tracer.releases import Table
from tracer.site.collect import Op, Project, Release, collect
from tracer.site.pages import Loaded, index_page, op_page
from tracer.site.style import CSS, favicon
from tracer.wsd.parse import parse_text
from tracer.wsd.reader import read_wsd


@dataclass
class Built:
    """What a build wrote, and the warnings met reading the diagrams."""

    index: Path
    pages: int = 0
    pictures: int = 0
    unrendered: list[str] = field(default_factory=list)  # op pages without a picture
    warnings: list[str] = field(default_factory=list)


def build_site(diagrams: Path, pictures: Path, out: Path, table: Table | None = None) -> Built:
    projects = collect(diagrams, pictures, table)
    built = Built(out / "index.html")
    write_atomic(out / "style.css", CSS)
    write_atomic(out / "favicon.ico", favicon())
    write_atomic(built.index, index_page(projects))
    for project in projects:
        loaded = {op: _load(op, built) for op in project.ops}
        for op, item in loaded.items():
            _write_op(out, item, project, _neighbours(project, op, loaded), built)
    return built


def _load(op: Op, built: Built) -> Loaded:
    text = read_wsd(op.wsd)
    parsed = parse_text(text, str(op.wsd))
    built.warnings += [str(p) for p in parsed.problems]
    return Loaded(op, text, parsed.diagram)


def _neighbours(project: Project, op: Op, loaded: dict[Op, Loaded]) -> list[tuple[Release, Loaded | None]]:
    """The releases just before and after `op`'s, with their diagram of the same operation."""
    i = project.releases.index(op.release)
    near = project.releases[max(0, i - 1):i] + project.releases[i + 1:i + 2]
    return [(r, loaded.get(found) if (found := project.find(r, op.name)) else None) for r in near]


def _write_op(out: Path, item: Loaded, project: Project,
              others: list[tuple[Release, Loaded | None]], built: Built) -> None:
    op = item.op
    page = out / op.page
    write_atomic(page, op_page(item, project, others))
    built.pages += 1
    if op.svg is None:
        built.unrendered.append(op.page)
        return
    write_atomic(page.with_suffix(".svg"), op.svg.read_bytes())
    built.pictures += 1
