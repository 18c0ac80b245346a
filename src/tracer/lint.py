"""Check a diagram's anchor comments (`# pkg/compute/api.py pause()`) against a source tree.

Definitions are found with regexes over the file text, not `ast`, so that
Python-2-era files (`async` as a parameter name, print statements) still work.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from pathlib import Path

from tracer.problems import Problem, TracerError
from tracer.wsd.model import Anchor, Comment, Diagram, walk

_SKIP_DIRS = {".git", ".tox", ".venv", "__pycache__", "node_modules"}


class SourceTree:
    """The .py files of a tree, their text, and where names are defined."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise TracerError(f"{root}: not a directory; give --source the root of a source tree")
        self.root = root

    @property
    def paths(self) -> list[str]:
        return _py_paths(self.root)

    def text(self, rel: str) -> str:
        return _read(self.root / rel)

    def has(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def named(self, basename: str) -> list[str]:
        return [p for p in self.paths if p.rsplit("/", 1)[-1] == basename]

    def defining(self, func: str) -> list[str]:
        """Files that define `func` (`name` or `Class.name`)."""
        index = _definitions(self.root)
        candidates = index.get(func.rsplit(".", 1)[-1], [])
        return [p for p in candidates if "." not in func or defines(self.text(p), func)]


@cache
def _py_paths(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if not _SKIP_DIRS.intersection(rel.parts) and path.is_file():
            found.append(rel.as_posix())
    return sorted(found)


_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.M)


@cache
def _definitions(root: Path) -> dict[str, list[str]]:
    """Every def/class name in the tree -> the files defining it, in path order."""
    index: dict[str, list[str]] = {}
    for rel in _py_paths(root):
        for name in dict.fromkeys(_DEF.findall(_read(root / rel))):
            index.setdefault(name, []).append(rel)
    return index


@cache
def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def defines(text: str, func: str) -> bool:
    """Does this source text define `name` (def or class) or `Class.name` (a def inside it)?"""
    if "." not in func:
        pattern = rf"^[ \t]*(?:async[ \t]+def|def|class)[ \t]+{re.escape(func)}\b"
        return re.search(pattern, text, re.M) is not None
    cls, name = func.rsplit(".", 1)
    cls = cls.rsplit(".", 1)[-1]
    return any(_has_method(body, name) for body in _class_bodies(text, cls))


def _class_bodies(text: str, cls: str) -> list[list[str]]:
    """The lines of each `class cls` body: the lines indented deeper than its header."""
    lines = text.splitlines()
    bodies = []
    for i, line in enumerate(lines):
        m = re.match(rf"^([ \t]*)class[ \t]+{re.escape(cls)}\b", line)
        if m:
            bodies.append(_indented_block(lines[i + 1:], len(m[1].expandtabs())))
    return bodies


def _indented_block(lines: list[str], indent: int) -> list[str]:
    block = []
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and _indent(line) <= indent:
            break
        block.append(line)
    return block


def _indent(line: str) -> int:
    return len(line.expandtabs()) - len(line.expandtabs().lstrip())


def _has_method(body: list[str], name: str) -> bool:
    pattern = re.compile(rf"^[ \t]+(?:async[ \t]+)?def[ \t]+{re.escape(name)}\b")
    return any(pattern.match(line) for line in body)


def lint_anchors(diagram: Diagram, wsd_path: str, tree: Path, *more: Path) -> list[Problem]:
    """One problem per anchor that does not point at a real file and definition.
    With `more` trees (a draft that crosses services), each anchor is checked
    in the tree holding its path's top folder (`pkg/...`), else the first."""
    sources = [SourceTree(t) for t in (tree, *more)]
    problems = []
    for stmt in walk(diagram.statements):
        if not isinstance(stmt, Comment):
            continue
        anchor = stmt.anchor
        if anchor is None:
            if (hint := near_anchor(stmt, sources)) is not None:
                problems.append(Problem(wsd_path, stmt.line, hint))
            continue
        source = _tree_for(anchor, sources)
        message = check_anchor(anchor, source, str(source.root))
        if message:
            problems.append(Problem(wsd_path, anchor.line, f"anchor '{anchor}': {message}"))
    return problems


_NEAR = re.compile(r"^(?P<path>[\w.-]*(?:/[\w.-]+)+/?)(?:\s+(?P<name>[A-Za-z_][\w.]*)(?:\s*\(\s*\))?)?$")


def near_anchor(comment: Comment, sources: list[SourceTree]) -> str | None:
    """What is wrong with a comment written like an anchor that is not one
    (`# pkg/virt/driver power_on`: no .py, no ()), or None for other
    comments: its path must start in a folder of a tree given (`pkg/`),
    name a file, and be followed by a name or be a .py file."""
    text = comment.text.strip()
    found = _NEAR.match(text) if comment.level == 1 and comment.anchor is None else None
    if found is None:
        return None
    path, name = found["path"], found["name"]
    top = path.split("/", 1)[0]
    if path.endswith("/") or not top or top in (".", "..") or \
            not any((source.root / top).is_dir() for source in sources):
        return None  # prose with a slash (`read/write`, a date, a URL), a folder named alone
    if not (path.endswith(".py") or name):
        return None
    if path.endswith(".py"):
        fixed, why = path, "its name lacks ()"
    else:
        stem, _, last = path.rpartition("/")
        fixed, why = f"{stem}/{last.split('.')[0]}.py", "its path names no .py file"
    return f"comment '# {text}' looks like an anchor but is not one ({why}); write '# {fixed} {name or 'func'}()'"


def _tree_for(anchor: Anchor, sources: list[SourceTree]) -> SourceTree:
    top = (anchor.path or "").lstrip("/").split("/", 1)[0]
    if "/" in (anchor.path or "").lstrip("/"):
        return next((s for s in sources if (s.root / top).is_dir()), sources[0])
    return sources[0]


def check_anchor(anchor: Anchor, source: SourceTree, tree_name: str) -> str | None:
    """What is wrong with one anchor, or None when it resolves."""
    if anchor.path is None:
        assert anchor.func is not None
        if source.defining(anchor.func):
            return None
        return f"no def {anchor.func} anywhere under {tree_name}"
    path, trouble = _resolve_path(anchor, source, tree_name)
    if trouble:
        return trouble
    if anchor.func is None or defines(source.text(path), anchor.func):
        return None
    return f"no def {anchor.func} in {path}" + _elsewhere(anchor, source, tree_name)


def _resolve_path(anchor: Anchor, source: SourceTree, tree_name: str) -> tuple[str, str | None]:
    """The anchor's file relative to the tree, or a message saying why it has none."""
    path = (anchor.path or "").lstrip("/")
    if ".." in path.split("/"):
        return path, f"leads out of {tree_name} ('..'): an anchor names a file inside the tree"
    if "/" in path:
        if source.has(path):
            return path, None
        return path, f"no such file under {tree_name}" + _suggest(anchor, source, tree_name)
    candidates = source.named(path)
    if anchor.func and len(candidates) > 1:
        candidates = [c for c in candidates if defines(source.text(c), anchor.func)] or candidates
    if len(candidates) == 1:
        return candidates[0], None
    if not candidates:
        return path, f"no file named {path} under {tree_name}" + _suggest(anchor, source, tree_name)
    return path, f"ambiguous: {len(candidates)} files named {path} ({_listing(candidates)}); give the path"


def _suggest(anchor: Anchor, source: SourceTree, tree_name: str) -> str:
    """Where the function really is, else the closest existing path."""
    if anchor.func and (where := source.defining(anchor.func)):
        return f"; defined in {_best(where, anchor.path or '')}"
    path = anchor.path or ""
    if "/" not in path:  # a bare name is compared with file names
        names = {p.rsplit("/", 1)[-1].removesuffix(".py"): p for p in reversed(source.paths)}
        close = difflib.get_close_matches(path.removesuffix(".py"), list(names), n=1, cutoff=0.6)
        return f"; closest is {names[close[0]]}" if close else ""
    pool = source.named(path.rsplit("/", 1)[-1]) or source.paths
    close = difflib.get_close_matches(path, pool, n=1, cutoff=0.6)
    return f"; closest is {close[0]}" if close else ""


def _elsewhere(anchor: Anchor, source: SourceTree, tree_name: str) -> str:
    assert anchor.func is not None
    where = source.defining(anchor.func)
    if not where:
        return f"; not defined anywhere under {tree_name}"
    return f"; defined in {_best(where, anchor.path or '')}"


def _best(paths: list[str], near: str) -> str:
    """The candidate closest to `near`, noting how many others there are."""
    ranked = sorted(paths, key=lambda p: -difflib.SequenceMatcher(None, near, p).ratio())
    first_non_test = [p for p in ranked if "tests" not in p.split("/")]
    best = (first_non_test or ranked)[0]
    more = len(paths) - 1
    return f"{best} (and {more} more)" if more else best


def _listing(paths: list[str], limit: int = 3) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f", ... {len(paths) - limit} more" if len(paths) > limit else "")
