"""A source tree: which files hold which modules, indexed lazily on demand.

Every read of the tree (a module, a package's texts, the files of a glob)
can be logged with what it found (`reads`), so that a finished draft can be
kept and later trusted as long as each read still finds the same
(tracer.drafts).
"""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, TypeVar

from tracer.index.cache import IndexCache, bodies
from tracer.index.options import declared_options

if TYPE_CHECKING:  # a kept draft is served without them
    from tracer.index.codec import Entry
    from tracer.index.model import Module

_ABSENT = (errno.ENOENT, errno.ENOTDIR)
T = TypeVar("T")
P = TypeVar("P", Path, str)
ReadKey = tuple[str, str]  # ("module", dotted name) | ("package", dotted name) | ("files", JSON list of globs)
Raised = list[tuple[str, str]]  # ("report" | "note", text): the problems a read raised
Read = tuple[str, str, str, str, Raised]  # kind, name, digest of the content, of the files' stamps, problems


class SourceTree:
    """Maps dotted module names to files under `root` and indexes them once.

    Files that cannot be read or parsed, and module paths that are not
    files (a directory named `x.py`, a looping symlink), are reported once
    in `problems` (`path:line: what`) and treated as absent, never as an
    outside library. With a `cache`, indexed modules are also kept on disk
    across runs, keyed by their content, and a note about a file that was
    read (`async` renamed) is reported until it has been `shown` once.
    """

    def __init__(self, root: Path, cache: IndexCache | None = None) -> None:
        self.root = root
        self._prefix = os.path.join(root, "")  # `rel` by string: pathlib's costs more than a warm draft
        self.index_cache = cache
        bodies.cache = cache  # function bodies this process reads late are kept there too
        self._cache: dict[str, Module | None] = {}
        self._located: dict[str, tuple[Path, bool] | str | None] = {}
        self._definers: dict[tuple[str, str], str | None] = {}
        self._texts: dict[str, list[tuple[Path, str]]] = {}
        self._options: dict[str, dict[str, object]] = {}
        self.problems: list[str] = []
        self._said: set[str] | None = None  # notes reported by earlier runs
        self.log: dict[ReadKey, None] | None = None  # the reads of the draft being made, in order
        self.trail: list[ReadKey] = []  # every read, logged or not, in order (a walk's, for reuse)
        self._seen: dict[ReadKey, str] = {}  # what each read found: a digest of it
        self._stamps: dict[ReadKey, str] = {}  # the stamps of the files it read
        self._raised: dict[ReadKey, Raised] = {}
        self._raising: Raised | None = None

    def module_file(self, name: str) -> tuple[Path, bool] | None:
        """The file of a dotted module name and whether it is a package;
        None when the tree has no such module (a path that is there but is
        no regular file is also reported)."""
        found = self._locate(name)
        if isinstance(found, str):
            self._report(found)
            return None
        return found

    def located(self, name: str) -> Path | None:
        """The file of a module, saying nothing of what is wrong with it."""
        found = self._locate(name)
        return found[0] if isinstance(found, tuple) else None

    def _locate(self, name: str) -> tuple[Path, bool] | str | None:
        """module_file's answer, or why the path there is no module (looked
        up once per process: a walk asks about the same names thousands of times)."""
        if name not in self._located:
            self._located[name] = self._look_up(name)
        return self._located[name]

    def _look_up(self, name: str) -> tuple[Path, bool] | str | None:
        base = self.root.joinpath(*name.split("."))
        for path, is_package in ((base / "__init__.py", True), (base.with_suffix(".py"), False)):
            why = _not_a_file(path)
            if why is None:
                return path, is_package
            if why:
                return f"{self.rel(path)}: cannot read ({why}); skipped"
        return None

    def module(self, name: str) -> Module | None:
        self._logged(("module", name))
        if name not in self._cache:
            self._cache[name] = self._raising_for(("module", name), lambda: self._load(name))
        return self._cache[name]

    def files(self, patterns: tuple[str, ...]) -> list[Path]:
        """The files matching any of the glob patterns (no `__init__.py`), by path."""
        key = ("files", json.dumps(patterns))
        self._logged(key)
        return self._raising_for(key, lambda: self._glob(patterns))

    def _glob(self, patterns: tuple[str, ...]) -> list[Path]:
        found: set[Path] = set()
        for pattern in patterns:
            self._listable(pattern)
            found.update(p for p in self.root.glob(pattern) if p.name != "__init__.py")
        return self._utf8_named(sorted(found))

    def _listable(self, pattern: str) -> None:
        """Report the folder a glob pattern starts in when it is there but
        cannot be listed (glob passes over it in silence: its operations
        would be missing with no word why)."""
        head = []
        for part in pattern.split("/")[:-1]:
            if any(c in part for c in "*?["):
                break
            head.append(part)
        for depth in range(1, len(head) + 1):  # the first folder on the way that cannot be listed
            folder = self.root.joinpath(*head[:depth])
            try:
                os.listdir(folder)
            except OSError as err:
                if err.errno not in _ABSENT:
                    self._report(f"{self.rel(folder)}: cannot read ({err.strerror or err}); skipped")
                return

    def _utf8_named(self, paths: list[P]) -> list[P]:
        """The paths whose names are UTF-8; the others are reported and
        skipped (no import can name them, no kept draft's record spell them)."""
        kept = []
        for path in paths:
            rel = self.rel(path)
            if is_utf8(rel):
                kept.append(path)
            else:
                shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
                self._report(f"{shown}: cannot read (its name is not UTF-8: rename it); skipped")
        return kept

    # the reads of a draft -------------------------------------------------
    def _logged(self, key: ReadKey) -> None:
        self.trail.append(key)
        if self.log is not None:
            self.log.setdefault(key)

    def trail_since(self, start: int) -> tuple[ReadKey, ...]:
        """The reads since trail position `start`, each once, in the order
        first made; the trail keeps them so from there on (what a reader that
        started earlier finds there is the same, and shorter to go through)."""
        reads = tuple(dict.fromkeys(self.trail[start:]))
        del self.trail[start:]
        self.trail.extend(reads)
        return reads

    def reread(self, keys: Iterable[ReadKey]) -> None:
        """Log reads made before as made now (a walk reused: tracer.analysis.memo)."""
        self.trail.extend(keys)
        if self.log is not None:
            for key in keys:
                self.log.setdefault(key)

    def reads(self) -> list[Read]:
        """The logged reads: (kind, name, what it found, its files' stamps,
        the problems it raised)."""
        return [(kind, name, self.observe(kind, name), self.stamp(kind, name), self._raised.get((kind, name), []))
                for kind, name in list(self.log or {})]

    def observe(self, kind: str, name: str) -> str:
        """A digest of what a read finds in the tree now (once per process)."""
        key = (kind, name)
        if key not in self._seen:
            self._seen[key] = self._observation(kind, name)
        return self._seen[key]

    def unchanged(self, reads: list[Read]) -> bool:
        """Whether every read still finds what it found: files untouched
        since (their stamps), else the same content."""
        return all(self.stamp(kind, name) == stamp or self.observe(kind, name) == found
                   for kind, name, found, stamp, _ in reads)

    def replay(self, reads: list[Read]) -> None:
        """Raise again the problems the reads raised when they were made."""
        for *_, raised in reads:
            for how, text in raised:
                (self._note if how == "note" else self._report)(text)

    def stamp(self, kind: str, name: str) -> str:
        """`_stamp`, once per process."""
        key = (kind, name)
        if key not in self._stamps:
            self._stamps[key] = self._stamp(kind, name)
        return self._stamps[key]

    def _observation(self, kind: str, name: str) -> str:
        files = self._read_files(kind, name)
        if isinstance(files, str):
            return files
        parts = []
        for path in files:
            data = _file_bytes(path)
            parts.append(f"{self.rel(path)}: {data}" if isinstance(data, str) else _digest(self.rel(path), data))
        return parts[0] if kind == "module" else hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _stamp(self, kind: str, name: str) -> str:
        """The files a read reads, as their inode, size and times say (the
        change time too: a file edited with its modification time put back
        has a new one)."""
        files = self._read_files(kind, name)
        if isinstance(files, str):
            return files
        parts = []
        for path in files:
            try:
                st = os.stat(path)
                parts.append(f"{self.rel(path)}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
            except OSError as err:
                parts.append(f"{self.rel(path)}: {err.strerror or err}")
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _read_files(self, kind: str, name: str) -> list[Path] | list[str] | str:
        """The files a read reads, or what it found instead of a module."""
        if kind == "module":
            found = self._locate(name)
            return found or "-" if found is None or isinstance(found, str) else [found[0]]
        if kind == "package":
            return self._package_files(name)
        return self._glob(tuple(json.loads(name)))

    def _raising_for(self, key: ReadKey, read: Callable[[], T]) -> T:
        """`read()`, with the problems it raises kept for `reads`."""
        outer, self._raising = self._raising, []
        try:
            return read()
        finally:
            self._raised[key] = self._raising
            self._raising = outer


    def module_name(self, path: Path) -> str:
        rel = path.relative_to(self.root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def rel(self, path: Path | str) -> str:
        """A path under the root, relative to it, with `/`."""
        text = os.fspath(path)
        if text.startswith(self._prefix):
            return text[len(self._prefix):].replace(os.sep, "/")
        return Path(path).relative_to(self.root).as_posix()

    def find_definer(self, package: str, name: str) -> str | None:
        """The first module under a package (by path) that defines `name` at
        top level (`class Name` or `Name = ...`), found by a text scan
        (remembered: the walk asks the same question many times)."""
        self._logged(("package", package))
        if (package, name) not in self._definers:
            self._definers[package, name] = self._scan_definer(package, name)
        return self._definers[package, name]

    def _scan_definer(self, package: str, name: str) -> str | None:
        pattern = re.compile(rf"^(?:class {re.escape(name)}\b|{re.escape(name)}\s*=)", re.MULTILINE)
        for path, text in self._package_texts(package):
            if name in text and pattern.search(text):
                return self.module_name(path)
        return None

    def options(self, package: str) -> dict[str, object]:
        """The configuration options the package declares, with defaults."""
        self._logged(("package", package))
        if package not in self._options:
            self._options[package] = declared_options(t for _, t in self._package_texts(package))
        return self._options[package]

    def _package_texts(self, package: str) -> list[tuple[Path, str]]:
        """The non-test files under a package, by path, with their text."""
        if package not in self._texts:
            def listed() -> list[Path]:
                self.module_file(package)  # says what is wrong
                return self._package_files(package)
            files = self._raising_for(("package", package), listed)
            self._texts[package] = [(Path(p), t) for p in files if (t := read_text(p)) is not None]
        return self._texts[package]

    def _package_files(self, package: str) -> list[str]:
        """The non-test files under a package, by path (as strings: a
        package's stamp is taken on every warm draft)."""
        found = self._locate(package)
        if not (isinstance(found, tuple) and found[1]):
            return []
        files: list[tuple[str, str]] = []
        for top, dirs, names in os.walk(found[0].parent):
            dirs[:] = [d for d in dirs if d != "tests"]
            files += [(top, n) for n in names if n.endswith(".py")]
        files.sort(key=lambda f: (*f[0].split(os.sep), f[1]))  # by path, part by part
        return self._utf8_named([os.path.join(top, n) for top, n in files])

    def _load(self, name: str) -> Module | None:
        found = self.module_file(name)
        if found is None:
            return None
        path, is_package = found
        rel = self.rel(path)
        try:
            data = _file_bytes(path)
            if isinstance(data, str):
                self._report(f"{rel}: cannot read ({data}); skipped")
                return None
            self._seen.setdefault(("module", name), _digest(rel, data))
            text = _universal_newlines(data.decode("utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            self._report(f"{rel}: cannot read ({err}); skipped")
            return None
        entry = self._indexed(name, rel, is_package, data, text)
        if isinstance(entry, str):
            self._report(entry)
            return None
        for note in entry.problems:
            self._note(note)
        return entry

    def _indexed(self, name: str, rel: str, is_package: bool, data: bytes, text: str) -> Entry:
        """The module from the disk cache, else freshly built (and stored)."""
        cache = self.index_cache
        key = cache.key(name, rel, is_package, data) if cache else b""
        entry = cache.load(key) if cache else None
        if entry is None and cache:
            with cache.building(key) as waited:  # another process may be building it
                entry = cache.load(key) if waited else None
                if entry is None:
                    entry = _build(name, rel, is_package, text)
                    cache.store(key, entry)
            if (failure := cache.take_failure()) and failure not in self.problems:
                self.problems.append(failure)  # about this run, not about the module
        elif entry is None:
            entry = _build(name, rel, is_package, text)
        return entry

    def unread(self) -> list[str]:
        """The problems that are files not read (each "PATH[:LINE]: cannot
        read (why); skipped"): operations they hold are missing."""
        return [p for p in self.problems if ": cannot read (" in p]

    def report(self, problem: str) -> None:
        """A problem the walk met in what it read (a body it could not read)."""
        self._add(problem)

    def _report(self, problem: str) -> None:
        if self._raising is not None:
            self._raising.append(("report", problem))
        self._add(problem)

    def _add(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def _note(self, note: str) -> None:
        """A note about a file that was read: said once per tree."""
        if self._raising is not None:
            self._raising.append(("note", note))
        cache = self.index_cache
        if cache is None:
            self._add(note)
            return
        if self._said is None:
            self._said = cache.said(self.root)
        if note not in self._said:
            self._add(note)

    def shown(self, problems: Iterable[str]) -> None:
        """Remember that `problems` were shown to the user: the notes among
        them are not said again about this tree."""
        cache = self.index_cache
        if cache is None:
            return
        if self._said is None:
            self._said = cache.said(self.root)
        for problem in problems:
            if problem not in self._said:
                self._said.add(problem)
                cache.remember(self.root, problem)


MAX_MODULE_BYTES = 8 << 20  # the largest OpenStack module is well under 1 MB


def _not_a_file(path: Path) -> str | None:
    """'' when nothing is at `path`, None for a regular file, else why the
    path cannot be read as a module."""
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a symlink that loops"
        if err.errno in _ABSENT and not os.path.islink(path):  # a symlink to nowhere is there, broken
            return ""
        return err.strerror or str(err)
    if stat.S_ISREG(mode):
        return None
    return "a directory, not a file" if stat.S_ISDIR(mode) else "not a regular file"


def _build(name: str, rel: str, is_package: bool, text: str) -> Entry:
    """Index one module with LibCST (imported only when something is parsed);
    a module LibCST cannot take is its one-line problem."""
    import libcst as cst

    from tracer.index.build import build_module
    from tracer.index.guard import Refused
    collecting = gc.isenabled()
    gc.disable()  # a parse makes millions of objects that all live until the end: collecting finds nothing
    try:
        return build_module(name, rel, is_package, text)
    except cst.ParserSyntaxError as err:
        # Python's line (LibCST names the token after the fault, often a line
        # or two on), and its words unless they say no more than LibCST's
        theirs = re.sub(r"^parser error: error at \d+:\d+: ", "", err.message)
        line, why = _python_says(text) or (err.raw_line, theirs)
        return f"{rel}:{line}: cannot read (syntax error: {theirs if why == 'invalid syntax' else why}); skipped"
    except Refused as err:
        return f"{rel}:{err.line}: cannot read ({err.why}); skipped"
    except RecursionError:
        return f"{rel}: cannot read (an expression nested too deep for the tracer to index); skipped"
    finally:
        if collecting:
            gc.enable()


def _python_says(text: str) -> tuple[int, str] | None:
    """Where and why Python's own parser stops on a text LibCST refused, or
    None when Python reads it; Python-2-era `async` names renamed first, as
    LibCST's second try had them."""
    import ast

    from tracer.index.build import rename_py2_keywords
    try:
        ast.parse(rename_py2_keywords(text)[0])
    except SyntaxError as err:
        return err.lineno or 0, err.msg
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def is_utf8(name: str) -> bool:
    """Whether a name read from the file system was UTF-8 (the others
    carry surrogate escapes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _digest(rel: str, data: bytes) -> str:
    return f"{rel}:{hashlib.sha256(data).hexdigest()}"


def read_text(path: Path | str) -> str | None:
    """A source file's text (universal newlines), None when it is no regular
    file of a module's size or cannot be read."""
    data = _file_bytes(path)
    return None if isinstance(data, str) else _universal_newlines(data.decode("utf-8", errors="replace"))


def _file_bytes(path: Path | str) -> bytes | str:
    """A regular file's bytes, else why not: a pipe would never end, a
    device (`/dev/zero`) never stop, a file of gigabytes fill the memory."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if info.st_size > MAX_MODULE_BYTES:
            return f"{info.st_size >> 20} MB, more than any module a project ships: {MAX_MODULE_BYTES >> 20} MB at most"
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as err:
        return err.strerror or str(err)


def _universal_newlines(text: str) -> str:
    """What `Path.read_text` returns: every line ending as `\\n`."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
