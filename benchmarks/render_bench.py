"""Time the offline renderer over the 18 reference diagrams; print a Markdown table.

    .venv/bin/python benchmarks/render_bench.py [--repeat N]

Parsing is timed apart; layout, SVG and PNG each from the parsed models,
best of N runs, one core, fonts loaded once beforehand (as in a batch).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from tracer.render.fonts import load_fonts
from tracer.render.layout import layout
from tracer.render.png import render_png
from tracer.render.svg import render_svg
from tracer.wsd.parse import parse_file

REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "openstack-workflow"


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = sorted(REFERENCE.glob("*/*.wsd"))
    if not files:
        print(f"no reference diagrams at {REFERENCE}", file=sys.stderr)
        return 1
    load_fonts(), load_fonts(2.0)
    diagrams = [parse_file(f).diagram for f in files]
    rows = [
        ("parse", lambda: [parse_file(f) for f in files]),
        ("layout", lambda: [layout(d) for d in diagrams]),
        ("layout + SVG", lambda: [render_svg(layout(d)) for d in diagrams]),
        ("layout + PNG", lambda: [render_png(layout(d)) for d in diagrams]),
        ("layout + PNG x2", lambda: [render_png(layout(d), 2.0) for d in diagrams]),
    ]
    print(f"{len(files)} reference diagrams, best of {args.repeat}\n")
    print("| step | all files (s) | per file (ms) |")
    print("| --- | ---: | ---: |")
    for name, fn in rows:
        t = best(fn, args.repeat)
        print(f"| {name} | {t:.3f} | {1000 * t / len(files):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
