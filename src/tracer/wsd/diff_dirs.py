"""`trace diff DIR_A DIR_B`: the same-named diagrams of two folders, one table row each."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tracer.problems import TracerError
from tracer.wsd.diff import DiffResult, diff_diagrams, json_doc, shares
from tracer.wsd.parse import parse_file


@dataclass(frozen=True)
class FileDiff:
    """One operation: its diff, or None when only one folder has the diagram."""

    name: str  # the path under the folder, without `.wsd`
    result: DiffResult | None
    only: str = ""  # "a" or "b" when only that folder has it

    @property
    def same(self) -> bool:
        return self.result is not None and self.result.same


def diff_folders(a: Path, b: Path, aliases: Mapping[str, str] | None = None) -> list[FileDiff]:
    """Every `.wsd` under either folder, by its path under the folder, sorted."""
    for folder in (a, b):
        if not folder.is_dir():
            raise TracerError(f"{folder}: not a folder; give two folders or two .wsd files")
    files_a, files_b = _diagrams(a), _diagrams(b)
    out: list[FileDiff] = []
    for name in sorted(files_a.keys() | files_b.keys()):
        if name not in files_b:
            out.append(FileDiff(name, None, "a"))
        elif name not in files_a:
            out.append(FileDiff(name, None, "b"))
        else:
            da, db = parse_file(files_a[name]).diagram, parse_file(files_b[name]).diagram
            out.append(FileDiff(name, diff_diagrams(da, db, aliases)))
    if not out:
        raise TracerError(f"{a} and {b}: no .wsd files in either folder")
    return out


def _diagrams(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).with_suffix("").as_posix(): p
            for p in folder.rglob("*.wsd") if p.is_file()}


def format_table(diffs: list[FileDiff], a_name: str, b_name: str) -> str:
    """Per operation: steps matched, changed, only in A, only in B, and each side's share found."""
    head = ("operation", "matched", "changed", "only A", "only B", "A found", "B found", "")
    rows = [_row(d, a_name, b_name) for d in diffs]
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    lines = ["  ".join(c.ljust(w) if k in (0, len(head) - 1) else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths))).rstrip()
             for r in [head, *rows]]
    differ = sum(not d.same for d in diffs)
    lines.append(f"{differ} of {len(diffs)} diagrams differ; "
                 f"found = share of that side's steps the other has (equal or changed)")
    return "\n".join(lines) + "\n"


def _row(d: FileDiff, a_name: str, b_name: str) -> tuple[str, ...]:
    if d.result is None:
        return (d.name, "-", "-", "-", "-", "-", "-", f"only in {a_name if d.only == 'a' else b_name}")
    stat = d.result.stat()
    count = {k: sum(c[k] for c in stat.values()) for k in ("matched", "changed", "only_a", "only_b")}
    pct = shares(stat)
    return (d.name, str(count["matched"]), str(count["changed"]), str(count["only_a"]),
            str(count["only_b"]), f"{pct['a_found_in_b']:.1f}%", f"{pct['b_found_in_a']:.1f}%", "")


def format_json(diffs: list[FileDiff], a_name: str, b_name: str) -> str:
    """The folders, the verdict, and each operation's `trace diff --json` document (or where it is)."""
    doc = {
        "a": a_name,
        "b": b_name,
        "same": all(d.same for d in diffs),
        "operations": {d.name: json_doc(d.result, f"{a_name}/{d.name}.wsd", f"{b_name}/{d.name}.wsd")
                       if d.result is not None else {"only_in": d.only} for d in diffs},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
