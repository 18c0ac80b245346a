"""The plugin entry points a source tree declares: `setup.cfg`'s
`[entry_points]` (pbr's `namespace =` followed by `name = module:attr`
lines) and `pyproject.toml`'s `[project.entry-points."namespace"]`.

A loader such as stevedore's `DriverManager('pkg.flows', 'name')` finds
its plugin there at run time; the walk reads the same table. The files are
read through the tree (`SourceTree.files`), so a kept draft knows it read
them.
"""

from __future__ import annotations

import configparser

from tracer.index.tree import SourceTree
from tracer.tomlread import tomllib

EntryPoints = dict[str, dict[str, str]]  # namespace -> name -> qualified name (`pkg.mod.func`)


def entry_points(tree: SourceTree) -> EntryPoints:
    """Every entry point of the tree, `module:attr` read as `module.attr`;
    where both files name one, setup.cfg's is kept. Files that cannot be
    read or parsed count as empty."""
    found: EntryPoints = {}
    for path in tree.files(("setup.cfg", "pyproject.toml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        table = _setup_cfg(text) if path.name == "setup.cfg" else _pyproject(text)
        for namespace, names in table.items():
            for name, target in names.items():
                found.setdefault(namespace, {}).setdefault(name, target)
    return found


def _qualified(target: str) -> str | None:
    """`pkg.mod:func` -> `pkg.mod.func` (extras `[x]` dropped); None when it is no such reference."""
    target = target.split("[", 1)[0].strip()
    module, _, attr = target.partition(":")
    dotted = f"{module.strip()}.{attr.strip()}" if attr else module.strip()
    parts = dotted.split(".")
    return dotted if len(parts) > 1 and all(p.isidentifier() for p in parts) else None


def _setup_cfg(text: str) -> EntryPoints:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    if not parser.has_section("entry_points"):
        return {}
    out: EntryPoints = {}
    for namespace, body in parser.items("entry_points", raw=True):
        for line in body.splitlines():
            name, eq, target = line.partition("=")
            if eq and (qualified := _qualified(target)):
                out.setdefault(namespace, {})[name.strip()] = qualified
    return out


def _pyproject(text: str) -> EntryPoints:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    project = data.get("project")
    groups = project.get("entry-points") if isinstance(project, dict) else None
    out: EntryPoints = {}
    for namespace, names in (groups.items() if isinstance(groups, dict) else ()):
        for name, target in (names.items() if isinstance(names, dict) else ()):
            if isinstance(target, str) and (qualified := _qualified(target)):
                out.setdefault(namespace, {})[name] = qualified
    return out
