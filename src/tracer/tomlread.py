"""Read a TOML file of rules and report what is wrong as `file:line: ...`.

`read_toml` reads the text (UTF-8), `load_toml` parses it (a syntax error
names its line); `TomlReader` checks the shape (known tables and fields,
their types) and finds the line a table, an entry or a field stands on, for
the project rules and the release table.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tracer.problems import TracerError


def read_toml(path: Path) -> str:
    """A TOML file's text: UTF-8, a leading byte order mark (some editors
    write one) dropped; else one line saying what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise TracerError(f"{path}: cannot read ({err.strerror or err}); check its permissions") from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise TracerError(f"{path}:{line}: not UTF-8 (bad byte 0x{data[err.start]:02x} at offset {err.start}); "
                          "save it as UTF-8") from None


def load_toml(text: str, path: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"\(at line (\d+), column \d+\)", str(err))
        line = m.group(1) if m else "1"
        raise TracerError(f"{path}:{line}: not valid TOML: {str(err).split(' (at')[0]}") from None


class TomlReader:
    """Typed values out of parsed TOML, knowing where each entry stands for messages."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path

    def fail(self, table: str, index: int | None, key: str, message: str) -> TracerError:
        line = self._line_of(table, index, key)
        entry = f"[[{table}]] #{index + 1}" if index is not None else f"[{table}]"
        return TracerError(f"{self.path}:{line}: {entry}: '{key}' {message}")

    def fail_top(self, name: str, message: str) -> TracerError:
        """A top-level name of the wrong kind."""
        return TracerError(f"{self.path}:{self._line_of(name, None, name)}: '{name}' {message}")

    def line_of(self, table: str, index: int | None, key: str) -> int:
        """The line (from 1) of a field, of its entry #index of [[table]]."""
        return self._line_of(table, index, key)

    def _line_of(self, table: str, index: int | None, key: str) -> int:
        start = self._header(table, index)
        for i in range(start, len(self.lines)):
            if i > start and self.lines[i].lstrip().startswith("["):
                break
            if re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", self.lines[i]):
                return i + 1
        nested = self._header(f"{table}.{key}", None, -1)  # [table.key] written as a table of its own
        return (nested if nested >= 0 else start) + 1

    def _header(self, table: str, index: int | None, default: int = 0) -> int:
        """The line (from 0) of the table's header, of its entry #index for [[table]]."""
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
        starts = [i for i, line in enumerate(self.lines) if header.match(line)]
        if not starts:  # only dotted headers: [table.sub]
            dotted = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\.")
            starts = [i for i, line in enumerate(self.lines) if dotted.match(line)][:1]
        if index is not None and index < len(starts):
            return starts[index]
        return starts[0] if starts else default

    def get(self, d: dict, table: str, index: int | None, key: str, kind: type,
            default: Any = ...) -> Any:
        if key not in d:
            if default is ...:
                raise self.fail(table, index, key, "is required")
            return default
        value = d[key]
        if kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.fail(table, index, key, "must be a list of strings")
            return tuple(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(table, index, key, f"must be {_KINDS.get(kind, kind.__name__)}, not {_kind(value)}")
        return value

    def mapping(self, d: dict, table: str, index: int | None, key: str) -> tuple[tuple[str, str], ...]:
        """An inline table of strings (`{ a = "x", b = "y" }`), sorted."""
        value = self.get(d, table, index, key, dict, {})
        bad = next((k for k, v in value.items() if not isinstance(v, str)), None)
        if bad is not None:
            raise self.fail(table, index, key, f"must map names to strings ('{bad}' does not)")
        return tuple(sorted(value.items()))

    def shape(self, data: dict, tables: dict[str, set[str] | None], entries: dict[str, set[str]]) -> None:
        """Every top-level name is a known table, written as one, with known keys only."""
        for name, value in data.items():
            if name in tables:
                if not isinstance(value, dict):
                    raise self.fail_top(name, f"must be a table, not {_kind(value)} (write [{name}])")
                if tables[name] is not None:
                    self.known_keys(value, name, None, tables[name])
            elif name in entries:
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    raise self.fail_top(name, f"must be written as [[{name}]] entries")
                for i, item in enumerate(value):
                    self.known_keys(item, name, i, entries[name])
            else:
                known = [f"[{t}]" for t in tables] + [f"[[{t}]]" for t in entries]
                mine = f"[[{name}]]" if isinstance(value, list) else f"[{name}]"
                close = difflib.get_close_matches(name, [*tables, *entries], n=1, cutoff=0.6)
                hint = f"; did you mean {known[[*tables, *entries].index(close[0])]}?" if close else ""
                raise TracerError(f"{self.path}:{self._line_of(name, None, name)}: {mine} is not a known "
                                  f"table{hint} (known: {', '.join(known)})")

    def known_keys(self, d: dict, table: str, index: int | None, allowed: set[str]) -> None:
        for key in d:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise self.fail(table, index, key, f"is not a known field{hint} (known: {', '.join(sorted(allowed))})")

    def entries(self, data: dict, table: str, allowed: set[str]) -> list[tuple[int, dict]]:
        """The [[table]] entries, each checked for unknown fields, with their index."""
        items = data.get(table, [])
        if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
            raise self.fail_top(table, f"must be written as [[{table}]] entries")
        for i, item in enumerate(items):
            self.known_keys(item, table, i, allowed)
        return list(enumerate(items))


_KINDS = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
          dict: "a table"}


def _kind(value: object) -> str:
    """A TOML value's kind, for messages."""
    return next((name for t, name in _KINDS.items() if isinstance(value, t)), "a date")
