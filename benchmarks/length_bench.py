"""Length of every catalogue operation at normal detail against full detail.

    .venv/bin/python benchmarks/length_bench.py [--source TREE] [--project nova]

The hand-drawn references cover 17 Nova operations; the other catalogue
operations have none (nobody tuned the tracer for them). This drafts the
whole catalogue twice with the installed `trace` (`--detail full`, the
tracer's drawing before the normal level existed, and `--detail normal`),
counts each draft's steps (messages and notes, as `trace diff` counts them)
and its deepest group nesting, and writes the table into
benchmarks/RESULTS.md between `<!-- fidelity:lengths:... -->` markers.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from fidelity_bench import REFERENCE, default_source, trace_command, write_section

from tracer.wsd.model import Group, Message, Note, walk
from tracer.wsd.parse import parse_file

HERE = Path(__file__).resolve().parent


def steps_and_depth(path: Path) -> tuple[int, int]:
    diagram = parse_file(path).diagram
    steps = sum(isinstance(s, (Message, Note)) for s in walk(diagram.statements))
    return steps, _depth(diagram.statements)


def _depth(statements, level: int = 0) -> int:
    return max([level] + [_depth(b.steps, level + 1) for s in statements if isinstance(s, Group)
                          for b in s.branches])


def draft_all(trace: list[str], project: str, tree: Path, detail: str, out: Path) -> None:
    subprocess.run([*trace, project, "--catalogue", "--source", str(tree), "--detail", detail, "-o", str(out),
                    "--force", "-j", "2"], check=True, capture_output=True, text=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, help="The tree (default: `trace fetch nova liberty`'s cache)")
    ap.add_argument("--project", default="nova")
    ap.add_argument("-o", "--output", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--no-write", action="store_true", help="Print the table only.")
    args = ap.parse_args()
    tree = args.source or default_source()
    trace = trace_command()
    referenced = {p.stem for p in REFERENCE.glob("*.wsd")}
    rows = []
    with tempfile.TemporaryDirectory(prefix="lengths-") as tmp:
        full, normal = Path(tmp) / "full", Path(tmp) / "normal"
        draft_all(trace, args.project, tree, "full", full)
        draft_all(trace, args.project, tree, "normal", normal)
        for path in sorted(normal.glob("*.wsd")):
            (n_steps, n_depth), (f_steps, f_depth) = steps_and_depth(path), steps_and_depth(full / path.name)
            rows.append((path.stem, f_steps, n_steps, f_depth, n_depth))
    lines = ["| operation | reference | full steps | normal steps | normal / full | groups deep (full -> normal) |",
             "| --- | --- | ---: | ---: | ---: | --- |"]
    for op, f_steps, n_steps, f_depth, n_depth in rows:
        lines.append(f"| {op} | {'yes' if op in referenced else 'no'} | {f_steps} | {n_steps} | "
                     f"{n_steps / f_steps if f_steps else 0:.2f} | {f_depth} -> {n_depth} |")
    untuned = [r for r in rows if r[0] not in referenced]
    ratio = lambda rs: statistics.median(r[2] / r[1] for r in rs if r[1])  # noqa: E731
    lines += ["", f"Median normal / full: {ratio(rows):.2f} over all {len(rows)} operations, "
                  f"{ratio(untuned):.2f} over the {len(untuned)} without a hand-drawn reference; "
                  f"deepest group nesting at normal: {max(r[4] for r in rows)} (full: {max(r[3] for r in rows)})."]
    body = (f"Every {args.project} catalogue operation drafted from `{tree.name}` at both levels. " +
            "\n\n" + "\n".join(lines) + "\n\nRun: `.venv/bin/python benchmarks/length_bench.py [--source TREE]`.\n")
    heading = "## Fidelity: length of every catalogue operation, normal against full detail"
    print(f"{heading}\n\n{body}")
    if not args.no_write:
        write_section(args.output, "lengths", heading, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
