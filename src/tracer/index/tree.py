"""A source tree: which files hold which modules, indexed lazily on demand."""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst

from tracer.index.build import build_module
from tracer.index.model import Module


class SourceTree:
    """Maps dotted module names to files under `root` and indexes them once.

    Files that cannot be read or parsed are reported once in `problems`
    (`path:line: what`) and treated as absent.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, Module | None] = {}
        self.problems: list[str] = []

    def module_file(self, name: str) -> tuple[Path, bool] | None:
        """The file of a dotted module name and whether it is a package."""
        base = self.root.joinpath(*name.split("."))
        if (base / "__init__.py").is_file():
            return base / "__init__.py", True
        if base.with_suffix(".py").is_file():
            return base.with_suffix(".py"), False
        return None

    def has_module(self, name: str) -> bool:
        return name in self._cache and self._cache[name] is not None or \
            self.module_file(name) is not None

    def module(self, name: str) -> Module | None:
        if name not in self._cache:
            self._cache[name] = self._load(name)
        return self._cache[name]

    def module_name(self, path: Path) -> str:
        rel = path.relative_to(self.root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def find_definer(self, package: str, name: str) -> str | None:
        """The first module under a package (by path) that defines `name` at
        top level (`class Name` or `Name = ...`), found by a text scan."""
        found = self.module_file(package)
        if found is None or not found[1]:
            return None
        pattern = re.compile(rf"^(?:class {re.escape(name)}\b|{re.escape(name)}\s*=)", re.MULTILINE)
        for path in sorted(found[0].parent.rglob("*.py")):
            if "tests" in path.parts:
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if pattern.search(text):
                return self.module_name(path)
        return None

    def _load(self, name: str) -> Module | None:
        found = self.module_file(name)
        if found is None:
            return None
        path, is_package = found
        rel = self.rel(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.problems.append(f"{rel}: cannot read ({err}); skipped")
            return None
        try:
            module = build_module(name, rel, is_package, text)
        except cst.ParserSyntaxError as err:
            self.problems.append(f"{rel}:{err.raw_line}: cannot parse ({err.message}); skipped")
            return None
        self.problems.extend(module.problems)
        return module
