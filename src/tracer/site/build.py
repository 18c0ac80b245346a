"""Write the site: style.css, favicon.ico, index.html, and per operation
<project>/<release>/<op>.html with its picture copied beside it.

Output depends only on the inputs (sorted, no dates), so a rebuild of an
unchanged catalogue writes the same bytes. Files are written atomically;
files of a previous build that are no longer produced are left alone.

The site folder holds `.trace-site`, the list of the files `trace site` made
there: only those are ever replaced. A folder that holds files but no such
list is someone's, and is not built into without `force`; nor is a file the
list does not name replaced. Everything is checked before the first write.

The site writes only inside its folder: a folder on the way under it that is a
symbolic link, or a file place that resolves outside it, is refused, even with
`force` (the site folder itself may be a link to a folder). The list holds one
relative path a line, `#` starting a comment (a name starting with `#` is kept
as `./#...`); a line naming a place outside the folder is dropped when read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tracer.files import write_atomic
from tracer.problems import TracerError
from tracer.releases import Table
from tracer.site.collect import Op, Project, Release, collect, shown
from tracer.site.pages import Loaded, index_page, op_page
from tracer.site.style import CSS, favicon
from tracer.wsd.parse import parse_text
from tracer.wsd.reader import read_wsd

MARKER = ".trace-site"
_HEADER = ("# Written by `trace site`: the files it made in this folder, which a rebuild may replace.\n"
           "# Other files here are left alone.\n")


@dataclass
class Built:
    """What a build wrote, and the warnings met reading the diagrams."""

    index: Path
    pages: int = 0
    pictures: int = 0
    unrendered: list[str] = field(default_factory=list)  # op pages without a picture
    warnings: list[str] = field(default_factory=list)


def build_site(diagrams: Path, pictures: Path, out: Path, table: Table | None = None,
               force: bool = False) -> Built:
    """Build the site into `out`; with `force`, also into a folder (or over
    files) that `trace site` did not make."""
    left_out: list[str] = []
    projects = collect(diagrams, pictures, table, left_out)
    files = ["style.css", "favicon.ico", "index.html"]
    files += [name for project in projects for op in project.ops
              for name in (op.page, *([_picture_name(op)] if op.svg else []))]
    made = _made_before(out, force)
    _check_places(out, files, made, force)
    built = Built(out / "index.html", warnings=left_out)
    # the list first: a build cut short leaves a folder the next one may rebuild
    _write(out, out / MARKER, _HEADER + "".join(f"{_line(name)}\n" for name in sorted(made | set(files))))
    _write(out, out / "style.css", CSS)
    _write(out, out / "favicon.ico", favicon())
    _write(out, built.index, index_page(projects))
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
    _write(out, page, op_page(item, project, others))
    built.pages += 1
    if op.svg is None:
        built.unrendered.append(op.page)
        return
    try:
        picture = op.svg.read_bytes()
    except OSError as err:
        raise TracerError(f"{op.svg}: cannot read ({err.strerror or err}); "
                          f"check its permissions, or run `trace render` again") from None
    _write(out, out / _picture_name(op), picture)
    built.pictures += 1


def _picture_name(op: Op) -> str:
    return str(PurePosixPath(op.page).with_suffix(".svg"))


def _line(name: str) -> str:
    """`name` as a line of the list: one starting with `#` would read as a comment."""
    return f"./{name}" if name.startswith("#") else name


def _listed(text: str) -> set[str]:
    """The relative paths a list names; a line naming a place outside the folder
    (absolute, or through `..`) is dropped, not carried into the next list."""
    names = set()
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        path = PurePosixPath(line)
        if not path.is_absolute() and ".." not in path.parts and path.parts:
            names.add(str(path))
    return names


def _made_before(out: Path, force: bool) -> set[str]:
    """The files an earlier `trace site` made in `out` (from its list); a
    folder that holds files but no list is refused unless forced."""
    marker = out / MARKER
    what = f"it has no {MARKER}"
    try:
        if not out.is_dir():
            return set()  # made by this build (a file there fails at the first write)
        _check_inside(out, marker)
        if marker.is_dir():
            raise TracerError(f"-o {out}: {shown(marker)} is a folder, and the site keeps the list of the files "
                              f"it made there; nothing written. Move it, or pick another place")
        if marker.is_file():
            return _listed(marker.read_text("utf-8", errors="replace"))
        if os.path.lexists(marker):
            what = f"its {MARKER} is not a regular file"
        if force or not any(out.iterdir()):
            return set()
    except OSError as err:
        raise TracerError(f"-o {out}: cannot read {err.filename or out} ({err.strerror or err}); "
                          f"pick another place") from None
    raise TracerError(f"-o {out}: this folder holds files that `trace site` did not write ({what}); "
                      f"nothing written. Pick an empty or new folder, or pass --force to build the site into it",
                      exit_code=1)


def _check_inside(out: Path, path: Path) -> None:
    """`path` (a file place under `out`) resolves inside `out`: else refused, even with force."""
    root = os.path.realpath(out)
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise TracerError(f"-o {out}: {shown(path)} leads to {shown(real)}, outside the site folder, and the site "
                          f"writes only inside it; nothing written. Remove the link, or pick another place")


def _check_places(out: Path, files: list[str], made: set[str], force: bool) -> None:
    """Before any write: no file of the user's stands where the site puts a
    folder or a file (one the list does not name, unless forced)."""
    folders = sorted({out / parent for name in files for parent in PurePosixPath(name).parents[:-1]})
    for folder in folders:  # a folder before those in it
        if folder.is_symlink():
            raise TracerError(f"-o {out}: {shown(folder)} is a symbolic link, and the site writes only into "
                              f"folders inside {shown(out)}, never through a link; nothing written. Remove the "
                              f"link (or put a folder there), or pick another place")
        if os.path.lexists(folder) and not folder.is_dir():  # a file, a pipe, a device
            raise TracerError(f"-o {out}: {folder} is a file, and the site needs a folder there; "
                              f"move it, or pick another place")
    for name in files:
        path = out / name
        _check_inside(out, path)
        if path.is_dir():
            raise TracerError(f"-o {out}: {path} is a folder, and the site writes a file there; "
                              f"move it, or pick another place")
        if not force and name not in made and os.path.lexists(path):
            raise TracerError(f"-o {out}: {path} was not written by `trace site` (its {MARKER} does not "
                              f"list it); not overwritten. Move it, or pass --force to replace it", exit_code=1)


def _write(out: Path, path: Path, data: str | bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as err:
        raise TracerError(f"-o {out}: cannot write {path} ({err.strerror or err}); pick another place") from None
